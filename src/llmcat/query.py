"""Searching the catalog and shaping entries for output. No printing."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from llmcat import lineage
from llmcat.catalog import Catalog, Record, fold
from llmcat.problems import LlmcatError
from llmcat.references import LINEAGE, targets
from llmcat.safetext import safe

if TYPE_CHECKING:
    from llmcat.dbcatalog import DbCatalog, Row

SORT_KEYS = ("id", "name", "params", "released")
COMMERCIAL = frozenset({"yes", "conditional"})


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
    # `fit`: models with more parameters than this are left out unless they state memory
    # figures or have no parameter count (estimator.params_limit: they cannot fit)
    fit_params: int | None = None


class Hit:
    """One search result: the record, its verdict, and columns a command adds (``fit``).

    A hit read from the database keeps its record and its stored verdict as JSON text and
    decodes them on first use: `fit` decodes only the fields it reads (`fields`) and no
    verdict, and JSON output is assembled from the stored texts (`json_text`) without decoding
    them at all."""

    __slots__ = ("_fields", "_plain", "_record", "_stored", "_text", "_verdict", "extra")

    def __init__(
        self,
        record: Record | None,
        verdict: lineage.Verdict | None = None,
        extra: dict[str, Any] | None = None,
        *,
        stored: str | None = None,
        text: str | None = None,
        fields: str | None = None,
        plain: int = 0,
    ) -> None:
        self._record = record
        self._text = text  # the record as stored JSON text (when record is None, or to write it)
        self._verdict = verdict
        self._stored = stored  # the stored verdict as JSON text
        self._fields = fields  # the fields `fit` reads as stored JSON text (`entries.fit_fields`)
        self._plain = plain  # nothing in the two stored texts for output to escape (`entries.plain`)
        self.extra: dict[str, Any] = extra if extra is not None else {}

    @property
    def record(self) -> Record:
        if self._record is None:
            from llmcat.dbcatalog import decode

            self._record = decode(self._text or "{}")
        return self._record

    @property
    def fields(self) -> Record:
        """The record's fields that `fit` reads (`hardware.FIT_FIELDS`), decoded each time from
        their own stored text where the hit has it (a tenth of the record's; `fit` keeps tens of
        thousands of hits and writes them from their texts), else the record."""
        if self._fields is None or self._record is not None:
            return self.record
        from llmcat.dbcatalog import decode

        fields: Record = decode(self._fields)
        return fields

    @property
    def verdict(self) -> lineage.Verdict:
        if self._verdict is None:
            from llmcat.dbcatalog import decode

            self._verdict = lineage.Verdict.from_json(self.record["id"], decode(self._stored or "{}"))
        return self._verdict

    def release(self) -> None:
        """Drop the decoded record and verdict where the stored texts can give them again: a
        table of tens of thousands of hits keeps their cells, not their records."""
        if self._text is not None:
            self._record = None
        if self._stored is not None:
            self._verdict = None

    def to_json(self) -> dict[str, Any]:
        return entry_json(self.record, self.verdict, self.extra)

    def json_text(self, encoded: dict[Any, str] | None = None) -> str:
        """`to_json` as compact JSON text (non-ASCII raw, control and bidi characters escaped as
        `safetext.safe` writes them), assembled from the stored record and verdict texts where
        the hit has them: the same content, without decoding them; the escaping pass is skipped
        for stored texts that need none (`entries.plain`: 0.2-0.35 s of `fit --json` at 100k).
        ``encoded``: the texts of extras by key and identity, for hits that share them (`fit`'s
        objects, one per sizing) and stay alive while it is used."""
        extra = {k: v for k, v in self.extra.items() if not k.startswith("fit_")}
        text = self._text if self._record is None else None
        if text is None or '"commercial_use":' in text or any(f'"{key}":' in text for key in extra):
            return safe(compact_json(self.to_json()))
        verdict = self._stored if self._verdict is None else None
        head = f'{text[:-1]},"commercial_use":'
        if verdict is not None and self._plain:
            head += verdict
        else:
            head = safe(head + (verdict if verdict is not None else compact_json(self.verdict.to_json())))
        if not extra:
            return head + "}"
        memo = {} if encoded is None else encoded
        for key, value in extra.items():
            if (key, id(value)) not in memo:
                memo[key, id(value)] = safe(f"{compact_json(key)}:{compact_json(value)}")
        return f"{head},{','.join(memo[key, id(value)] for key, value in extra.items())}}}"


_ENCODER: list[Any] = []


def compact_json(data: Any) -> str:
    """JSON text as the database stores it: no spaces, non-ASCII raw (one encoder, made once)."""
    if not _ENCODER:
        import json

        _ENCODER.append(json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode)
    return str(_ENCODER[0](data))


def entry_json(record: Record, verdict: lineage.Verdict | None, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The public JSON shape of an entry: its YAML fields plus commercial_use (and extras)."""
    out = dict(record)
    if verdict is not None:
        out["commercial_use"] = verdict.to_json()
    out.update({k: v for k, v in (extra or {}).items() if not k.startswith("fit_")})
    return out


class NoMatch(NamedTuple):
    """Why a search found nothing: the filter after which nothing was left, how many entries
    matched before it, and close values when the filter's value is unknown in the catalog."""

    option: str
    before: int
    unknown: bool = False  # no entry at all has the option's value
    suggestions: Sequence[str] = ()

    def text(self) -> str:
        if self.unknown:
            close = ", ".join(repr(s) for s in self.suggestions)
            hint = f"; did you mean {close}?" if close else ""
            return f"no entries match: no entry has {self.option}{hint}"
        if self.option in ("", "--kind") or not self.before:
            return "no entries match"
        return f"no entries match: {self.before} matched the filters before {self.option}, which left none"


def search(catalog: DbCatalog, q: Query, verdicts: lineage.VerdictCache | None = None) -> list[Hit]:
    """Entries that pass every filter, with their verdicts, sorted and limited.

    Every filter is SQL over the catalog database. The stored verdicts are the default ones
    (today, policy strict); for another date or policy the verdict filters run on the verdicts
    worked out for the entries the other filters keep.
    """
    cache = verdicts or lineage.cache_for(catalog)
    default = q.as_of is None and q.policy == "strict"
    needs_verdicts = not default and (q.commercial or q.no_conditions)
    rows = catalog.select(catalog.filters(q, with_verdicts=default), q.sort, None if needs_verdicts else q.limit)
    if default:
        return [Hit(None, stored=row.verdict, text=row.record, fields=row.fit_fields, plain=row.plain) for row in rows]
    hits = [
        Hit(None, cache.get(row.id, q.as_of, q.policy), text=row.record, fields=row.fit_fields, plain=row.plain)
        for row in rows
    ]
    if q.commercial:
        hits = [h for h in hits if h.verdict.effective in COMMERCIAL]
    if q.no_conditions:
        hits = [h for h in hits if h.verdict.effective == "yes"]
    return hits[: q.limit] if q.limit else hits


def stream(catalog: DbCatalog, q: Query) -> Iterable[Hit]:
    """`search` one hit at a time, for callers that keep few of them; each hit reads its stored
    verdict only if asked. Another date or policy needs verdicts to filter: then it is `search`."""
    if q.as_of is not None or q.policy != "strict" or q.limit:
        return search(catalog, q)
    rows = catalog.stream(catalog.filters(q, with_verdicts=True), q.sort)
    return (_hit(row) for row in rows)


def _hit(row: Row, verdict: lineage.Verdict | None = None) -> Hit:
    """A hit of a stored row: its texts, decoded when asked; ``verdict``: one worked out for
    another date or policy than the stored one."""
    return Hit(None, verdict, stored=row.verdict, text=row.record, fields=row.fit_fields, plain=row.plain)


FILTER_VALUES = ("--license", "--org", "--tag", "--family", "--lang")


def why_empty(catalog: DbCatalog, q: Query) -> NoMatch:
    """The filter that emptied a search; for an unknown filter value, the close known ones."""
    filters = catalog.filters(q, with_verdicts=True)
    for f in filters:
        option = f.option.split(" ", 1)[0]
        if option in FILTER_VALUES and catalog.count([f]) == 0:
            value = f.option.split(" ", 1)[1]
            return NoMatch(f.option, 0, True, _close(value, catalog.known_values(option), option))
    before = 0
    for end, f in enumerate(filters, start=1):
        now = catalog.count(filters[:end])
        if now == 0:
            return NoMatch(f.option, before)
        before = now
    return NoMatch("", before)


def _close(value: str, known: list[str], option: str) -> list[str]:
    from llmcat.suggest import close_matches

    key = fold(value)
    by_key = {fold(k): k for k in known}
    close = close_matches(key, list(by_key), n=3, cutoff=0.6)
    if option in ("--org", "--license"):
        squeezed = key.replace("-", "").replace(" ", "")
        close += [k for k in by_key if squeezed and squeezed in k.replace("-", "").replace(" ", "") and k not in close]
    return [by_key[k] for k in close[:3]]


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
        for _, _, parent in targets(current, LINEAGE):
            if parent not in ancestors and parent != entry_id:
                ancestors.append(parent)
                frontier.append(parent)
    derived = [c for c in catalog.children(entry_id) if catalog.records[c]["kind"] != "license"]
    return {"ancestors": ancestors, "derived": derived}
