"""Searching the catalog and shaping entries for output. No printing."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
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


def row_of(record: Record, effective: str) -> list[Any]:
    return [
        record["id"],
        record["kind"],
        record.get("name", ""),
        record.get("params"),
        [tag.casefold() for tag in record.get("languages", [])],
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
    """The search filters, each a test on one column (see ROW_FIELDS)."""
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
    return [Hit(catalog.records[ids[i]], cache.get(ids[i], q.as_of, q.policy)) for i in kept]


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


def columns_of(
    catalog: Catalog, cache: lineage.VerdictCache, as_of: str | None, policy: lineage.Policy
) -> dict[str, list[Any]]:
    """Search columns built from the records (what the index stores for the default verdicts)."""
    rows = [
        row_of(r, cache.get(r["id"], as_of, policy).effective if r["kind"] != "license" else "unknown")
        for r in catalog.records.values()
    ]
    return {name: [row[i] for row in rows] for i, name in enumerate(ROW_FIELDS)}


def search(catalog: Catalog, q: Query, verdicts: lineage.VerdictCache | None = None) -> list[Hit]:
    """Entries that pass every filter, with their verdicts, sorted and limited.

    The index's columns answer for the default verdicts; for another date or policy the
    columns are built from the records, so the filters exist once.
    """
    cache = verdicts or lineage.cache_for(catalog)
    if catalog.columns is not None and q.as_of is None and q.policy == "strict":
        columns: Mapping[str, list[Any]] = catalog.columns
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
