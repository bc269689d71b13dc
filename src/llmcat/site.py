"""`llmcat site`: the catalog as a static, bilingual web site that needs no server.

``build(catalog)`` returns the site as ``{relative path: text}``; the command writes it. Every
page is complete HTML that reads without JavaScript; the home page's filters run in the
browser over the JSON index embedded in the page (so they work from ``file://``, where a
browser refuses to fetch a local file) and written to ``data/index.json`` for others. No
external scripts, fonts or trackers: the CSS and JS are files of this package.

English pages live at the root, Chinese ones under ``zh/`` with the same paths below it, so a
page's other language is one link away.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from importlib import resources
from typing import Any

from llmcat import lineage
from llmcat.catalog import Catalog, Record
from llmcat.estimator import Lookup, Recipe
from llmcat.hardware import memory
from llmcat.site_pages import FIT_MODES, Page, entry_page, home, license_page
from llmcat.vocab import FIT_ORDER

LANGS = ("en", "zh")
ASSETS = ("style.css", "app.js")


def build(catalog: Catalog) -> dict[str, str]:
    """Every file of the site."""
    verdicts = {r["id"]: lineage.verdict(catalog, r["id"]) for r in catalog.entries()}
    index = [index_row(record, verdicts[record["id"]], catalog.get) for record in catalog.entries()]
    index.sort(key=lambda row: (row["kind"], row["id"]))
    files = {
        f"assets/{name}": resources.files("llmcat").joinpath(f"site_assets/{name}").read_text("utf-8")
        for name in ASSETS
    }
    files["data/index.json"] = json.dumps(index, ensure_ascii=False, indent=1)
    inherited = _inherited_by(verdicts)
    for lang in LANGS:
        files[Page("index.html", lang).file] = home(Page("index.html", lang), index)
        for record in catalog.entries():
            page = Page(f"entries/{record['id']}.html", lang)
            files[page.file] = entry_page(page, catalog, record, verdicts[record["id"]])
        for lic in catalog.licenses():
            page = Page(f"licenses/{lic['id']}.html", lang)
            files[page.file] = license_page(page, catalog, lic, inherited.get(lic["id"], []))
    return files


# --- the index the home page filters ------------------------------------------------------


def language_prefixes(tags: Iterable[str]) -> list[str]:
    """zh-Hant-TW gives zh, zh-hant and zh-hant-tw: a filter for zh matches every Chinese tag."""
    out: list[str] = []
    for tag in tags:
        parts = tag.casefold().split("-")
        out.extend("-".join(parts[:end]) for end in range(1, len(parts) + 1))
    return list(dict.fromkeys(out))


def fit_memory(record: Record, lookup: Lookup) -> dict[str, float]:
    """Per mode, the least memory (GiB) over the precisions `llmcat fit` tries, each worked out
    as `fit` works it out (default recipe): a card fits the model when it holds this much."""
    best: dict[str, float] = {}
    if record["kind"] != "model":
        return best
    for mode in FIT_MODES:
        needs = [memory(record, mode, p, Recipe(), lookup) for p in FIT_ORDER[mode]]
        known = [m.gib for m in needs if m is not None]
        if known:
            best[mode] = round(min(known), 2)
    return best


def index_row(record: Record, verdict: lineage.Verdict, lookup: Lookup) -> dict[str, Any]:
    # The condition that decides a conditional or a no, as `export --format markdown` shows it.
    deciding = verdict.effective in ("conditional", "no")
    conditions = [c for c in verdict.conditions if c.get("status") == verdict.effective] if deciding else []
    return {
        "id": record["id"],
        "kind": record["kind"],
        "name": record["name"],
        "organization": record["organization"],
        "languages": record.get("languages", []),
        "language_prefixes": language_prefixes(record.get("languages", [])),
        "licenses": sorted(set(record.get("license", {}).values())),
        "declared": verdict.declared,
        "effective": verdict.effective,
        "condition": {"en": conditions[0]["en"], "zh": conditions[0]["zh"]} if conditions else None,
        "params": record.get("params"),
        "released": record.get("released"),
        "summary": record["summary"],
        "search": " ".join(
            [record["id"], record["name"], *record.get("aliases", []), record["organization"]]
        ).casefold(),
        "memory_gib": fit_memory(record, lookup),
    }


def _inherited_by(verdicts: dict[str, lineage.Verdict]) -> dict[str, list[str]]:
    """License id -> entries whose verdict a license upstream of them decides or conditions."""
    found: dict[str, list[str]] = {}
    for entry_id, verdict in verdicts.items():
        for reason in verdict.reasons:
            if reason.license and len(reason.path) > 1 and entry_id not in found.setdefault(reason.license, []):
                found[reason.license].append(entry_id)
    return found
