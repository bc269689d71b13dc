"""A catalog read from its SQLite database (see `llmcat.database`): the one every query uses.

Records and default verdicts are decoded only for the entries a command touches; names,
families, lineage children and output terms are SQL lookups; search filters are SQL.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, NoReturn

from llmcat import languages
from llmcat.catalog import Catalog, Record, fold
from llmcat.problems import LlmcatError
from llmcat.references import LINEAGE_FIELDS

if TYPE_CHECKING:
    from llmcat.query import Query

LINEAGE_AND_LICENSE_FIELDS = (*LINEAGE_FIELDS, "license.weights", "license.data", "license.code")
SORT_SQL = {
    "id": "e.kind, e.id",
    "name": "e.name_folded, e.id",
    "params": "e.params IS NULL, e.params, e.id",
    "released": "e.released IS NULL, e.released, e.id",
}


class DamagedDatabase(LlmcatError):
    """A stored database that fails while being read; it has been removed."""


class GuardedConnection(sqlite3.Connection):
    """A connection to a stored database: a read that finds it damaged removes the file and
    ends with a clear error (the next run rebuilds it); any other failure to read it (locked,
    an I/O error) is a clear error that leaves the file alone. Never a traceback."""

    location = ""

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        try:
            return super().execute(sql, parameters)
        except sqlite3.DatabaseError as exc:
            if is_damage(exc):
                damaged(self.location, str(exc))
            raise LlmcatError(f"the catalog database {self.location} cannot be read ({exc})") from None


_CORRUPT, _NOT_A_DATABASE = 11, 26  # SQLite's primary result codes SQLITE_CORRUPT, SQLITE_NOTADB


def is_damage(exc: sqlite3.DatabaseError) -> bool:
    """Whether an error says the file itself is damaged (or is not one of llmcat's databases),
    rather than that it could not be read just now."""
    code = getattr(exc, "sqlite_errorcode", None)  # Python 3.11+
    if code is not None and code & 0xFF in (_CORRUPT, _NOT_A_DATABASE):
        return True
    message = str(exc)
    return any(sign in message for sign in ("malformed", "not a database", "no such table", "no such column"))


def damaged(location: str, what: str) -> NoReturn:
    if not location:  # a record decoded away from its connection: the file is not known here
        raise DamagedDatabase(
            f"the catalog database is damaged ({what}); run `llmcat cache --clear`, then the command again"
        )
    if location != ":memory:":
        import contextlib
        import os

        with contextlib.suppress(OSError):
            os.unlink(location)
    raise DamagedDatabase(
        f"the catalog database {location} is damaged ({what}); it has been removed, run the command again to rebuild it"
    )


# json's C scanner without json.loads' two whitespace regex matches per text, which the
# compact texts the build writes never need: 0.05 s of `fit` at 100k (65,852 texts).
_SCAN = json.JSONDecoder().scan_once  # type: ignore[attr-defined]  # not in typeshed


def _loads(text: str, location: str) -> Any:
    try:
        value, end = _SCAN(text, 0)
    except (ValueError, StopIteration):
        damaged(location, "a record is not JSON")
    if end != len(text):
        damaged(location, "a record is not JSON")
    return value


def decode(text: str) -> Any:
    """A stored JSON value (verdicts decoded late, by the hits that need them)."""
    return _loads(text, "")


class _Records(Mapping[str, Record]):
    """Records by id, decoded from their JSON on first use and kept."""

    def __init__(self, conn: sqlite3.Connection, location: str) -> None:
        self._conn = conn
        self._location = location
        self._decoded: dict[str, Record] = {}
        self._count: int | None = None

    def __getitem__(self, entry_id: str) -> Record:
        found = self._decoded.get(entry_id)
        if found is None:
            row = self._conn.execute("SELECT record FROM entries WHERE id = ?", (entry_id,)).fetchone()
            if row is None:
                raise KeyError(entry_id)
            found = self._decoded[entry_id] = _loads(row[0], self._location)
        return found

    def __contains__(self, entry_id: object) -> bool:
        if entry_id in self._decoded:
            return True
        return self._conn.execute("SELECT 1 FROM entries WHERE id = ?", (entry_id,)).fetchone() is not None

    def __iter__(self) -> Iterator[str]:
        return (row[0] for row in self._conn.execute("SELECT id FROM entries ORDER BY file"))

    def __len__(self) -> int:
        if self._count is None:
            self._count = self._conn.execute("SELECT count(*) FROM entries").fetchone()[0]
        return self._count

    def decoded(self, entry_id: str, text: str) -> Record:
        found = self._decoded.get(entry_id)
        if found is None:
            found = self._decoded[entry_id] = _loads(text, self._location)
        return found

    def values(self) -> Any:
        return [self.decoded(i, t) for i, t in self._conn.execute("SELECT id, record FROM entries ORDER BY file")]

    def items(self) -> Any:
        return [(r["id"], r) for r in self.values()]


class _Column(Mapping[str, Any]):
    """One column of the entries table by id (paths, default verdicts)."""

    def __init__(self, conn: sqlite3.Connection, column: str, decode: bool, location: str) -> None:
        self._conn = conn
        self._location = location
        self._column = column
        self._decode = decode

    def __getitem__(self, entry_id: str) -> Any:
        row = self._conn.execute(f"SELECT {self._column} FROM entries WHERE id = ?", (entry_id,)).fetchone()
        if row is None:
            raise KeyError(entry_id)
        return _loads(row[0], self._location) if self._decode else row[0]

    def __iter__(self) -> Iterator[str]:
        return (row[0] for row in self._conn.execute("SELECT id FROM entries ORDER BY file"))

    def __len__(self) -> int:
        return int(self._conn.execute("SELECT count(*) FROM entries").fetchone()[0])


class Row(NamedTuple):
    """A search hit as stored: its id, its record, its default verdict and the fields `fit`
    reads (JSON text), and whether the record and verdict are plain (nothing for output to
    escape: `entries.plain`)."""

    id: str
    record: str
    verdict: str
    fit_fields: str
    plain: int


class Filter(NamedTuple):
    """One search filter as SQL: the option it comes from, a condition on ``e``, its parameters."""

    option: str
    sql: str
    params: tuple[Any, ...]


class DbCatalog(Catalog):
    def __init__(self, root: str, conn: sqlite3.Connection, location: str) -> None:
        self.conn = conn
        self.location = location  # the database file, or ":memory:"
        self._records = _Records(conn, location)
        super().__init__(
            root,
            self._records,
            _Column(conn, "path", False, location),
            verdicts=_Column(conn, "verdict", True, location),
        )
        self.text_search = self.meta().get("text_search", "instr")

    @functools.cached_property
    def has_json(self) -> bool:
        """Whether SQLite has its JSON functions (built in since 3.38, but they can be left out)."""
        try:
            sqlite3.Connection.execute(self.conn, "SELECT json_array_length('[]')")
        except sqlite3.Error:
            return False
        return True

    def meta(self) -> dict[str, str]:
        return dict(self.conn.execute("SELECT name, value FROM meta").fetchall())

    # --- names, families, lineage ----------------------------------------------------------

    def _ids(self, sql: str, *params: Any) -> list[str]:
        return [row[0] for row in self.conn.execute(sql, params)]

    def resolve(self, name: str) -> list[str]:
        if name in self._records:
            return [name]
        key = fold(name.strip())
        named = self._ids(
            "SELECT DISTINCT n.entry_id FROM names n JOIN entries e ON e.id = n.entry_id WHERE n.name = ? ORDER BY e.file",
            key,
        )
        if named:
            return named
        members = self._ids("SELECT id FROM entries WHERE family_folded = ? ORDER BY coalesce(params, 0), id", key)
        if members:
            return members
        prefix = key.replace(" ", "-") + "-"
        return self._ids(
            "SELECT id FROM entries WHERE substr(id, 1, ?) = ? AND kind != 'license' ORDER BY coalesce(params, 0), id",
            len(prefix),
            prefix,
        )

    def output_terms(self, generator: str) -> Record | None:
        found = self._ids("SELECT license_id FROM outputs WHERE generator = ?", fold(generator))
        return self._records[found[0]] if found else None

    def family_members(self, family: str) -> list[str]:
        return self._ids("SELECT id FROM entries WHERE family_folded = ? ORDER BY file", fold(family))

    def children(self, entry_id: str) -> list[str]:
        marks = ", ".join("?" * len(LINEAGE_AND_LICENSE_FIELDS))
        return self._ids(
            f"SELECT DISTINCT entry_id FROM edges WHERE target_id = ? AND field IN ({marks}) ORDER BY entry_id",
            entry_id,
            *LINEAGE_AND_LICENSE_FIELDS,
        )

    def suggestions(self, name: str, n: int = 3) -> list[str]:
        from llmcat.suggest import close_matches  # only a miss needs it; difflib's answer, bounded in C

        keys = list(dict.fromkeys(self._ids("SELECT id FROM entries") + self._ids("SELECT name FROM names")))
        close = close_matches(fold(name), keys, n=n, cutoff=0.6)
        return close or [k for k in keys if fold(name) in k][:n]

    def entries(self, kinds: Any = ("model", "dataset", "toolkit")) -> Iterator[Record]:
        wanted = list(kinds)
        marks = ", ".join("?" * len(wanted))
        rows = self.conn.execute(f"SELECT id, record FROM entries WHERE kind IN ({marks}) ORDER BY file", wanted)
        return (self._records.decoded(i, text) for i, text in rows.fetchall())

    # --- licenses ----------------------------------------------------------------------------

    def license_users(self, license_id: str) -> dict[str, list[str]]:
        """Entries that name a license (or are governed by it through ``generated_by``), and the
        entries whose lineage reaches one of those (they inherit it)."""
        direct = self._ids(
            "SELECT entry_id FROM licenses WHERE license_id = ? "
            "UNION SELECT entry_id FROM generators WHERE terms_id = ? ORDER BY 1",
            license_id,
            license_id,
        )
        inherited = self._ids(
            "WITH RECURSIVE down(id) AS ("
            " SELECT entry_id FROM licenses WHERE license_id = ?1"
            " UNION SELECT entry_id FROM generators WHERE terms_id = ?1"
            " UNION SELECT g.entry_id FROM edges g JOIN down d ON g.target_id = d.id"
            f" WHERE g.field IN ({', '.join(repr(f) for f in LINEAGE_FIELDS)}))"
            " SELECT id FROM down WHERE id NOT IN (SELECT entry_id FROM licenses WHERE license_id = ?1"
            " UNION SELECT entry_id FROM generators WHERE terms_id = ?1) ORDER BY id",
            license_id,
        )
        history = self._ids(
            "SELECT DISTINCT entry_id FROM edges WHERE target_id = ? AND field LIKE 'license\\_history.%' ESCAPE '\\' "
            "ORDER BY 1",
            license_id,
        )
        based = self._ids(
            "SELECT entry_id FROM edges WHERE target_id = ? AND field = 'based_on' ORDER BY 1", license_id
        )
        return {"direct": direct, "inherited": inherited, "history": history, "based_on_it": based}

    # --- search ------------------------------------------------------------------------------

    def filters(self, q: Query, with_verdicts: bool) -> list[Filter]:
        """The query's filters as SQL, in the order they are reported when nothing matches.
        ``with_verdicts``: the verdict filters read the stored default verdicts."""
        out: list[Filter] = []
        kinds = list(q.kinds) or ["model", "dataset", "toolkit"]
        out.append(Filter("--kind", f"e.kind IN ({', '.join('?' * len(kinds))})", tuple(kinds)))
        if q.text and q.text.strip():
            out.append(self._text_filter(fold(q.text.strip())))
        for lang in q.langs:
            tag = languages.normalise(lang)
            heads = languages.prefixes(tag)
            out.append(
                Filter(
                    f"--lang {lang}",
                    "EXISTS (SELECT 1 FROM languages l WHERE l.entry_id = e.id AND (l.prefix = ? "
                    f"OR l.tag IN ({', '.join('?' * len(heads))})))",
                    (tag, *heads),
                )
            )
        if q.license:
            out.append(
                Filter(
                    f"--license {q.license}",
                    "EXISTS (SELECT 1 FROM licenses l WHERE l.entry_id = e.id AND l.license_id = ?)",
                    (q.license,),
                )
            )
        if q.org:
            out.append(Filter(f"--org {q.org}", "instr(e.organization_folded, ?) > 0", (fold(q.org),)))
        if q.tag:
            out.append(
                Filter(
                    f"--tag {q.tag}",
                    "EXISTS (SELECT 1 FROM tags t WHERE t.entry_id = e.id AND t.tag = ?)",
                    (fold(q.tag),),
                )
            )
        if q.family:
            out.append(Filter(f"--family {q.family}", "e.family_folded = ?", (fold(q.family),)))
        low, high = q.params
        if low is not None or high is not None:
            out.append(Filter("--params", "e.params BETWEEN ? AND ?", (low or 0, high if high is not None else 2**62)))
        if q.status:
            out.append(Filter(f"--status {q.status}", "e.status = ?", (q.status,)))
        if q.fit_params is not None and self.has_json:
            out.append(
                Filter(
                    "--vram",
                    "e.params IS NULL OR e.params <= ? OR json_array_length(e.fit_fields, '$.hardware') > 0",
                    (q.fit_params,),
                )
            )
        if with_verdicts and q.commercial:
            out.append(Filter("--commercial", "e.commercial IN ('yes', 'conditional')", ()))
        if with_verdicts and q.no_conditions:
            out.append(Filter("--no-conditions", "e.commercial = 'yes'", ()))
        return out

    def _text_filter(self, needle: str) -> Filter:
        if self.text_search == "fts5-trigram" and len(needle) >= 3:
            phrase = '"' + needle.replace('"', '""') + '"'
            return Filter(
                "text",
                "e.rowid IN (SELECT rowid FROM search WHERE search MATCH ?) AND instr(e.haystack, ?) > 0",
                (phrase, needle),
            )
        return Filter("text", "instr(e.haystack, ?) > 0", (needle,))

    def select(self, filters: list[Filter], sort: str, limit: int | None) -> list[Row]:
        """Records and their stored verdicts (JSON text) that pass ``filters``, sorted."""
        where = " AND ".join(f"({f.sql})" for f in filters) or "1"
        params = [p for f in filters for p in f.params]
        sql = f"SELECT e.id, e.record, e.verdict, e.fit_fields, e.plain FROM entries e WHERE {where} ORDER BY {SORT_SQL[sort]}"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [Row(*row) for row in self.conn.execute(sql, params).fetchall()]

    def stream(self, filters: list[Filter], sort: str) -> Iterator[Row]:
        """`select` one row at a time, none kept: a caller that keeps few of them (`fit`)
        holds only those."""
        where = " AND ".join(f"({f.sql})" for f in filters) or "1"
        params = [p for f in filters for p in f.params]
        sql = f"SELECT e.id, e.record, e.verdict, e.fit_fields, e.plain FROM entries e WHERE {where} ORDER BY {SORT_SQL[sort]}"
        for row in self.conn.execute(sql, params):
            yield Row(*row)

    def count(self, filters: list[Filter]) -> int:
        where = " AND ".join(f"({f.sql})" for f in filters) or "1"
        params = [p for f in filters for p in f.params]
        return int(self.conn.execute(f"SELECT count(*) FROM entries e WHERE {where}", params).fetchone()[0])

    def known_values(self, option: str) -> list[str]:
        """The values a filter option can take in this catalog (for did-you-mean)."""
        sql = {
            "--license": "SELECT DISTINCT license_id FROM licenses",
            "--org": "SELECT DISTINCT organization FROM entries WHERE organization IS NOT NULL",
            "--tag": "SELECT DISTINCT tag FROM tags",
            "--family": "SELECT DISTINCT family FROM entries WHERE family IS NOT NULL",
            "--lang": "SELECT DISTINCT tag FROM languages",
        }[option]
        return sorted(self._ids(sql))


def connect_stored(path: Path) -> sqlite3.Connection:
    """A read-only connection to a stored database, guarded (`GuardedConnection`)."""
    conn = sqlite3.connect(
        f"file:{_uri_path(path)}?mode=ro", uri=True, check_same_thread=False, factory=GuardedConnection
    )
    assert isinstance(conn, GuardedConnection)
    conn.location = str(path)
    return conn


def _uri_path(path: Path) -> str:
    return str(path).replace("%", "%25").replace("?", "%3f").replace("#", "%23")
