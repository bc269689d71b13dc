"""Searching the catalog and shaping entries for output. No printing."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from llmcat import lineage
from llmcat.catalog import Catalog, Record, fold
from llmcat.problems import LlmcatError

SORT_KEYS = ("id", "name", "params", "released")


@dataclass
class Query:
    text: str | None = None
    langs: list[str] = field(default_factory=list)
    commercial: bool = False
    no_conditions: bool = False
    kinds: list[str] = field(default_factory=list)
    license: str | None = None
    org: str | None = None
    tag: str | None = None
    family: str | None = None
    params: tuple[int | None, int | None] = (None, None)
    status: str | None = None
    as_of: str | None = None
    policy: lineage.Policy = "strict"
    sort: str = "id"
    limit: int | None = None


@dataclass
class Hit:
    record: Record
    verdict: lineage.Verdict
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return entry_json(self.record, self.verdict, self.extra)


def entry_json(record: Record, verdict: lineage.Verdict | None, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The public JSON shape of an entry: its YAML fields plus commercial_use (and extras)."""
    out = dict(record)
    if verdict is not None:
        out["commercial_use"] = verdict.to_json()
    out.update({k: v for k, v in (extra or {}).items() if not k.startswith("fit_")})
    return out


def matches_language(tags: Iterable[str], wanted: str) -> bool:
    """`zh` matches zh, zh-Hans and zh-Hant; `zh-Hant` only itself (and its regions)."""
    want = wanted.casefold()
    return any(t.casefold() == want or t.casefold().startswith(want + "-") for t in tags)


def haystack(record: Record) -> str:
    summary = record.get("summary", {})
    parts = [
        record["id"],
        record.get("name", ""),
        *record.get("aliases", []),
        record.get("organization", ""),
        record.get("family", ""),
        *record.get("tags", []),
        summary.get("en", ""),
        summary.get("zh", ""),
    ]
    return fold("\n".join(parts))


def _predicates(q: Query) -> list[Callable[[Record], bool]]:
    preds: list[Callable[[Record], bool]] = []
    if q.kinds:
        kinds = set(q.kinds)
        preds.append(lambda r: r["kind"] in kinds)
    for lang in q.langs:
        preds.append(lambda r, lang=lang: matches_language(r.get("languages", []), lang))  # type: ignore[misc]
    if q.text:
        needle = fold(q.text.strip())
        preds.append(lambda r: needle in haystack(r))
    if q.license:
        wanted = q.license
        preds.append(lambda r: wanted in r.get("license", {}).values())
    if q.org:
        org = fold(q.org)
        preds.append(lambda r: org in fold(r.get("organization", "")))
    if q.tag:
        tag = fold(q.tag)
        preds.append(lambda r: tag in {fold(t) for t in r.get("tags", [])})
    if q.family:
        family = fold(q.family)
        preds.append(lambda r: fold(r.get("family") or "") == family)
    low, high = q.params
    if low is not None or high is not None:
        preds.append(
            lambda r: (
                r.get("params") is not None
                and (low is None or r["params"] >= low)
                and (high is None or r["params"] <= high)
            )
        )
    if q.status:
        status = q.status
        preds.append(lambda r: r.get("status", "available") == status)
    return preds


def search(catalog: Catalog, q: Query, verdicts: lineage.VerdictCache | None = None) -> list[Hit]:
    """Entries that pass every filter, with their verdicts, sorted and limited."""
    preds = _predicates(q)
    cache = verdicts or lineage.VerdictCache(catalog)
    hits: list[Hit] = []
    for record in catalog.entries():
        if not all(p(record) for p in preds):
            continue
        verdict = cache.get(record["id"], q.as_of, q.policy)
        if q.commercial and not verdict.commercial:
            continue
        if q.no_conditions and verdict.effective != "yes":
            continue
        hits.append(Hit(record, verdict))
    hits.sort(key=_sort_key(q.sort))
    return hits[: q.limit] if q.limit else hits


def _sort_key(name: str) -> Callable[[Hit], Any]:
    if name == "params":
        return lambda h: (h.record.get("params") is None, h.record.get("params") or 0, h.record["id"])
    if name == "released":
        return lambda h: (h.record.get("released") is None, h.record.get("released") or "", h.record["id"])
    if name == "name":
        return lambda h: (fold(h.record.get("name", "")), h.record["id"])
    return lambda h: (h.record["kind"], h.record["id"])


def resolve(catalog: Catalog, name: str) -> list[str]:
    """Ids for an id, alias or family name; an unknown name raises with suggestions."""
    found = catalog.resolve(name)
    if found:
        return found
    close = catalog.suggestions(name)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise LlmcatError(f"no entry, alias or family named '{name}'{hint}")


def lineage_of(catalog: Catalog, entry_id: str) -> dict[str, list[str]]:
    """Ancestors (base models, datasets, in order) and the entries built on this one."""
    ancestors: list[str] = []
    frontier = [entry_id]
    while frontier:
        current = catalog.get(frontier.pop(0)) or {}
        for parent in [current.get("base_model"), *current.get("trained_on", []), *current.get("derived_from", [])]:
            if parent and parent not in ancestors and parent != entry_id:
                ancestors.append(parent)
                frontier.append(parent)
    derived = [c for c in catalog.children(entry_id) if catalog.records[c]["kind"] != "license"]
    return {"ancestors": ancestors, "derived": derived}
