"""Building a catalog's database: validate while writing, in one transaction committed only
for a valid catalog (an invalid one is an error and nothing is stored). A rebuild takes from the
previous database what is still true (`Previous`) and brings a copy of it up to date; the file
is written under a temporary name and renamed, so readers never see half a build. Without a
target, the same database is built in memory."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from llmcat import __version__
from llmcat.catalog import Catalog
from llmcat.dbcatalog import DamagedDatabase, DbCatalog, connect_stored
from llmcat.discover import Discovery, discover
from llmcat.freshness import CHECK_ENV, Fingerprint, file_digest, fingerprint
from llmcat.problems import LlmcatError


class Previous:
    """What a rebuild takes from the previous database of the same catalog (same format and
    code), a copy of which it brings up to date: the slim records of files unchanged since
    (same size and mtime, and old enough to be trusted then), and the verdicts of entries
    whose lineage reaches no changed entry. Empty for a full build."""

    def __init__(self, conn: sqlite3.Connection | None = None, root: Path | None = None) -> None:
        self.conn = conn
        self.root = root
        self.records: dict[str, Any] = {}  # slim records (`references.slim`) by relative path
        self.ids: set[str] = set()
        self.clean: set[str] = set()  # entries whose stored verdict still holds
        self.path: Path | None = None

    @classmethod
    def read(cls, root: Path, path: Path, found: Discovery, fp: Fingerprint) -> Previous:
        """Anything amiss with the previous database means reusing nothing."""
        import json

        from llmcat.gcpause import collector_paused

        if not path.exists() or os.environ.get(CHECK_ENV) == "content":
            return cls()
        try:
            conn = connect_stored(path)
            meta = dict(conn.execute("SELECT name, value FROM meta").fetchall())
            if meta.get("code") != fp.code or meta.get("root") != str(root):
                conn.close()
                return cls()
            racy = {row[0] for row in conn.execute("SELECT file FROM racy")}
            stamps = {f.relative: f for f in found.files}
            previous = cls(conn, root)
            previous.path = path
            with collector_paused():  # 100,000 dicts that live on: collections cost ~1 s here
                rows = conn.execute("SELECT id, file, size, mtime_ns, slim FROM entries")
                for entry_id, file, size, mtime, slim in rows:
                    previous.ids.add(entry_id)
                    now = stamps.get(file)
                    if now is not None and now.size == size and now.mtime_ns == mtime and file not in racy:
                        previous.records[file] = json.loads(slim)
            return previous
        except (sqlite3.Error, ValueError, DamagedDatabase):
            return cls()

    def prepare(self, catalog: Catalog, read: Iterable[str]) -> None:
        """Mark the entries whose stored verdict still holds: none of ``read`` (the entries read
        from their file) nor of the removed ones reaches them."""
        if self.conn is None:
            return
        changed = set(read) | self.removed(catalog)
        self.clean = set(catalog.records) - self._dependents(catalog, changed)

    def _dependents(self, catalog: Catalog, changed: set[str]) -> set[str]:
        """The changed entries and every entry whose verdict may read one of them: through its
        lineage, its licenses, or the output terms of its generators (any change to a license
        may move those, so then every entry with generators counts). Walked along the previous
        database's edges: an entry not read again makes the references it made then, and one
        read again is among the changed (a Python walk over every record took ~1 s at 100k)."""
        from llmcat.database import IN_BATCH
        from llmcat.references import LINEAGE_FIELDS

        assert self.conn is not None
        dirty = set(changed)
        if any(i not in catalog.records or catalog.records[i]["kind"] == "license" for i in changed):
            dirty.update(row[0] for row in self.conn.execute("SELECT entry_id FROM generators"))
        fields = ", ".join(f"'{field}'" for field in LINEAGE_FIELDS)
        frontier = list(dirty)
        while frontier:
            batch, frontier = frontier[:IN_BATCH], frontier[IN_BATCH:]
            readers = self.conn.execute(
                f"SELECT entry_id FROM edges WHERE target_id IN ({', '.join('?' * len(batch))}) "
                f"AND (field IN ({fields}) OR substr(field, 1, 8) = 'license.')",
                batch,
            )
            for (reader,) in readers:
                if reader not in dirty:
                    dirty.add(reader)
                    frontier.append(reader)
        return dirty

    def removed(self, catalog: Catalog) -> set[str]:
        return self.ids - set(catalog.records)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


def _copied(source: Path, tmp: str) -> bool:
    """The previous database copied to the temporary file, to be updated in place."""
    import shutil

    try:
        shutil.copyfile(source, tmp)
    except OSError:
        return False
    return True


def write_database(root: Path, found: Discovery, fp: Fingerprint, conn: sqlite3.Connection, previous: Previous) -> None:
    """Validate while writing, in one transaction that is committed only for a valid catalog:
    an invalid catalog is an error and nothing is stored. ``previous``: with a connection,
    ``conn`` is a copy of that database, brought up to date."""
    from llmcat import lineage
    from llmcat.database import FileStamp, Writer, dumps
    from llmcat.gcpause import collector_paused
    from llmcat.references import slim
    from llmcat.validate import validate_catalog

    writer = Writer(conn, fresh=previous.conn is None)
    stamp_of = {f.relative: f for f in found.files}

    def keep(record: dict[str, Any], shown: str, file: str) -> dict[str, Any]:
        writer.add(record, shown, FileStamp(*stamp_of[file]))
        return slim(record)

    with collector_paused():
        report, catalog = validate_catalog(
            root,
            discovery=found,
            known=previous.records,
            prepare=lambda catalog: previous.prepare(catalog, writer.added),
            sink=keep,
            warnings=False,  # a build refuses errors and keeps no warnings
        )
        if report.errors:
            first = report.errors[0].format()
            raise LlmcatError(
                f"the catalog at {root} has {len(report.errors)} error(s), first: {first}\n"
                f"run `llmcat validate --catalog {root}` to see them all"
            )
        memo: lineage.Memo = {}  # each entry's node, shared by the verdicts that read it

        def verdict_rows() -> Iterator[tuple[str, str, str, str]]:
            # Each verdict is written and let go (a cache of them all held ~40 MB more at 100k).
            for entry_id in catalog.records:
                if entry_id not in previous.clean:
                    computed = lineage.verdict(catalog, entry_id, memo=memo).to_json()
                    yield entry_id, computed["declared"], computed["effective"], dumps(computed)

        racy = [(file, mtime, file_digest(root / file)) for file, mtime in fp.racy.items()]
        meta = {
            "key": fp.key,
            "code": fp.code,
            "root": str(root),
            "llmcat_version": __version__,
            "built_at": str(time.time()),
        }
        writer.finish(catalog, previous.removed(catalog), verdict_rows(), meta, racy)


def build_into(root: Path, target: Path | None, shared: bool = False) -> DbCatalog:
    """Build the database of ``root`` at ``target`` (written under a temporary name, then
    renamed), or in memory when ``target`` is None. ``shared``: the file gets the usual
    permissions (the umask's), not those of a private cache file."""
    root = root.resolve()
    found = discover(root)
    return build_at(root, found, fingerprint(found), target, Previous(), shared)


def build_at(
    root: Path, found: Discovery, fp: Fingerprint, target: Path | None, previous: Previous, shared: bool = False
) -> DbCatalog:
    if target is None:
        conn = sqlite3.connect(":memory:", check_same_thread=False)
        write_database(root, found, fp, conn, Previous())
        return DbCatalog(str(root), conn, ":memory:")
    import tempfile

    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}-", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        if not (previous.path == target and _copied(target, tmp)):
            previous = Previous()  # a full build
        conn = sqlite3.connect(tmp)
        try:
            conn.execute("PRAGMA journal_mode = OFF")
            conn.execute("PRAGMA synchronous = OFF")
            write_database(root, found, fp, conn, previous)
        finally:
            conn.close()
        if shared:
            mask = os.umask(0)
            os.umask(mask)
            os.chmod(tmp, 0o666 & ~mask)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return DbCatalog(str(root), connect_stored(target), str(target))
