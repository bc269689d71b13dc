"""The compiled catalog as a SQLite database: its schema, and writing a validated catalog into it.

The schema is declared here once, as data: the tables are created from it and
`docs/database.md` is generated from it (a test checks that the committed copy is current).
Every query of llmcat runs on such a database: the one kept in the cache folder, one built
in memory (``--no-cache``, or a cache folder that cannot be written), or one written by
``llmcat export --format sqlite``. Readers use ``llmcat.dbcatalog``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

from llmcat import languages, lineage, references
from llmcat.catalog import Catalog, Record, fold
from llmcat.hardware import FIT_FIELDS
from llmcat.safetext import has_unsafe

FORMAT = 4  # PRAGMA user_version: raise it with any change to the tables below


class Column(NamedTuple):
    name: str
    type: str
    doc: str


class Table(NamedTuple):
    name: str
    doc: str
    columns: tuple[Column, ...]
    key: str = ""  # table constraint, e.g. PRIMARY KEY (...)
    indexes: tuple[str, ...] = ()  # column lists to index


def _c(name: str, type_: str, doc: str) -> Column:
    return Column(name, type_, doc)


TABLES: tuple[Table, ...] = (
    Table(
        "meta",
        "How and from what the database was built, one row per name.",
        (
            _c(
                "name",
                "TEXT PRIMARY KEY",
                "`format`, `llmcat_version`, `root`, `key`, `code`, `built_at`, "
                "`entries`, `text_search` (`fts5-trigram` or `instr`).",
            ),
            _c("value", "TEXT", "Its value."),
        ),
    ),
    Table(
        "entries",
        "One row per catalog entry (models, datasets, toolkits and licenses), with a column for "
        "every filter and sort key of `llmcat search`, the record and its default verdict.",
        (
            _c("id", "TEXT PRIMARY KEY", "The entry id (the file name without `.yaml`)."),
            _c("kind", "TEXT NOT NULL", "`model`, `dataset`, `toolkit` or `license`."),
            _c("name", "TEXT NOT NULL", "Display name."),
            _c("name_folded", "TEXT NOT NULL", "The name case- and width-folded (the `--sort name` key)."),
            _c("organization", "TEXT", "Who released it (absent for licenses)."),
            _c("organization_folded", "TEXT", "The organization folded (`--org` matches a substring of it)."),
            _c("family", "TEXT", "Model family (`--family`)."),
            _c("family_folded", "TEXT", "The family folded."),
            _c("status", "TEXT", "`available`, `gated`, `removed` or `superseded` (absent for licenses)."),
            _c("released", "TEXT", "Release date, `YYYY-MM` or `YYYY-MM-DD`."),
            _c("params", "INTEGER", "Parameter count."),
            _c("license", "TEXT", "License id of the main artefact (weights, data, code; a license: its own id)."),
            _c("declared", "TEXT", "Commercial use by the entry's own license: yes, conditional, no, unknown."),
            _c("commercial", "TEXT", "Commercial use through the lineage (the default verdict, policy strict)."),
            _c("path", "TEXT NOT NULL", "The file, as llmcat's messages name it."),
            _c("file", "TEXT NOT NULL", "The file, relative to the catalog folder."),
            _c("size", "INTEGER NOT NULL", "The file's size in bytes when it was read."),
            _c("mtime_ns", "INTEGER NOT NULL", "The file's modification time (ns) when it was read."),
            _c(
                "haystack",
                "TEXT NOT NULL",
                "What text search looks in: id, name, aliases, organization, family, "
                "tags and both summaries, folded, one per line.",
            ),
            _c(
                "record",
                "TEXT NOT NULL",
                "The entry as JSON: its YAML fields, numbers normalised (`show --json` without `commercial_use`).",
            ),
            _c(
                "slim",
                "TEXT NOT NULL",
                "The fields the rules across entries and the verdicts read, as JSON (a license: "
                "its whole record); a rebuild reads these for the files that did not change.",
            ),
            _c("verdict", "TEXT NOT NULL", "The default verdict as JSON (`commercial_use` in `show --json`)."),
            _c(
                "fit_fields",
                "TEXT NOT NULL",
                "The record's fields that `llmcat fit` reads (id, kind, params, config, base_model, "
                "hardware, quantized), as JSON: `fit` decodes these, not the whole record.",
            ),
            _c(
                "plain",
                "INTEGER NOT NULL",
                "1 when neither `record` nor `verdict` holds a character that llmcat's output escapes "
                "(controls, bidi and zero-width characters): JSON output writes them as they are.",
            ),
        ),
        indexes=("kind, id", "family_folded", "license", "file"),
    ),
    Table(
        "languages",
        "Language tags of each entry in normal form (lower case, `_` as `-`, a Chinese region "
        "implies its script: `zh-CN` is `zh-hans-cn`), one row per leading part of each tag, so "
        "that BCP-47 matching is plain SQL: a query `q` matches when `prefix = q` or `tag` is one "
        "of the leading parts of `q`.",
        (
            _c("entry_id", "TEXT NOT NULL", "The entry."),
            _c("tag", "TEXT NOT NULL", "A tag of the entry, in normal form."),
            _c("prefix", "TEXT NOT NULL", "One leading part of that tag (`zh`, `zh-hans`, `zh-hans-cn`)."),
        ),
        indexes=("prefix", "tag", "entry_id"),
    ),
    Table(
        "tags",
        "Keywords, folded: an entry's `tags` and, for a toolkit, its `methods` (`--tag qlora` finds both).",
        (_c("entry_id", "TEXT NOT NULL", "The entry."), _c("tag", "TEXT NOT NULL", "A tag.")),
        indexes=("tag", "entry_id"),
    ),
    Table(
        "licenses",
        "The licenses an entry names now (`license:` in its file).",
        (
            _c("entry_id", "TEXT NOT NULL", "The entry."),
            _c("role", "TEXT NOT NULL", "`weights`, `data` or `code`."),
            _c("license_id", "TEXT NOT NULL", "The license (an entry of kind license)."),
        ),
        indexes=("license_id", "entry_id"),
    ),
    Table(
        "edges",
        "Every reference from one entry to another: `base_model`, `trained_on`, `derived_from` "
        "(the lineage), `replaced_by`, `based_on` (licenses), `license.<role>` and "
        "`license_history.<role>`.",
        (
            _c("entry_id", "TEXT NOT NULL", "The entry that refers."),
            _c("field", "TEXT NOT NULL", "The field the reference is in."),
            _c("position", "INTEGER NOT NULL", "Its place in a list field (0 for single values)."),
            _c("target_id", "TEXT NOT NULL", "The entry referred to."),
        ),
        indexes=("target_id", "entry_id"),
    ),
    Table(
        "generators",
        "The models a dataset's text was generated by (`generated_by`), with the terms that govern "
        "their output when the catalog records them.",
        (
            _c("entry_id", "TEXT NOT NULL", "The dataset."),
            _c("generator", "TEXT NOT NULL", "The generating model, as written."),
            _c("terms_id", "TEXT", "The license entry whose `applies_to_outputs_of` names it."),
        ),
        indexes=("terms_id", "entry_id"),
    ),
    Table(
        "names",
        "Every name an entry answers to in `show` and `why`: its id, name and aliases, folded.",
        (_c("name", "TEXT NOT NULL", "A folded name."), _c("entry_id", "TEXT NOT NULL", "The entry.")),
        indexes=("name", "entry_id"),
    ),
    Table(
        "outputs",
        "Generators whose output terms a license records (`applies_to_outputs_of`), folded.",
        (
            _c("generator", "TEXT PRIMARY KEY", "A folded generator name."),
            _c("license_id", "TEXT NOT NULL", "The license."),
        ),
    ),
    Table(
        "racy",
        "Files that were modified within 2 s of the build (their mtime cannot yet stand for their "
        "content): their content digest, checked by readers until they are old enough.",
        (
            _c("file", "TEXT PRIMARY KEY", "Relative path."),
            _c("mtime_ns", "INTEGER NOT NULL", "Its modification time."),
            _c("digest", "TEXT NOT NULL", "BLAKE2b of its content."),
        ),
    ),
)

SEARCH_TABLE_DOC = (
    "`search` is an FTS5 index (trigram tokenizer, case-sensitive over the folded text) on "
    "`entries.haystack`, with `entries` as its content table: `SELECT id FROM entries WHERE rowid "
    "IN (SELECT rowid FROM search WHERE search MATCH '\"骆驼羊\"')`. Where SQLite has no trigram "
    "tokenizer the table is absent and `meta.text_search` is `instr`. Needles of one or two "
    "characters are matched with `instr(haystack, ...)`."
)


def create_tables(conn: sqlite3.Connection) -> str:
    """Create every table; return how text search works in this SQLite (`meta.text_search`)."""
    for table in TABLES:
        columns = ", ".join(f"{c.name} {c.type}" for c in table.columns)
        conn.execute(f"CREATE TABLE {table.name} ({columns}{', ' + table.key if table.key else ''})")
    try:
        conn.execute(
            'CREATE VIRTUAL TABLE search USING fts5(haystack, content="entries", content_rowid="rowid", '
            "tokenize='trigram case_sensitive 1')"
        )
    except sqlite3.OperationalError:  # no FTS5, or no trigram tokenizer (SQLite < 3.34)
        return "instr"
    return "fts5-trigram"


def create_indexes(conn: sqlite3.Connection) -> None:
    for table in TABLES:
        for columns in table.indexes:
            name = f"{table.name}_{columns.replace(', ', '_')}"

            conn.execute(f"CREATE INDEX {name} ON {table.name} ({columns})")


def database_doc() -> str:
    """docs/database.md: the tables and their columns (generated; see scripts/gen_schema.py)."""
    lines = [
        "# The catalog database",
        "",
        "<!-- generated by scripts/gen_schema.py from src/llmcat/database.py; do not edit -->",
        "",
        "`llmcat export --format sqlite OUT.db` writes the compiled catalog as a SQLite database, the "
        "same one llmcat answers every query from (kept in the cache folder). Its format number is "
        f"`PRAGMA user_version` (now {FORMAT}). Records and verdicts are JSON text: SQLite's "
        "`json_extract`, DuckDB's `json` functions and Datasette read them.",
        "",
    ]
    for table in TABLES:
        lines += [f"## `{table.name}`", "", table.doc, "", "| column | type | description |", "|---|---|---|"]
        for column in table.columns:
            described = column.doc.replace("|", "\\|")
            lines.append(f"| `{column.name}` | {column.type} | {described} |")
        if table.indexes:
            lines += ["", "Indexed on: " + ", ".join(f"`{i}`" for i in table.indexes) + "."]
        lines.append("")
    lines += ["## `search`", "", SEARCH_TABLE_DOC, ""]
    return "\n".join(lines)


# --- writing ------------------------------------------------------------------------------


def haystack(record: Record) -> str:
    """What text search looks in, folded: one line per part."""
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


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def plain(record_json: str, verdict_json: str) -> int:
    """`entries.plain`: 1 when output may write both texts without its escaping pass."""
    return int(not has_unsafe(record_json) and not has_unsafe(verdict_json))


class FileStamp(NamedTuple):
    file: str  # relative path
    size: int
    mtime_ns: int


def _entry_row(
    record: Record, verdict: tuple[str | None, str | None, str], path: str, stamp: FileStamp
) -> tuple[Any, ...]:
    declared, effective, verdict_json = verdict
    text = dumps(record)
    return (
        record["id"],
        record["kind"],
        record.get("name", record["id"]),
        fold(str(record.get("name", record["id"]))),
        record.get("organization"),
        fold(record["organization"]) if record.get("organization") else None,
        record.get("family"),
        fold(record["family"]) if record.get("family") else None,
        record.get("status", "available") if record["kind"] != "license" else None,
        record.get("released"),
        record.get("params"),
        lineage.license_id(record),
        declared,
        effective,
        path,
        stamp.file,
        stamp.size,
        stamp.mtime_ns,
        haystack(record),
        text,
        dumps(references.slim(record)),
        verdict_json,
        dumps({key: record[key] for key in FIT_FIELDS if key in record}),
        plain(text, verdict_json),
    )


def _references(record: Record) -> Iterator[tuple[str, int, str]]:
    """(field, position, target id) of every reference a record makes."""
    for ref, position, target in references.targets(record):
        yield ref.field, position, target
    for role, target in record.get("license", {}).items():
        yield f"license.{role}", 0, target
    for position, change in enumerate(record.get("license_history", [])):
        for role in ("weights", "data", "code"):
            if role in change:
                yield f"license_history.{role}", position, change[role]


def _link_rows(record: Record) -> dict[str, list[tuple[Any, ...]]]:
    """The link rows an entry's own record decides (its generators' rows wait for the licenses)."""
    entry_id = record["id"]
    tags = [languages.normalise(t) for t in record.get("languages", [])]
    return {
        "languages": [(entry_id, tag, prefix) for tag in dict.fromkeys(tags) for prefix in languages.prefixes(tag)],
        "tags": [
            (entry_id, t) for t in dict.fromkeys(fold(t) for t in (*record.get("tags", []), *record.get("methods", [])))
        ],
        "licenses": [(entry_id, role, lic) for role, lic in record.get("license", {}).items()],
        "edges": [(entry_id, *ref) for ref in _references(record)],
        "names": [
            (key, entry_id)
            for key in dict.fromkeys(
                fold(n) for n in (entry_id, record.get("name", ""), *record.get("aliases", [])) if n
            )
        ],
    }


def _generator_rows(record: Record, catalog: Catalog) -> list[tuple[Any, ...]]:
    """The generators of a dataset with the license that records their output terms."""
    rows = []
    for generator in record.get("generated_by", []):
        terms = catalog.output_terms(generator["model"])
        rows.append((record["id"], generator["model"], terms["id"] if terms else None))
    return rows


class Writer:
    """Writes a catalog into a database while it is validated, in one transaction: each entry's
    row and link rows as soon as its record is read (`add`), so that only the slim records
    (`references.slim`) stay in memory; its verdict and the rows that depend on other entries
    once the rules across entries have run (`finish`).

    Into a new, empty database (``fresh``: a full build) or into a copy of the previous one,
    where the rows of an entry read again are replaced and the others kept as they are: the
    result holds what a full build writes (a test compares every table).
    """

    def __init__(self, conn: sqlite3.Connection, fresh: bool) -> None:
        self.conn = conn
        self.fresh = fresh
        if fresh:
            conn.execute(f"PRAGMA user_version = {FORMAT}")
            self.text_search = create_tables(conn)
        else:
            meta = dict(conn.execute("SELECT name, value FROM meta").fetchall())
            self.text_search = meta.get("text_search", "instr")
        self.added: list[str] = []  # ids whose rows were written (read from their file)
        self._unplain: set[str] = set()  # of those, the ids whose record text output must escape
        self._rows: dict[str, list[tuple[Any, ...]]] = {"entries": []}

    def add(self, record: Record, path: str, stamp: FileStamp) -> None:
        """An entry read from its file: its row (the verdict comes in `finish`) and link rows."""
        entry_id = record["id"]
        if not self.fresh:
            self._delete(entry_id)
        self.added.append(entry_id)
        row = _entry_row(record, (None, None, ""), path, stamp)
        if not row[-1]:  # `plain` of the record alone, until its verdict comes
            self._unplain.add(entry_id)
        self._rows["entries"].append(row)
        for table, rows in _link_rows(record).items():
            self._rows.setdefault(table, []).extend(rows)
        if len(self._rows["entries"]) >= 2000:  # written in batches: memory stays flat
            _flush(self.conn, self._rows)

    def _plain(self, entry_id: str, added: set[str], verdict_json: str) -> int:
        """`entries.plain` once the verdict is known; the record of an entry kept from the
        previous database is read back (only entries whose verdict may have moved come here)."""
        if entry_id in added:
            return int(entry_id not in self._unplain and not has_unsafe(verdict_json))
        (record_json,) = self.conn.execute("SELECT record FROM entries WHERE id = ?", (entry_id,)).fetchone()
        return plain(record_json, verdict_json)

    def _delete(self, entry_id: str) -> None:
        old = self.conn.execute("SELECT rowid, haystack FROM entries WHERE id = ?", (entry_id,)).fetchone()
        if old is not None and self.text_search != "instr":
            self.conn.execute("INSERT INTO search(search, rowid, haystack) VALUES ('delete', ?, ?)", old)
        for table in LINK_TABLES:
            self.conn.execute(f"DELETE FROM {table} WHERE entry_id = ?", (entry_id,))
        self.conn.execute("DELETE FROM entries WHERE id = ?", (entry_id,))

    def finish(
        self,
        catalog: Catalog,
        removed: Iterable[str],
        verdicts: Iterable[tuple[str, str, str, str]],
        meta: dict[str, str],
        racy: Iterable[tuple[str, int, str]] = (),
    ) -> None:
        """After the rules across entries: the rows of ``removed`` entries go; ``verdicts``
        ((id, declared, effective, verdict JSON)) are those of every entry added and of every
        entry whose verdict may have moved; then the generators' output terms, the outputs
        table, text search, the build's metadata, and (for a new database) indexes and
        statistics. ``catalog`` holds slim records (licenses whole)."""
        _flush(self.conn, self._rows)
        for entry_id in removed:
            self._delete(entry_id)
        added = set(self.added)
        generators: list[tuple[Any, ...]] = []
        for entry_id, *verdict in verdicts:
            self.conn.execute(
                "UPDATE entries SET declared = ?, commercial = ?, verdict = ?, plain = ? WHERE id = ?",
                (*verdict, self._plain(entry_id, added, verdict[2]), entry_id),
            )
            record = catalog.records[entry_id]
            if record.get("generated_by"):  # the output terms of its generators may have moved
                if entry_id not in added:
                    self.conn.execute("DELETE FROM generators WHERE entry_id = ?", (entry_id,))
                generators.extend(_generator_rows(record, catalog))
        self.conn.execute("DELETE FROM outputs")
        outputs: dict[str, tuple[str, str]] = {}
        for license_record in catalog.licenses():
            for generator in license_record.get("applies_to_outputs_of", []):
                outputs.setdefault(fold(generator), (fold(generator), license_record["id"]))
        _flush(self.conn, {"generators": generators, "outputs": list(outputs.values())})
        if self.text_search != "instr":
            if self.fresh:
                self.conn.execute("INSERT INTO search(search) VALUES ('rebuild')")
            else:
                ids = list(added)
                for start in range(0, len(ids), IN_BATCH):
                    batch = ids[start : start + IN_BATCH]
                    self.conn.execute(
                        "INSERT INTO search(rowid, haystack) SELECT rowid, haystack FROM entries "
                        f"WHERE id IN ({', '.join('?' * len(batch))})",
                        batch,
                    )
        self.conn.execute("DELETE FROM racy")
        self.conn.executemany("INSERT INTO racy VALUES (?, ?, ?)", racy)
        meta = {**meta, "format": str(FORMAT), "text_search": self.text_search, "entries": str(len(catalog.records))}
        self.conn.execute("DELETE FROM meta")
        self.conn.executemany("INSERT INTO meta VALUES (?, ?)", sorted(meta.items()))
        if self.fresh:
            create_indexes(self.conn)
            self.conn.execute("ANALYZE")  # statistics for the query planner (sqlite_stat1)
        self.conn.commit()


LINK_TABLES = ("languages", "tags", "licenses", "edges", "generators", "names")
# Ids per `IN (...)` list: SQLite refuses more than 999 variables in a statement before 3.32
# (32,766 since), and a rebuild may read every file again (new mtimes, same content).
IN_BATCH = 500


def _flush(conn: sqlite3.Connection, links: dict[str, list[tuple[Any, ...]]]) -> None:
    for table, rows in links.items():
        if rows:
            conn.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(rows[0]))})", rows)
        rows.clear()
