"""Where the catalog is, and opening it for queries: the store.

A query opens the catalog through `open_catalog`, which goes through four layers:

1. **discovery** (`llmcat.discover`): the catalog's files, their sizes and mtimes, and
   anything amiss (symlinks, special files), by one lstat-based walk;
2. **freshness key** (`fingerprint`): those stamps plus llmcat's version, the database format
   and the sizes and mtimes of llmcat's own source files, so an upgrade rebuilds;
3. **build**: validate, then write the database (`llmcat.database`); an invalid catalog is
   an error and is never stored;
4. **storage**: one SQLite file per catalog folder in the cache folder, written under a
   temporary name and renamed, so readers never see half a build; with ``--no-cache``, or when
   the cache folder cannot be written, the same database is built in memory.

Every answer comes from such a database (`llmcat.dbcatalog`): there is no second query path.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from llmcat import __version__
from llmcat.catalog import Catalog
from llmcat.dbcatalog import DamagedDatabase, DbCatalog, GuardedConnection
from llmcat.discover import Discovery, discover
from llmcat.fsutil import cache_dir
from llmcat.problems import LlmcatError

try:  # hashlib's own BLAKE2; importing hashlib loads OpenSSL too (~3 ms on every query)
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - CPython builds without the module
    from hashlib import blake2b

ENV_CATALOG = "LLMCAT_CATALOG"
CHECK_ENV = "LLMCAT_CACHE_CHECK"
RACY_NS = 2_000_000_000
DB_PREFIX = "catalog-"
DB_SUFFIX = ".sqlite"
KIND_FOLDERS = ("models", "datasets", "toolkits", "licenses")

Warn = Callable[[str], None]


def default_catalog_dir() -> Path:
    """The catalog shipped inside the package, or the checkout's catalog/ in development."""
    packaged = Path(__file__).with_name("catalog")
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "catalog"


def catalog_dir(option: Path | None) -> Path:
    """--catalog, then $LLMCAT_CATALOG, then the embedded catalog; a folder with no catalog
    folders in it (the repository root, src/) is an error with a hint."""
    chosen = option or (Path(os.environ[ENV_CATALOG]) if os.environ.get(ENV_CATALOG) else None)
    root = chosen or default_catalog_dir()
    source = "--catalog" if option else ENV_CATALOG if chosen else "the embedded catalog"
    if not root.is_dir():
        raise LlmcatError(f"catalog folder '{root}' (from {source}) does not exist")
    try:
        found = set(os.listdir(root))
    except OSError as exc:
        raise LlmcatError(f"catalog folder '{root}' (from {source}) cannot be read: {exc.strerror}") from None
    if not found.intersection(KIND_FOLDERS):
        nested = root / "catalog"
        hint = (
            f"; did you mean {nested}?"
            if nested.is_dir()
            else f"; a catalog has the folders {', '.join(f + '/' for f in KIND_FOLDERS)}"
        )
        raise LlmcatError(f"'{root}' (from {source}) holds no catalog entries{hint}")
    return root


def files_inside(root: Path, paths: list[Path]) -> list[Path]:
    """The paths `validate` is asked to report on; one that does not exist or lies outside the
    catalog folder is a usage error (it would otherwise pass as "ok": nothing to report)."""
    from llmcat.problems import UsageError

    inside = root.resolve()
    for path in paths:
        if not os.path.lexists(path):
            raise UsageError(f"'{path}' does not exist")
        resolved = Path(os.path.abspath(path)).parent.resolve() / Path(path).name
        if inside != resolved and inside not in resolved.parents:
            raise UsageError(f"'{path}' is outside the catalog folder {root}")
    return paths


# --- freshness key ------------------------------------------------------------------------


def _code_stamps() -> list[tuple[str, int, int]]:
    """(path, size, mtime_ns) of llmcat's own source files: an edit or upgrade rebuilds."""
    package = os.path.dirname(__file__)
    out = []
    for folder in (package, os.path.join(package, "cli"), os.path.join(package, "net")):
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            continue
        for name in names:
            if name.endswith(".py"):
                try:
                    st = os.stat(os.path.join(folder, name))
                except OSError:
                    continue
                out.append((name, st.st_size, st.st_mtime_ns))
    return out


def code_key() -> str:
    from llmcat.database import FORMAT

    return blake2b(repr((FORMAT, __version__, _code_stamps())).encode(), digest_size=16).hexdigest()


def _file_digest(path: Path) -> str:
    try:
        return blake2b(path.read_bytes(), digest_size=20).hexdigest()
    except OSError:
        return ""


def _content_check() -> bool:
    mode = os.environ.get(CHECK_ENV, "stat")
    if mode not in ("stat", "content"):
        raise LlmcatError(f"{CHECK_ENV} is '{mode}'; use stat (the default) or content")
    return mode == "content"


class Fingerprint(NamedTuple):
    key: str
    code: str
    racy: dict[str, int]  # relative path -> mtime_ns, of the files too recent to trust by mtime


def fingerprint(found: Discovery) -> Fingerprint:
    """The database key: changes with any added, removed or edited file, with llmcat's code,
    version and database format. With LLMCAT_CACHE_CHECK=content, files count by content."""
    stamped_at = time.time_ns()
    code = code_key()
    key = blake2b(repr((code, str(found.root))).encode(), digest_size=20)
    if _content_check():
        key.update(b"content")
        for f in found.files:
            key.update(repr((f.relative, _file_digest(found.root / f.relative))).encode())
        return Fingerprint(key.hexdigest(), code, {})
    for folder in found.folders:  # the stamps' columns as they are: no object per file
        key.update(f"\0{folder.prefix}\0{len(folder.names)}\0".encode())
        key.update("\0".join(folder.names).encode("utf-8", "surrogateescape"))
        key.update(folder.sizes.tobytes())
        key.update(folder.mtimes.tobytes())
    racy = {f.relative: f.mtime_ns for f in found.changed_since(stamped_at - RACY_NS)}
    return Fingerprint(key.hexdigest(), code, racy)


def database_path(root: Path) -> Path:
    return cache_dir() / f"{DB_PREFIX}{blake2b(str(root).encode(), digest_size=10).hexdigest()}{DB_SUFFIX}"


# --- storage: reading -----------------------------------------------------------------------


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(
        f"file:{_uri_path(path)}?mode=ro", uri=True, check_same_thread=False, factory=GuardedConnection
    )
    assert isinstance(conn, GuardedConnection)
    conn.location = str(path)
    return conn


def _uri_path(path: Path) -> str:
    return str(path).replace("%", "%25").replace("?", "%3f").replace("#", "%23")


def _open_stored(root: Path, path: Path, fp: Fingerprint) -> DbCatalog | None:
    """The stored database when it is whole, of this format and built from exactly these files."""
    from llmcat.database import FORMAT

    try:
        conn = _connect(path)
    except sqlite3.Error:
        return None
    try:
        if conn.execute("PRAGMA user_version").fetchone()[0] != FORMAT:
            conn.close()
            return None
        meta = dict(conn.execute("SELECT name, value FROM meta WHERE name IN ('key', 'root')").fetchall())
        if meta.get("key") != fp.key or meta.get("root") != str(root):
            conn.close()
            return None
        racy = conn.execute("SELECT file, mtime_ns, digest FROM racy").fetchall()
        if racy and not _racy_files_unchanged(root, path, racy):
            conn.close()
            return None
        return DbCatalog(str(root), conn, str(path))
    except (sqlite3.Error, DamagedDatabase):
        conn.close()
        return None


def _racy_files_unchanged(root: Path, path: Path, racy: list[tuple[str, int, str]]) -> bool:
    """Whether the files too recent to trust at the build still have the content it read.
    Those now old enough are trusted from here on (their rows are removed, when the
    database can be written)."""
    if any(_file_digest(root / file) != digest for file, _, digest in racy):
        return False
    trusted_before = time.time_ns() - RACY_NS
    old = [(file,) for file, mtime, _ in racy if mtime < trusted_before]
    if old:
        try:
            with sqlite3.connect(path) as conn:
                conn.executemany("DELETE FROM racy WHERE file = ?", old)
            conn.close()
        except sqlite3.Error:
            pass
    return True


# --- build ---------------------------------------------------------------------------------


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
            conn = _connect(path)
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


def _build(root: Path, found: Discovery, fp: Fingerprint, conn: sqlite3.Connection, previous: Previous) -> None:
    """Validate while writing, in one transaction that is committed only for a valid catalog:
    an invalid catalog is an error and nothing is stored. ``previous``: with a connection,
    ``conn`` is a copy of that database, brought up to date."""
    from llmcat import lineage
    from llmcat.database import FileStamp, Writer
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

        racy = [(file, mtime, _file_digest(root / file)) for file, mtime in fp.racy.items()]
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
    return _build_at(root, found, fingerprint(found), target, Previous(), shared)


def _build_at(
    root: Path, found: Discovery, fp: Fingerprint, target: Path | None, previous: Previous, shared: bool = False
) -> DbCatalog:
    if target is None:
        conn = sqlite3.connect(":memory:", check_same_thread=False)
        _build(root, found, fp, conn, Previous())
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
            _build(root, found, fp, conn, previous)
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
    return DbCatalog(str(root), _connect(target), str(target))


def open_catalog(root: Path, use_cache: bool = True, warn: Warn | None = None) -> DbCatalog:
    """A valid catalog for queries; an invalid one is an error that points at `llmcat validate`."""
    root = root.resolve()
    found = discover(root)
    fp = fingerprint(found)
    if not use_cache:
        return _build_at(root, found, fp, None, Previous())
    path = database_path(root)
    if not found.problems:
        stored = _open_stored(root, path, fp)
        if stored is not None:
            return stored
    previous = Previous.read(root, path, found, fp)
    try:
        return _build_at(root, found, fp, path, previous)
    except (OSError, sqlite3.OperationalError) as exc:
        if warn:
            reason = getattr(exc, "strerror", None) or str(exc)
            warn(f"the cache folder {path.parent} cannot be written ({reason}); answering from memory")
        return _build_at(root, found, fp, None, previous)
    finally:
        previous.close()


# --- cache administration ----------------------------------------------------------------------


class CachedDatabase(NamedTuple):
    path: str
    root: str
    entries: int
    size: int  # bytes
    built: float  # when, seconds since the epoch
    exists: bool  # whether its catalog folder is still there


def cached_databases() -> list[CachedDatabase]:
    """Every catalog database in the cache folder, newest first (unreadable ones skipped)."""
    found = []
    for path in cache_dir().glob(f"{DB_PREFIX}*{DB_SUFFIX}"):
        try:
            conn = _connect(path)
            try:
                meta = dict(conn.execute("SELECT name, value FROM meta").fetchall())
            finally:
                conn.close()
            found.append(
                CachedDatabase(
                    str(path),
                    meta["root"],
                    int(meta["entries"]),
                    path.stat().st_size,
                    float(meta["built_at"]),
                    os.path.isdir(meta["root"]),
                )
            )
        except (OSError, sqlite3.Error, KeyError, ValueError, DamagedDatabase):
            continue
    return sorted(found, key=lambda c: -c.built)


# What llmcat writes in the cache folder: databases, their temporary files, network results.
CACHE_PATTERNS = (f"{DB_PREFIX}*{DB_SUFFIX}", f".{DB_PREFIX}*", "links.json", "hub.json", ".links*", ".hub*")


def clear_cache() -> tuple[int, int]:
    """Remove what llmcat keeps in the cache folder (and nothing else); (files, bytes) removed."""
    files = size = 0
    for pattern in CACHE_PATTERNS:
        for path in cache_dir().glob(pattern):
            try:
                size += path.stat().st_size
                path.unlink()
                files += 1
            except OSError:
                continue
    return files, size


def prune_databases() -> list[CachedDatabase]:
    """Remove the databases of catalog folders that no longer exist; return them."""
    removed = []
    for db in cached_databases():
        if not db.exists:
            try:
                os.unlink(db.path)
                removed.append(db)
            except OSError:
                continue
    return removed


def dumps(data: Any) -> str:
    from llmcat.database import dumps as to_json

    return to_json(data)


def export_sqlite(root: Path, out: Path) -> DbCatalog:
    """Write the database of the catalog at ``root`` to ``out`` (replacing it)."""
    return build_into(root, out, shared=True)
