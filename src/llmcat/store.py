"""Where the catalog is, and opening it for queries: the store.

A query opens the catalog through `open_catalog`, which goes through four layers:

1. **discovery** (`llmcat.discover`): the catalog's files, their sizes and mtimes, and
   anything amiss (symlinks, special files), by one lstat-based walk;
2. **freshness key** (`llmcat.freshness`): those stamps plus llmcat's version, the database
   format and the sizes and mtimes of llmcat's own source files, so an upgrade rebuilds;
3. **build** (`llmcat.build`, writing with `llmcat.database`): validate while writing; an
   invalid catalog is an error and is never stored;
4. **storage** (here): one SQLite file per catalog folder in the cache folder, written under a
   temporary name and renamed, so readers never see half a build; with ``--no-cache``, or when
   the cache folder cannot be written, the same database is built in memory.

Every answer comes from such a database (`llmcat.dbcatalog`): there is no second query path.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from llmcat.build import Previous, build_at, build_into
from llmcat.dbcatalog import DamagedDatabase, DbCatalog, connect_stored
from llmcat.discover import discover
from llmcat.freshness import RACY_NS, Fingerprint, file_digest, fingerprint
from llmcat.fsutil import cache_dir
from llmcat.problems import LlmcatError

try:  # hashlib's own BLAKE2; importing hashlib loads OpenSSL too (~3 ms on every query)
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - CPython builds without the module
    from hashlib import blake2b

ENV_CATALOG = "LLMCAT_CATALOG"
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


def database_path(root: Path) -> Path:
    return cache_dir() / f"{DB_PREFIX}{blake2b(str(root).encode(), digest_size=10).hexdigest()}{DB_SUFFIX}"


# --- storage: reading -----------------------------------------------------------------------


def _open_stored(root: Path, path: Path, fp: Fingerprint) -> DbCatalog | None:
    """The stored database when it is whole, of this format and built from exactly these files."""
    from llmcat.database import FORMAT

    try:
        conn = connect_stored(path)
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
    if any(file_digest(root / file) != digest for file, _, digest in racy):
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


def open_catalog(root: Path, use_cache: bool = True, warn: Warn | None = None) -> DbCatalog:
    """A valid catalog for queries; an invalid one is an error that points at `llmcat validate`."""
    root = root.resolve()
    found = discover(root)
    fp = fingerprint(found)
    if not use_cache:
        return build_at(root, found, fp, None, Previous())
    path = database_path(root)
    if not found.problems:
        stored = _open_stored(root, path, fp)
        if stored is not None:
            return stored
    previous = Previous.read(root, path, found, fp)
    try:
        return build_at(root, found, fp, path, previous)
    except (OSError, sqlite3.OperationalError) as exc:
        if warn:
            reason = getattr(exc, "strerror", None) or str(exc)
            warn(f"the cache folder {path.parent} cannot be written ({reason}); answering from memory")
        return build_at(root, found, fp, None, previous)
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
            conn = connect_stored(path)
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


def export_sqlite(root: Path, out: Path) -> DbCatalog:
    """Write the database of the catalog at ``root`` to ``out`` (replacing it)."""
    return build_into(root, out, shared=True)
