"""Searching the catalog and shaping entries for output. No printing."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
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


# The index cache keeps, per entry, what filtering and sorting need, stored by column.
ROW_FIELDS = (
    "id",
    "kind",
    "name",
    "params",
    "languages",
    "licenses",
    "organization",
    "tags",
    "family",
    "status",
    "released",
    "haystack",
    "effective",
)


def row_of(record: Record, effective: str) -> list[Any]:
    return [
        record["id"],
        record["kind"],
        record.get("name", ""),
        record.get("params"),
        record.get("languages", []),
        [v for v in record.get("license", {}).values() if isinstance(v, str)],
        fold(record.get("organization", "")),
        [fold(t) for t in record.get("tags", [])],
        fold(record.get("family") or ""),
        record.get("status", "available"),
        record.get("released"),
        haystack(record),
        effective,
    ]


def _column_filters(q: Query) -> list[tuple[str, Callable[[Any], bool]]]:
    """The same filters as _predicates, each on one index column."""
    tests: list[tuple[str, Callable[[Any], bool]]] = []
    if q.kinds:
        kinds = set(q.kinds)
        tests.append(("kind", lambda v: v in kinds))
    for lang in q.langs:
        want, prefix = lang.casefold(), lang.casefold() + "-"
        tests.append(  # the column holds case-folded tags
            ("languages", lambda v, w=want, p=prefix: w in v or any(t.startswith(p) for t in v))  # type: ignore[misc]
        )
    if q.text:
        needle = fold(q.text.strip())
        tests.append(("haystack", lambda v: needle in v))
    if q.license:
        wanted = q.license
        tests.append(("licenses", lambda v: wanted in v))
    if q.org:
        org = fold(q.org)
        tests.append(("organization", lambda v: org in v))
    if q.tag:
        tag = fold(q.tag)
        tests.append(("tags", lambda v: tag in v))
    if q.family:
        family = fold(q.family)
        tests.append(("family", lambda v: v == family))
    low, high = q.params
    if low is not None or high is not None:
        tests.append(("params", lambda v: v is not None and (low is None or v >= low) and (high is None or v <= high)))
    if q.status:
        status = q.status
        tests.append(("status", lambda v: v == status))
    if q.commercial:
        tests.append(("effective", lambda v: v in ("yes", "conditional")))
    if q.no_conditions:
        tests.append(("effective", lambda v: v == "yes"))
    return tests


def _search_columns(
    catalog: Catalog, columns: Mapping[str, list[Any]], q: Query, cache: lineage.VerdictCache
) -> list[Hit]:
    kept: list[int] | range = range(len(columns["id"]))
    tests = _column_filters(q)
    if not q.kinds:
        tests.insert(0, ("kind", lambda v: v != "license"))
    for name, test in tests:
        values = columns[name]
        kept = [i for i in kept if test(values[i])]
    ids = columns["id"]
    kept = sorted(kept, key=_column_sort_key(q.sort, columns))
    if q.limit:
        kept = kept[: q.limit]
    return [Hit(catalog.records[ids[i]], cache.get(ids[i])) for i in kept]


def _column_sort_key(name: str, columns: Mapping[str, list[Any]]) -> Callable[[int], Any]:
    ids = columns["id"]
    if name == "params":
        params = columns["params"]
        return lambda i: (params[i] is None, params[i] or 0, ids[i])
    if name == "released":
        released = columns["released"]
        return lambda i: (released[i] is None, released[i] or "", ids[i])
    if name == "name":
        names = columns["name"]
        return lambda i: (fold(names[i]), ids[i])
    kinds = columns["kind"]
    return lambda i: (kinds[i], ids[i])


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
    cache = verdicts or lineage.cache_for(catalog)
    if catalog.columns is not None and q.as_of is None and q.policy == "strict":
        return _search_columns(catalog, catalog.columns, q, cache)
    preds = _predicates(q)
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
