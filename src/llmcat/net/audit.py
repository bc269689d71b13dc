"""`llmcat audit`: compare catalog entries with their Hugging Face Hub metadata.

It reports drift (license tag, base model, languages, gated/disabled, existence) and never
writes catalog files.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from llmcat.catalog import Catalog, Record
from llmcat.net.cache import ResultCache
from llmcat.net.client import Checker, Credential, Options, origin_of
from llmcat.net.links import hub_section
from llmcat.net.states import failures

DEFAULT_ENDPOINT = "https://huggingface.co"
VAGUE_LICENSES = {"other", "unknown", ""}


def endpoint_of(option: str | None) -> str:
    return (option or os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


def hf_token() -> str | None:
    """$HF_TOKEN, sent to the endpoint only; an empty one counts as none."""
    return os.environ.get("HF_TOKEN") or None


def api_url(endpoint: str, record: Record) -> str:
    return f"{endpoint}/api/{hub_section(record)}/{quote(record['links']['huggingface'], safe='/')}"


@dataclass
class Drift:
    id: str
    hf_id: str
    field: str
    catalog: Any
    hub: Any
    message: str

    def to_json(self) -> dict[str, Any]:
        return self.__dict__.copy()


# What audit reads of the Hub's answer; only this is cached.
HUB_FIELDS = ("id", "gated", "disabled", "private", "tags", "cardData")


@dataclass
class AuditReport:
    checked: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # no Hugging Face link: nothing to compare
    drift: list[Drift] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)  # entries not checked, with the URL's state

    def failed(self, fail_on_rate_limit: bool = False) -> bool:
        """Whether the run exits 1: drift, or an entry not checked for a failure state."""
        failing = failures(fail_on_rate_limit)
        return bool(self.drift) or any(e["state"] in failing for e in self.errors)

    def to_json(self) -> dict[str, Any]:
        return {
            "checked": self.checked,
            "skipped": self.skipped,
            "drift": [d.to_json() for d in self.drift],
            "errors": self.errors,
            "summary": {
                "entries": len(self.checked),
                "skipped": len(self.skipped),
                "drift": len(self.drift),
                "errors": len(self.errors),
            },
        }


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def hub_license(meta: dict[str, Any]) -> str | None:
    card = meta.get("cardData") or {}
    if card.get("license"):
        return _as_list(card["license"])[0].lower()
    for tag in meta.get("tags", []):
        if isinstance(tag, str) and tag.startswith("license:"):
            return tag.split(":", 1)[1].lower()
    return None


def hub_base_models(meta: dict[str, Any]) -> list[str]:
    card = meta.get("cardData") or {}
    found = _as_list(card.get("base_model"))
    for tag in meta.get("tags", []):
        if isinstance(tag, str) and tag.startswith("base_model:"):
            found.append(tag.rsplit(":", 1)[1])
    return sorted(set(found))


def hub_languages(meta: dict[str, Any]) -> set[str]:
    card = meta.get("cardData") or {}
    found = {lang.split("-")[0].lower() for lang in _as_list(card.get("language"))}
    for tag in meta.get("tags", []):
        if isinstance(tag, str) and tag.startswith("language:"):
            found.add(tag.split(":", 1)[1].split("-")[0].lower())
    return found


def compare(catalog: Catalog, record: Record, meta: dict[str, Any]) -> list[Drift]:
    """Drift between one entry and its Hub metadata."""
    hf_id = record["links"]["huggingface"]
    drift: list[Drift] = []

    def add(name: str, mine: Any, theirs: Any, message: str) -> None:
        drift.append(Drift(record["id"], hf_id, name, mine, theirs, message))

    key = "weights" if record["kind"] == "model" else "data"
    mine = record.get("license", {}).get(key)
    theirs = hub_license(meta)
    if mine and theirs and theirs not in VAGUE_LICENSES:
        lic = catalog.get(mine) or {}
        names = {mine.lower(), str(lic.get("spdx", "")).lower(), *(a.lower() for a in lic.get("hub_ids", []))}
        if theirs not in names:
            add(f"license.{key}", mine, theirs, f"the Hub says license '{theirs}', the catalog '{mine}'")
    base = record.get("base_model")
    hub_bases = hub_base_models(meta)
    if base and hub_bases:
        base_hf = (catalog.get(base) or {}).get("links", {}).get("huggingface")
        if base_hf and base_hf not in hub_bases:
            add(
                "base_model", base, hub_bases, f"the Hub names base model {', '.join(hub_bases)}, the catalog {base_hf}"
            )
    catalog_langs = {lang.split("-")[0].lower() for lang in record.get("languages", [])}
    hub_langs = hub_languages(meta)
    if hub_langs and catalog_langs and hub_langs != catalog_langs:
        add(
            "languages",
            sorted(catalog_langs),
            sorted(hub_langs),
            f"languages differ: only on the Hub {sorted(hub_langs - catalog_langs)}, "
            f"only in the catalog {sorted(catalog_langs - hub_langs)}",
        )
    gated = bool(meta.get("gated"))
    status = record.get("status", "available")
    if gated and status == "available":
        add("status", status, f"gated ({meta.get('gated')})", "the Hub gates access; the catalog says available")
    if not gated and status == "gated":
        add("status", status, "not gated", "the catalog says gated; the Hub does not gate access")
    if meta.get("disabled") and status != "removed":
        add("status", status, "disabled", "the Hub has disabled the repository")
    return drift


def prepare(options: Options, endpoint: str, token: str | None) -> None:
    """Trust the endpoint's origin (the user named it) and send the token there, and only there."""
    scheme, host, port = origin_of(endpoint)
    options.trusted = options.trusted | {(host, port)}
    options.auth = Credential((scheme, host, port), f"Bearer {token}") if token else None


def audit(catalog: Catalog, ids: Iterable[str], endpoint: str, options: Options, cache: ResultCache) -> AuditReport:
    """Entries with a Hugging Face link are compared with the Hub; the others are skipped
    (licenses, which have no links, are not entries to audit at all).

    ``options`` must have been through :func:`prepare`; the cache's key must say whether a token is sent.
    """
    chosen = [catalog.records[i] for i in ids if catalog.records[i]["kind"] != "license"]
    records = [r for r in chosen if r.get("links", {}).get("huggingface")]
    report = AuditReport(
        checked=[r["id"] for r in records],
        skipped=[r["id"] for r in chosen if not r.get("links", {}).get("huggingface")],
    )
    urls = {r["id"]: api_url(endpoint, r) for r in records}
    bodies: dict[str, Any] = {}
    missing = []
    for url in urls.values():
        hit = cache.get(url)
        if hit is None:
            missing.append(url)
        else:
            bodies[url] = hit
    outcomes = asyncio.run(Checker(options).run(missing, want_json=True)) if missing else []
    for outcome in outcomes:
        body = outcome.body
        if isinstance(body, dict):
            body = {k: body[k] for k in HUB_FIELDS if k in body}
        result = {**outcome.to_json(), "body": body}
        cache.put(outcome.url, result)
        bodies[outcome.url] = result
    cache.save()
    for record in records:
        result = bodies[urls[record["id"]]]
        _judge(catalog, record, result, report)
    return report


def _judge(catalog: Catalog, record: Record, result: dict[str, Any], report: AuditReport) -> None:
    hf_id = record["links"]["huggingface"]
    code = result.get("status_code")
    if result["state"] in ("ok", "redirected") and isinstance(result.get("body"), dict):
        report.drift.extend(compare(catalog, record, result["body"]))
    elif code == 404:
        report.drift.append(
            Drift(
                record["id"], hf_id, "links.huggingface", hf_id, None, "the repository does not exist on the Hub (404)"
            )
        )
    elif code in (401, 403):
        report.drift.append(
            Drift(
                record["id"],
                hf_id,
                "status",
                record.get("status", "available"),
                f"HTTP {code}",
                "the Hub requires authentication: gated or private (set HF_TOKEN)",
            )
        )
    else:
        report.errors.append(
            {"id": record["id"], "url": result["url"], "state": result["state"], "detail": result.get("detail")}
        )
