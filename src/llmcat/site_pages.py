"""The HTML of the site's pages (`llmcat site`): the home page with its filters, an entry's
page, a license's page, and the frame around each. Every page reads without JavaScript, and
every value from the catalog is escaped here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from html import escape
from typing import Any, NamedTuple

from llmcat import __version__, lineage
from llmcat.catalog import Catalog, Record
from llmcat.hardware import hardware_rows
from llmcat.quantity import format_count
from llmcat.site_text import KIND_NAME, MODE_NAME, STATUS_NAME, TEXT
from llmcat.thresholds import license_conditions
from llmcat.vocab import Mode

FIT_MODES: tuple[Mode, ...] = ("inference", "lora", "qlora", "full-finetune")  # the site's fit filter


class Page(NamedTuple):
    """Where a page is, in language-neutral terms (``entries/chatglm-6b.html``)."""

    path: str
    lang: str

    @property
    def file(self) -> str:
        return self.path if self.lang == "en" else f"zh/{self.path}"

    def href(self, target: str) -> str:
        """A relative link from this page to ``target`` (a root-relative path)."""
        depth = self.file.count("/")
        return "../" * depth + target

    def other(self) -> str:
        other = Page(self.path, "zh" if self.lang == "en" else "en")
        return self.href(other.file)


# --- page frame -------------------------------------------------------------------------------


def frame(page: Page, title: str, body: str, *, script: str = "") -> str:
    t = TEXT[page.lang]
    return f"""<!doctype html>
<html lang="{"zh-Hans" if page.lang == "zh" else "en"}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} · llmcat</title>
<link rel="stylesheet" href="{page.href("assets/style.css")}">
</head>
<body>
<a class="skip" href="#main">{t["skip"]}</a>
<header class="top">
<a class="brand" href="{page.href(Page("index.html", page.lang).file)}">llmcat</a>
<span class="tagline">{t["tagline"]}</span>
<a class="lang-switch" href="{page.other()}" hreflang="{"en" if page.lang == "zh" else "zh-Hans"}">{t["other_language"]}</a>
</header>
<main id="main">
{body}
</main>
<footer>{t["footer"].format(version=__version__)}</footer>
{script}
</body>
</html>
"""


def _e(value: object) -> str:
    return escape(str(value))


def _badge(status: str, lang: str) -> str:
    return f'<span class="badge {escape(status)}">{escape(STATUS_NAME[lang].get(status, status))}</span>'


def _link(page: Page, kind: str, entry_id: str, label: str | None = None) -> str:
    folder = "licenses" if kind == "license" else "entries"
    target = Page(f"{folder}/{entry_id}.html", page.lang).file
    return f'<a href="{page.href(target)}">{_e(label or entry_id)}</a>'


def _text(value: dict[str, str] | None, lang: str) -> str:
    return _e(value.get(lang) or value.get("en", "")) if value else ""


# --- home ---------------------------------------------------------------------------------------


def home(page: Page, index: Sequence[dict[str, Any]]) -> str:
    t = TEXT[page.lang]
    options = {
        "lang": sorted({p for row in index for p in row["language_prefixes"] if "-" not in p}),
        "license": sorted({lic for row in index for lic in row["licenses"]}),
    }
    controls = f"""
<form class="filters" id="filters" role="search" aria-label="{t["filters"]}">
<label>{t["search"]} <input type="search" name="q" autocomplete="off"></label>
<label>{t["language"]} <select name="lang"><option value="">{t["any"]}</option>{_options(options["lang"])}</select></label>
<label>{t["kind"]} <select name="kind"><option value="">{t["any"]}</option>{_options(KIND_NAME[page.lang].items())}</select></label>
<label>{t["license"]} <select name="license"><option value="">{t["any"]}</option>{_options(options["license"])}</select></label>
<label>{t["commercial"]} <select name="commercial"><option value="">{t["any"]}</option>
<option value="commercial">{t["commercial_ok"]}</option><option value="yes">{t["commercial_yes"]}</option></select></label>
<label>{t["params_min"]} <input type="number" name="pmin" min="0" step="any" inputmode="decimal"></label>
<label>{t["params_max"]} <input type="number" name="pmax" min="0" step="any" inputmode="decimal"></label>
<label>{t["gpu"]} <input type="number" name="vram" min="1" step="any" inputmode="decimal"></label>
<label>{t["mode"]} <select name="mode">{_options((m, MODE_NAME[page.lang][m]) for m in FIT_MODES)}</select></label>
<button type="reset">{t["reset"]}</button>
</form>
<p class="count" id="count" aria-live="polite">{t["count"].format(n=len(index))}</p>"""
    rows = "\n".join(_home_row(page, row) for row in index)
    table = f"""
<div class="table-wrap"><table id="entries">
<caption class="visually-hidden">{t["entries"]}</caption>
<thead><tr><th scope="col">{t["name"]}</th><th scope="col">{t["kind"]}</th><th scope="col">{t["params"]}</th>
<th scope="col">{t["language"]}</th><th scope="col">{t["license"]}</th><th scope="col">{t["commercial"]}</th></tr></thead>
<tbody>
{rows}
</tbody></table></div>"""
    script = (
        f'<script type="application/json" id="llmcat-index">{_script_json(index)}</script>\n'
        f'<script type="application/json" id="llmcat-text">{_script_json(t)}</script>\n'
        f'<script src="{page.href("assets/app.js")}"></script>'
    )
    intro = f'<h1>{t["title"]}</h1>\n<p class="lead">{t["lead"]}</p>'
    return frame(page, t["title"], intro + controls + table, script=script)


def _script_json(data: Any) -> str:
    """JSON inside a <script> element: no '<' at all, so neither '</script>' nor '<!--' in catalog
    text can end or change the element (JSON.parse reads \\u003c back as '<')."""
    return json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")


def _options(values: Iterable[Any]) -> str:
    pairs = [(v, v) if isinstance(v, str) else v for v in values]
    return "".join(f'<option value="{_e(value)}">{_e(label)}</option>' for value, label in pairs)


def _home_row(page: Page, row: dict[str, Any]) -> str:
    lang = page.lang
    condition = f'<span class="condition">{_text(row["condition"], lang)}</span>' if row["condition"] else ""
    params = format_count(row["params"]) if row["params"] else ""
    return (
        f'<tr data-id="{_e(row["id"])}"><th scope="row">{_link(page, row["kind"], row["id"], row["name"])}'
        f'<span class="id">{_e(row["id"])}</span></th>'
        f"<td>{_e(KIND_NAME[lang][row['kind']])}</td><td>{_e(params)}</td>"
        f"<td>{_e(', '.join(row['languages'][:6]))}{' …' if len(row['languages']) > 6 else ''}</td>"
        f"<td>{', '.join(_link(page, 'license', lic) for lic in row['licenses'])}</td>"
        f"<td>{_badge(row['effective'], lang)}{condition}</td></tr>"
    )


# --- entry pages --------------------------------------------------------------------------------


def entry_page(page: Page, catalog: Catalog, record: Record, verdict: lineage.Verdict) -> str:
    sections = [
        f'<h1>{_e(record["name"])} <span class="id">{_e(record["id"])}</span></h1>',
        f'<p class="lead">{_text(record["summary"], page.lang)}</p>',
        _facts(page, record),
        _verdict_section(page, verdict, lineage.explain(catalog, record["id"])),
        _licenses_section(page, catalog, record),
        _lineage_section(page, catalog, record),
        _memory_section(page, catalog, record),
        _notes_section(page, record),
        _sources_section(page, record),
    ]
    return frame(page, record["name"], "\n".join(s for s in sections if s))


def _dl(rows: Iterable[tuple[str, str]]) -> str:
    items = "".join(f"<dt>{label}</dt><dd>{value}</dd>" for label, value in rows if value)
    return f"<dl>{items}</dl>"


def _facts(page: Page, record: Record) -> str:
    t = TEXT[page.lang]
    links = record.get("links", {})
    hub = links.get("huggingface")
    rows = [
        (t["kind"], _e(KIND_NAME[page.lang][record["kind"]])),
        (t["organization"], _e(record["organization"])),
        (t["released"], _e(record.get("released", ""))),
        (t["params"], _e(f"{format_count(record['params'])} ({record['params']:,})") if record.get("params") else ""),
        (t["context"], _e(f"{record['context_length']:,}") if record.get("context_length") else ""),
        (t["language"], _e(", ".join(record.get("languages", [])))),
        (t["aliases"], _e(", ".join(record.get("aliases", [])))),
        (t["status"], _e(record.get("status", "available"))),
    ]
    rows += [(_e(key), _url(url)) for key, url in links.items() if key != "huggingface"]
    if hub:
        prefix = "datasets/" if record["kind"] == "dataset" else ""
        rows.append(("Hugging Face", _url(f"https://huggingface.co/{prefix}{hub}", hub)))
    return f"<section><h2>{t['facts']}</h2>{_dl(rows)}</section>"


def _url(url: str, label: str | None = None) -> str:
    return f'<a href="{_e(url)}" rel="noopener">{_e(label or url)}</a>'


def _verdict_section(page: Page, verdict: lineage.Verdict, tree: lineage.Node) -> str:
    t = TEXT[page.lang]
    parts = [
        f"<h2>{t['verdict']}</h2>",
        f"<p>{_badge(verdict.effective, page.lang)} {t['own_license']} {_badge(verdict.declared, page.lang)}</p>",
        "<ul>" + "".join(f"<li>{_e(r.text)}</li>" for r in verdict.reasons) + "</ul>",
        _terms(t["conditions"], verdict.conditions, page.lang),
        _terms(t["obligations"], verdict.obligations, page.lang),
        _terms(t["caveats"], [{"en": c, "zh": c} for c in verdict.caveats], page.lang),
        f'<h3>{t["tree"]}</h3><ul class="tree">{_tree(page, tree)}</ul>',
        f'<p class="disclaimer">{t["disclaimer"]}</p>',
    ]
    return "<section>" + "".join(parts) + "</section>"


def _terms(title: str, items: Sequence[dict[str, str]], lang: str) -> str:
    if not items:
        return ""
    return f"<h3>{title}</h3><ul>" + "".join(f"<li>{_text(item, lang)}</li>" for item in items) + "</ul>"


def _tree(page: Page, node: lineage.Node) -> str:
    kind = node.kind if node.kind in ("model", "dataset", "toolkit") else None
    label = _link(page, kind, node.id) if kind else _e(node.id)
    lic = f" · {_link(page, 'license', node.license)}" if node.license else ""
    mark = ' <strong class="decisive">◀</strong>' if node.decisive else ""
    children = "".join(_tree(page, child) for child in node.children)
    nested = f"<ul>{children}</ul>" if children else ""
    return f'<li><span class="role">{_e(node.role)}</span> {label}{lic} {_badge(node.effective, page.lang)}{mark}{nested}</li>'


def _licenses_section(page: Page, catalog: Catalog, record: Record) -> str:
    t = TEXT[page.lang]
    rows = []
    for key, license_id in record.get("license", {}).items():
        lic = catalog.get(license_id) or {}
        rows.append(
            (
                _e(key),
                f"{_link(page, 'license', license_id, lic.get('name'))} {_badge(lic.get('commercial', 'unknown'), page.lang)}",
            )
        )
    history = record.get("license_history", [])
    table = ""
    if history:
        body = "".join(
            f"<tr><td>{_e(c['since'])}</td><td>{', '.join(f'{k}: ' + _link(page, 'license', c[k]) for k in ('weights', 'data', 'code') if k in c)}</td>"
            f"<td>{_e(c.get('note', ''))}</td><td>{_url(c['source'], t['source'])}</td></tr>"
            for c in history
        )
        table = (
            f'<h3>{t["history"]}</h3><div class="table-wrap"><table class="history"><thead><tr><th scope="col">{t["since"]}</th>'
            f'<th scope="col">{t["license"]}</th><th scope="col">{t["note"]}</th><th scope="col">{t["source"]}</th></tr></thead>'
            f"<tbody>{body}</tbody></table></div>"
        )
    return f"<section><h2>{t['licenses']}</h2>{_dl(rows)}{table}</section>"


def _lineage_section(page: Page, catalog: Catalog, record: Record) -> str:
    t = TEXT[page.lang]
    upstream = [record["base_model"]] if record.get("base_model") else []
    upstream += record.get("trained_on", []) + record.get("derived_from", [])
    used_by = [c for c in catalog.children(record["id"]) if catalog.records[c]["kind"] != "license"]
    if not upstream and not used_by:
        return ""

    def links(ids: Iterable[str]) -> str:
        return ", ".join(_link(page, (catalog.get(i) or {}).get("kind", "model"), i) for i in ids)

    return f"<section><h2>{t['lineage']}</h2>{_dl([(t['built_on'], links(upstream)), (t['used_by'], links(used_by))])}</section>"


def _memory_section(page: Page, catalog: Catalog, record: Record) -> str:
    t = TEXT[page.lang]
    rows = hardware_rows(record, catalog.get)
    if not rows:
        return ""

    def gib(value: float | None) -> str:
        return f"{value:g}" if value is not None else "—"

    body = "".join(
        f"<tr><td>{_e(r['mode'])}</td><td>{_e(r['precision'])}</td><td>{gib(r.get('stated_gib'))}</td>"
        f"<td>{gib(r.get('estimated_gib'))}</td><td>{_setting(r, t)}{_e(r.get('note') or '')}"
        f"{' ' + _url(r['source'], t['source']) if r.get('source') else ''}</td></tr>"
        for r in rows
    )
    return (
        f'<section><h2>{t["memory"]}</h2><div class="table-wrap"><table class="memory"><thead><tr>'
        f'<th scope="col">{t["mode"]}</th><th scope="col">{t["precision"]}</th><th scope="col">{t["stated"]}</th>'
        f'<th scope="col">{t["estimated"]}</th><th scope="col">{t["note"]}</th></tr></thead><tbody>{body}</tbody></table></div>'
        f'<p class="note">{t["memory_note"]}</p></section>'
    )


def _setting(row: dict[str, Any], t: dict[str, str]) -> str:
    if not row.get("context"):
        return ""
    return _e(t["setting"].format(context=row["context"], batch=row.get("batch") or 1)) + ". "


def _notes_section(page: Page, record: Record) -> str:
    t = TEXT[page.lang]
    parts = [_text(record.get(key), page.lang) for key in ("notes", "lineage_note")]
    paragraphs = "".join(f"<p>{p}</p>" for p in parts if p)
    return f"<section><h2>{t['notes']}</h2>{paragraphs}</section>" if paragraphs else ""


def _sources_section(page: Page, record: Record) -> str:
    t = TEXT[page.lang]
    secondary = f' <span class="secondary">{t["secondary"]}</span>'
    items = "".join(
        f'<li>{_url(s["url"])} <span class="about">({_e(", ".join(s["about"]))})</span>'
        f"{'' if s.get('primary', True) else secondary}"
        f"{' — ' + _e(s['note']) if s.get('note') else ''}</li>"
        for s in record.get("sources", [])
    )
    return f'<section><h2>{t["sources"]}</h2><ul class="sources">{items}</ul></section>'


# --- license pages ------------------------------------------------------------------------------


def license_page(page: Page, catalog: Catalog, lic: Record, inherited: list[str]) -> str:
    t = TEXT[page.lang]
    direct = [c for c in catalog.children(lic["id"]) if catalog.records[c]["kind"] != "license"]
    based_on = lic.get("based_on")
    rows = [
        ("SPDX", _e(lic["spdx"])),
        (t["commercial"], _badge(lic["commercial"], page.lang)),
        (t["text"], _url(lic["url"]) if lic.get("url") else ""),
        (t["based_on"], _link(page, "license", based_on) if based_on else ""),
    ]
    entry_links: Callable[[list[str]], str] = lambda ids: ", ".join(  # noqa: E731
        _link(page, catalog.records[i]["kind"], i) for i in ids
    )
    sections = [
        f'<h1>{_e(lic["name"])} <span class="id">{_e(lic["id"])}</span></h1>',
        f'<p class="lead">{_text(lic["summary"], page.lang)}</p>',
        f"<section><h2>{t['facts']}</h2>{_dl(rows)}</section>",
        "<section>"
        + _terms(t["conditions"], license_conditions(lic), page.lang)
        + _terms(t["obligations"], lic.get("obligations", []), page.lang)
        + "</section>",
        f"<section><h2>{t['used_by']}</h2>"
        + _dl(
            [
                (t["directly"].format(n=len(direct)), entry_links(direct)),
                (t["inherited"].format(n=len(inherited)), entry_links(inherited)),
            ]
        )
        + "</section>",
        _notes_section(page, lic),
        _sources_section(page, lic),
    ]
    return frame(page, lic["name"], "\n".join(s for s in sections if s))
