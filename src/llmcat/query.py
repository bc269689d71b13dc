"""Searching the catalog and shaping entries for output. No printing."""

from __future__ import annotations

import heapq
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import compress
from operator import methodcaller
from typing import Any, NamedTuple

from llmcat import lineage
from llmcat.catalog import Catalog, Record, fold
from llmcat.problems import LlmcatError

SORT_KEYS = ("id", "name", "params", "released")


class Query(NamedTuple):
    """What `search` asks for; every filter is optional."""

    text: str | None = None
    langs: Sequence[str] = ()
    commercial: bool = False
    no_conditions: bool = False
    kinds: Sequence[str] = ()
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


class Hit:
    """One search result: the record, its verdict, and columns a command adds (``fit``)."""

    __slots__ = ("extra", "record", "verdict")

    def __init__(self, record: Record, verdict: lineage.Verdict, extra: dict[str, Any] | None = None) -> None:
        self.record = record
        self.verdict = verdict
        self.extra: dict[str, Any] = extra if extra is not None else {}

    def to_json(self) -> dict[str, Any]:
        return entry_json(self.record, self.verdict, self.extra)


def entry_json(record: Record, verdict: lineage.Verdict | None, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The public JSON shape of an entry: its YAML fields plus commercial_use (and extras)."""
    out = dict(record)
    if verdict is not None:
        out["commercial_use"] = verdict.to_json()
    out.update({k: v for k, v in (extra or {}).items() if not k.startswith("fit_")})
    return out


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


def language_prefixes(tags: list[str]) -> list[str]:
    """Every leading part of every tag, case-folded: zh-Hant-TW gives zh, zh-hant and zh-hant-tw.
    `--lang zh` then matches zh, zh-Hans and zh-Hant by one membership test."""
    out: list[str] = []
    for tag in tags:
        parts = tag.casefold().split("-")
        for end in range(1, len(parts) + 1):
            prefix = "-".join(parts[:end])
            if prefix not in out:
                out.append(prefix)
    return out


def row_of(record: Record, effective: str) -> list[Any]:
    return [
        record["id"],
        record["kind"],
        record.get("name", ""),
        record.get("params"),
        language_prefixes(record.get("languages", [])),
        [v for v in record.get("license", {}).values() if isinstance(v, str)],
        fold(record.get("organization", "")),
        [fold(t) for t in record.get("tags", [])],
        fold(record.get("family") or ""),
        record.get("status", "available"),
        record.get("released"),
        haystack(record),
        effective,
    ]


Test = Callable[[Any], bool]
COMMERCIAL = frozenset({"yes", "conditional"})


def _column_filters(q: Query) -> list[tuple[str, Test]]:
    """The search filters, each a test on one column (see ROW_FIELDS). Tests are C-level
    callables where they can be (bound methods, methodcaller), so that filtering 100,000 rows
    runs no Python frame per row."""
    tests: list[tuple[str, Test]] = []
    if q.kinds:
        tests.append(("kind", frozenset(q.kinds).__contains__))
    for lang in q.langs:
        tests.append(("languages", methodcaller("__contains__", lang.casefold())))
    if q.license:
        tests.append(("licenses", methodcaller("__contains__", q.license)))
    if q.org:
        tests.append(("organization", methodcaller("__contains__", fold(q.org))))
    if q.tag:
        tests.append(("tags", methodcaller("__contains__", fold(q.tag))))
    if q.family:
        tests.append(("family", fold(q.family).__eq__))
    low, high = q.params
    if low is not None or high is not None:
        tests.append(("params", lambda v: v is not None and (low is None or v >= low) and (high is None or v <= high)))
    if q.status:
        tests.append(("status", q.status.__eq__))
    if q.commercial:
        tests.append(("effective", COMMERCIAL.__contains__))
    if q.no_conditions:
        tests.append(("effective", "yes".__eq__))
    return tests


def _search_columns(catalog: Catalog, columns: Mapping[str, Any], q: Query, cache: lineage.VerdictCache) -> list[Hit]:
    tests = _column_filters(q)
    if not q.kinds:
        tests.insert(0, ("kind", "license".__ne__))
    kept: Iterable[int] = range(len(columns["id"]))
    if q.text:
        kept = text_rows(columns["haystack"], fold(q.text.strip()))
    for name, test in tests:
        values = columns[name]
        kept = list(compress(kept, map(test, map(values.__getitem__, kept))))
    ids = columns["id"]
    rank = columns[f"rank:{q.sort}"].__getitem__
    ordered = heapq.nsmallest(q.limit, kept, key=rank) if q.limit else sorted(kept, key=rank)
    return [Hit(catalog.records[ids[i]], cache.get(ids[i], q.as_of, q.policy)) for i in ordered]


def _sort_key(name: str, columns: Mapping[str, list[Any]]) -> Callable[[int], Any]:
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


def rank_columns(columns: Mapping[str, list[Any]]) -> dict[str, list[int]]:
    """Each row's place in each sort order, so that sorting the hits compares plain ints."""
    ranks: dict[str, list[int]] = {}
    for name in SORT_KEYS:
        order = sorted(range(len(columns["id"])), key=_sort_key(name, columns))
        rank = [0] * len(order)
        for place, row in enumerate(order):
            rank[row] = place
        ranks[f"rank:{name}"] = rank
    return ranks


def searchable(columns: dict[str, list[Any]]) -> dict[str, Any]:
    """The columns as search reads them: with rank columns, and the per-row search texts packed
    into one string and the offsets where each row's text starts (see `text_rows`)."""
    out: dict[str, Any] = dict(columns)
    out.update(rank_columns(columns))
    out["haystack"] = pack_texts(columns["haystack"])
    return out


def pack_texts(texts: list[str]) -> tuple[str, list[int]]:
    starts, position = [], 0
    for text in texts:
        starts.append(position)
        position += len(text) + 1
    return "\n".join(texts), starts


def text_rows(haystack: tuple[str, list[int]], needle: str) -> list[int]:
    """Rows whose search text contains ``needle``: `str.find` over one string, which at 100,000
    rows is several times faster than a test per row (and than decoding 100,000 strings)."""
    joined, starts = haystack
    rows: list[int] = []
    at = joined.find(needle) if needle else -1
    while at != -1:
        row = bisect_right(starts, at) - 1
        end = starts[row + 1] - 1 if row + 1 < len(starts) else len(joined)
        if at + len(needle) <= end:
            rows.append(row)
            at = joined.find(needle, end + 1)
        else:  # the match runs into the next row's text
            at = joined.find(needle, at + 1)
    return rows if needle else list(range(len(starts)))


def columns_of(
    catalog: Catalog, cache: lineage.VerdictCache, as_of: str | None, policy: lineage.Policy
) -> dict[str, Any]:
    """Search columns built from the records (what the index stores for the default verdicts)."""
    rows = [
        row_of(r, cache.get(r["id"], as_of, policy).effective if r["kind"] != "license" else "unknown")
        for r in catalog.records.values()
    ]
    return searchable({name: [row[i] for row in rows] for i, name in enumerate(ROW_FIELDS)})


def search(catalog: Catalog, q: Query, verdicts: lineage.VerdictCache | None = None) -> list[Hit]:
    """Entries that pass every filter, with their verdicts, sorted and limited.

    The index's columns answer for the default verdicts; for another date or policy the
    columns are built from the records, so the filters exist once.
    """
    cache = verdicts or lineage.cache_for(catalog)
    if catalog.columns is not None and q.as_of is None and q.policy == "strict":
        columns: Mapping[str, Any] = catalog.columns
    else:
        columns = columns_of(catalog, cache, q.as_of, q.policy)
    return _search_columns(catalog, columns, q, cache)


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
