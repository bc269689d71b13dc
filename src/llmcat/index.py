"""Opening a catalog for queries, through a compiled index cache.

The first query after any change validates the catalog and writes three files to the user's
cache directory (``LLMCAT_CACHE_DIR``, else ``$XDG_CACHE_HOME/llmcat``, else ``~/.cache/llmcat``):

* ``….records``: one marshal blob per entry, its record and its default verdict, read by offset
  (and checked against its CRC-32) only for the entries a command shows;
* ``….data``: the search and sort columns, the name/family/lineage maps, paths and record
  offsets, each a marshal blob at an offset the metadata gives, read and decoded only when a
  command needs it (its CRC-32 is checked first);
* ``….meta``: the key, the sizes and the digests, itself marshalled behind its own digest and
  written last: it is the commit point.

Marshal rather than JSON: it decodes several times faster, and a query then need not import
the json module at all (~1.5 ms of every run). Nothing is decoded before its checksum matches.

The key covers every file's path, size and mtime_ns plus llmcat's version, so an added, removed
or edited file rebuilds the index. Later queries import neither yaml nor pydantic and parse no
YAML. A cache that is missing, damaged or of another version is rebuilt; files are written to a
temporary name and renamed, so concurrent runs never read half a file; an invalid catalog is
never cached.
"""

from __future__ import annotations

import marshal
import os
import stat
import time
import zlib
from collections.abc import Callable, Iterator, Mapping
from functools import partial
from operator import attrgetter
from pathlib import Path
from typing import IO, Any, NamedTuple, NoReturn

from llmcat import __version__
from llmcat.catalog import Catalog, Record
from llmcat.fsutil import cache_dir, write_atomic
from llmcat.gcpause import collector_paused
from llmcat.problems import LlmcatError

try:  # hashlib's own BLAKE2; importing hashlib loads OpenSSL too (~3 ms on every query)
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - CPython builds without the module
    from hashlib import blake2b

FORMAT = 10
META, DATA, RECORDS = ".meta", ".data", ".records"


def _scan(root: Path) -> list[str]:
    """Relative paths of every YAML file below ``root``, hidden folders skipped, sorted."""
    found: list[str] = []
    stack = [""]
    while stack:
        prefix = stack.pop()
        with os.scandir(os.path.join(root, prefix) if prefix else root) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    if not entry.name.startswith("."):
                        stack.append(f"{prefix}{entry.name}/")
                elif entry.name.endswith((".yaml", ".yml")):
                    found.append(prefix + entry.name)
    found.sort()
    return found


def catalog_files(root: Path) -> list[Path]:
    """Every YAML file below ``root``, skipping hidden folders, in a stable order."""
    return [root / relative for relative in _scan(root)]


_STAT_KEY = attrgetter("st_size", "st_mtime_ns", "st_mode")
_YAML = (".yaml", ".yml")


def _folder_stamps(folder: str) -> tuple[list[str], list[tuple[int, int, int]]]:
    """Sorted names in ``folder`` and their (size, mtime_ns, mode).

    This runs on every query, over every file: the stats are made relative to an open folder
    (``dir_fd``) and through ``map``, with no Python frame per file, where the platform allows.
    At 100,000 files that saves a third next to a loop of ``os.stat(path)``.
    """
    names = sorted(os.listdir(folder))
    if os.stat in os.supports_dir_fd:
        fd = os.open(folder, os.O_RDONLY)
        try:
            return names, list(map(_STAT_KEY, map(partial(os.stat, dir_fd=fd), names)))
        finally:
            os.close(fd)
    return names, [_STAT_KEY(os.stat(os.path.join(folder, name))) for name in names]


Stamps = list[tuple[str, list[str], list[tuple[int, int, int]]]]


def _stamps(root: Path) -> Stamps:
    """(folder, YAML file names, their size, mtime_ns and mode) of every folder below ``root``,
    hidden folders skipped, in a stable order."""
    out = []
    stack = [""]
    while stack:
        prefix = stack.pop()
        names, stats = _folder_stamps(os.path.join(root, prefix) if prefix else str(root))
        files = [i for i, name in enumerate(names) if name.endswith(_YAML) and not stat.S_ISDIR(stats[i][2])]
        out.append((prefix, [names[i] for i in files], [stats[i] for i in files]))
        stack.extend(
            f"{prefix}{name}/"
            for name, st in zip(names, stats, strict=True)
            if stat.S_ISDIR(st[2]) and not name.startswith(".")
        )
    out.sort()
    return out


# How mtimes are trusted. By default a file's (size, mtime_ns) stands for its content, except
# for files whose mtime is within RACY_NS of the moment they were stamped: on a file system
# with coarse timestamps (FAT: 2 s, HFS+ and ext3: 1 s) such a file can change again without
# its mtime changing, so its content digest is kept and checked on every read, until it is old
# enough to be trusted (git's "racy clean" entries). LLMCAT_CACHE_CHECK=content keys the index
# on every file's content instead, for file systems or tools that keep mtimes while changing
# content (`cp -p`, `rsync -t`, some CI caches).
RACY_NS = 2_000_000_000
CHECK_ENV = "LLMCAT_CACHE_CHECK"


class Fingerprint(NamedTuple):
    key: str
    racy: dict[str, int]  # relative path -> mtime_ns, of the files too recent to trust
    stamps: Stamps


def _file_digest(root: Path, relative: str) -> str:
    try:
        return blake2b(Path(root, relative).read_bytes(), digest_size=20).hexdigest()
    except OSError:
        return ""


def _content_check() -> bool:
    mode = os.environ.get(CHECK_ENV, "stat")
    if mode not in ("stat", "content"):
        raise LlmcatError(f"{CHECK_ENV} is '{mode}'; use stat (the default) or content")
    return mode == "content"


def fingerprint(root: Path) -> Fingerprint:
    """The index key: changes with any added, removed or edited file and with llmcat's version."""
    stamped_at = time.time_ns()
    stamps = _stamps(root)
    if _content_check():
        contents = [(prefix, names, [_file_digest(root, prefix + n) for n in names]) for prefix, names, _ in stamps]
        material = marshal.dumps((FORMAT, __version__, str(root), "content", contents))
        return Fingerprint(blake2b(material, digest_size=20).hexdigest(), {}, [])
    material = marshal.dumps((FORMAT, __version__, str(root), stamps))
    recent = stamped_at - RACY_NS
    racy = {
        prefix + name: st[1]
        for prefix, names, stats in stamps
        for name, st in zip(names, stats, strict=True)
        if st[1] >= recent
    }
    return Fingerprint(blake2b(material, digest_size=20).hexdigest(), racy, stamps)


def _stem(root: Path) -> str:
    return "index-" + blake2b(str(root).encode(), digest_size=10).hexdigest()


def _digest(data: bytes) -> int:
    """A blob's checksum: CRC-32 finds damage (a torn write, a flipped bit) at several times
    the speed of a cryptographic hash, and nothing here defends against a writer who can
    change the cache folder: such a writer could change the catalog too."""
    return zlib.crc32(data)


class _EntryFile:
    """The records file, read by offset; decoded records are kept."""

    def __init__(
        self, path: Path, offsets: Mapping[str, tuple[int, int, int]], on_damage: Callable[[str], None]
    ) -> None:
        self.path = path
        self.on_damage = on_damage
        self.offsets = offsets
        self._handle: IO[bytes] | None = None
        self._parsed: dict[str, dict[str, Any]] = {}

    def entry(self, entry_id: str) -> dict[str, Any]:
        found = self._parsed.get(entry_id)
        if found is None:
            offset, length, crc = self.offsets[entry_id]
            if self._handle is None:
                self._handle = self.path.open("rb")
            self._handle.seek(offset)
            found = self._decode(entry_id, self._handle.read(length), crc)
        return found

    def load_all(self) -> None:
        if len(self._parsed) == len(self.offsets):
            return
        blob = self.path.read_bytes()
        for entry_id, (offset, length, crc) in self.offsets.items():
            if entry_id not in self._parsed:
                self._decode(entry_id, blob[offset : offset + length], crc)

    def _decode(self, entry_id: str, raw: bytes, crc: int) -> dict[str, Any]:
        found: Any = None
        if zlib.crc32(raw) == crc:
            try:
                found = marshal.loads(raw)
            except (ValueError, EOFError, TypeError):
                found = None
        if not (isinstance(found, dict) and isinstance(found.get("r"), dict) and found["r"].get("id") == entry_id):
            self.on_damage(f"record {entry_id}")
        self._parsed[entry_id] = found
        return found  # type: ignore[no-any-return]


class DamagedIndex(LlmcatError):
    """A cached blob whose digest does not match; the index has been removed."""


def damaged(base: Path, part: str) -> NoReturn:
    """Remove a damaged index and stop: the next run rebuilds it from the YAML files."""
    for suffix in (META, DATA, RECORDS):
        base.with_suffix(suffix).unlink(missing_ok=True)
    raise DamagedIndex(
        f"the index cache was damaged ({base.name}, {part}); it has been removed, run the command again to rebuild it"
    )


class _Blobs:
    """The data file: named marshal blobs at known offsets, each read, checked against its
    digest and decoded on first use, so a query reads only the columns it filters on."""

    def __init__(self, path: Path, table: dict[str, tuple[int, int, int]], base: Path) -> None:
        self._path = path
        self._table = table
        self._base = base
        self._handle: IO[bytes] | None = None
        self._decoded: dict[str, Any] = {}

    def get(self, name: str) -> Any:
        if name not in self._decoded:
            offset, length, digest = self._table[name]
            if self._handle is None:
                self._handle = self._path.open("rb")
            self._handle.seek(offset)
            blob = self._handle.read(length)
            if _digest(blob) != digest:
                damaged(self._base, name)
            self._decoded[name] = marshal.loads(blob)
        return self._decoded[name]


class _RecordTable(Mapping[str, tuple[int, int, int]]):
    """Where each entry's record is in the records file: (offset, length, CRC-32) by id, from
    columns aligned with the id column (cheaper to decode than a dict of 100,000 tuples)."""

    def __init__(self, blobs: _Blobs) -> None:
        self._blobs = blobs
        self._rows: dict[str, int] | None = None

    def _row_of(self) -> dict[str, int]:
        if self._rows is None:
            ids: list[str] = self._blobs.get("col:id")
            self._rows = dict(zip(ids, range(len(ids)), strict=True))
        return self._rows

    def __getitem__(self, entry_id: str) -> tuple[int, int, int]:
        row = self._row_of()[entry_id]
        offsets, lengths, crcs = self._blobs.get("records")
        return offsets[row], lengths[row], crcs[row]

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._row_of()

    def __iter__(self) -> Iterator[str]:
        return iter(self._blobs.get("col:id"))

    def __len__(self) -> int:
        return len(self._row_of())


class _Lazy(Mapping[str, Any]):
    """A mapping stored as one blob, decoded when first read."""

    def __init__(self, blobs: _Blobs, name: str) -> None:
        self._blobs = blobs
        self._name = name

    def _value(self) -> dict[str, Any]:
        value: dict[str, Any] = self._blobs.get(self._name)
        return value

    def __getitem__(self, key: str) -> Any:
        return self._value()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._value())

    def __len__(self) -> int:
        return len(self._value())


class _Columns(Mapping[str, Any]):
    def __init__(self, blobs: _Blobs, names: tuple[str, ...]) -> None:
        self._blobs = blobs
        self._names = names

    def __getitem__(self, name: str) -> Any:
        if name not in self._names:
            raise KeyError(name)
        return self._blobs.get(f"col:{name}")

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


class _View(Mapping[str, Any]):
    def __init__(self, source: _EntryFile, part: str) -> None:
        self._source = source
        self._part = part

    def __getitem__(self, entry_id: str) -> Any:
        if entry_id not in self._source.offsets:
            raise KeyError(entry_id)
        return self._source.entry(entry_id)[self._part]

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._source.offsets

    def __iter__(self) -> Iterator[str]:
        return iter(self._source.offsets)

    def __len__(self) -> int:
        return len(self._source.offsets)

    def values(self) -> Any:
        self._source.load_all()
        return [self._source.entry(i)[self._part] for i in self._source.offsets]

    def items(self) -> Any:
        self._source.load_all()
        return [(i, self._source.entry(i)[self._part]) for i in self._source.offsets]


def build(root: Path, known: Mapping[Path, Record] | None = None) -> Catalog:
    from llmcat.validate import validate_catalog

    report, catalog = validate_catalog(root, known=known)
    if report.errors:
        first = report.errors[0].format()
        raise LlmcatError(
            f"the catalog at {root} has {len(report.errors)} error(s), first: {first}\n"
            f"run `llmcat validate --catalog {root}` to see them all"
        )
    return catalog


def _write(
    root: Path,
    key: str,
    catalog: Catalog,
    racy: dict[str, tuple[int, str]] | None = None,
    stamps: Stamps | None = None,
) -> dict[str, Any]:
    """Write the index of a validated catalog; return its search columns. With ``stamps``,
    the size and mtime of each entry's file are kept, so the next build can reuse the records
    of the files that did not change."""
    from llmcat.lineage import cache_for
    from llmcat.query import ROW_FIELDS, row_of, searchable

    verdicts = cache_for(catalog)
    parts: list[bytes] = []
    offsets: list[int] = []
    lengths: list[int] = []
    crcs: list[int] = []
    rows: list[list[Any]] = []
    position = 0
    for entry_id, record in catalog.records.items():
        verdict = verdicts.get(entry_id).to_json() if record["kind"] != "license" else None
        part = marshal.dumps({"r": record, "v": verdict})
        offsets.append(position)
        lengths.append(len(part))
        crcs.append(zlib.crc32(part))
        position += len(part)
        parts.append(part)
        rows.append(row_of(record, verdict["effective"] if verdict else "unknown"))
    columns = searchable({name: [row[i] for row in rows] for i, name in enumerate(ROW_FIELDS)})
    blobs = {f"col:{name}": marshal.dumps(column) for name, column in columns.items()}
    blobs.update(
        records=marshal.dumps((offsets, lengths, crcs)),
        maps=marshal.dumps(catalog.export_maps()),
        paths=marshal.dumps(dict(catalog.paths)),
        files=marshal.dumps(_entry_files(root, catalog, stamps or [])),
    )
    table: dict[str, tuple[int, int, int]] = {}
    start = 0
    for name, blob in blobs.items():
        table[name] = (start, len(blob), _digest(blob))
        start += len(blob)
    base = cache_dir() / f"{_stem(root)}-{key[:16]}"
    meta = {
        "format": FORMAT,
        "version": __version__,
        "key": key,
        "root": str(root),
        "entries": len(catalog.records),
        "records_size": position,
        "data_size": start,
        "blobs": table,
        "columns": list(columns),
        "racy": racy or {},
    }
    if (
        write_atomic(base.with_suffix(RECORDS), parts)
        and write_atomic(base.with_suffix(DATA), blobs.values())
        and write_atomic(base.with_suffix(META), encode_meta(meta))
    ):
        _remove_stale(root, key)
    return columns


def _entry_files(root: Path, catalog: Catalog, stamps: Stamps) -> dict[str, tuple[int, int, str]]:
    """Relative path -> (size, mtime_ns, entry id) of every entry's file."""
    stamp_of = {prefix + name: st for prefix, names, stats in stamps for name, st in zip(names, stats, strict=True)}
    out: dict[str, tuple[int, int, str]] = {}
    shown_root = len(root.name) + 1 if root.name else len(str(root).rstrip(os.sep)) + 1  # validate.display_path
    for entry_id, shown in catalog.paths.items():
        relative = shown[shown_root:].replace(os.sep, "/")
        if relative in stamp_of:
            size, mtime, _ = stamp_of[relative]
            out[relative] = (size, mtime, entry_id)
    return out


def _reusable(root: Path, stamps: Stamps) -> dict[Path, Record]:
    """Records of the previous index (same format and version) whose files have the same size
    and mtime as now and were old enough to be trusted then: a build need not read them again.
    Anything amiss with the previous index means reusing nothing."""
    try:
        metas = sorted(cache_dir().glob(f"{_stem(root)}-*{META}"), key=lambda p: p.stat().st_mtime_ns)
        meta = decode_meta(metas[-1].read_bytes()) if metas else None
        if not meta or meta.get("format") != FORMAT or meta.get("version") != __version__:
            return {}
        base = metas[-1].with_suffix("")
        blobs = _Blobs(base.with_suffix(DATA), meta["blobs"], base)
        before: dict[str, tuple[int, int, str]] = blobs.get("files")
        entries = _EntryFile(base.with_suffix(RECORDS), _RecordTable(blobs), lambda part: damaged(base, part))
        entries.load_all()
        known: dict[Path, Record] = {}
        for prefix, names, stats in stamps:
            for name, (size, mtime, _) in zip(names, stats, strict=True):
                relative = prefix + name
                seen = before.get(relative)
                if seen and seen[0] == size and seen[1] == mtime and relative not in meta["racy"]:
                    known[root / relative] = entries.entry(seen[2])["r"]
        return known
    except (OSError, ValueError, EOFError, TypeError, KeyError, IndexError, LlmcatError):
        return {}


def encode_meta(meta: dict[str, Any]) -> bytes:
    payload = marshal.dumps(meta)
    return blake2b(payload, digest_size=20).digest() + payload


def decode_meta(raw: bytes) -> dict[str, Any] | None:
    """The metadata, or None when its digest does not match (truncated, damaged, foreign)."""
    digest, payload = raw[:20], raw[20:]
    if blake2b(payload, digest_size=20).digest() != digest:
        return None
    meta = marshal.loads(payload)
    return meta if isinstance(meta, dict) else None


def _remove_stale(root: Path, key: str) -> None:
    keep = f"{_stem(root)}-{key[:16]}"
    for path in cache_dir().glob(f"{_stem(root)}-*"):
        if not path.name.startswith(keep):
            path.unlink(missing_ok=True)


def _read(root: Path, key: str) -> Catalog | None:
    base = cache_dir() / f"{_stem(root)}-{key[:16]}"
    try:
        meta = decode_meta(base.with_suffix(META).read_bytes())
        if meta is None or meta.get("format") != FORMAT or meta.get("key") != key:
            return None
        if meta["racy"] and not _racy_files_unchanged(root, base, meta):
            return None
        data_path, records_path = base.with_suffix(DATA), base.with_suffix(RECORDS)
        if data_path.stat().st_size != meta["data_size"] or records_path.stat().st_size != meta["records_size"]:
            return None
        blobs = _Blobs(data_path, meta["blobs"], base)
        columns = _Columns(blobs, tuple(meta["columns"]))
    except (OSError, ValueError, EOFError, TypeError, KeyError):
        return None
    entries = _EntryFile(records_path, _RecordTable(blobs), lambda part: damaged(base, part))
    return Catalog(
        str(root),
        _View(entries, "r"),
        _Lazy(blobs, "paths"),
        maps=_Lazy(blobs, "maps"),
        columns=columns,
        verdicts=_View(entries, "v"),
    )


def _racy_files_unchanged(root: Path, base: Path, meta: dict[str, Any]) -> bool:
    """Whether the files that were too recent to trust when the index was built still have the
    content it was built from. Those now old enough are trusted from here on: the metadata is
    written again without them."""
    racy: dict[str, tuple[int, str]] = meta["racy"]
    if any(_file_digest(root, path) != digest for path, (_, digest) in racy.items()):
        return False
    trusted_before = time.time_ns() - RACY_NS
    still_racy = {path: item for path, item in racy.items() if item[0] >= trusted_before}
    if len(still_racy) < len(racy):
        write_atomic(base.with_suffix(META), encode_meta({**meta, "racy": still_racy}))
    return True


class CachedIndex(NamedTuple):
    root: str
    entries: int
    size: int  # bytes, its three files together
    built: float  # when, seconds since the epoch
    racy: int  # files still checked by content


def cached_indexes() -> list[CachedIndex]:
    """Every index in the cache folder, newest first (unreadable metadata is skipped)."""
    found = []
    for meta_path in cache_dir().glob(f"index-*{META}"):
        try:
            meta = decode_meta(meta_path.read_bytes())
            if not meta or meta.get("format") != FORMAT:
                continue
            base = meta_path.with_suffix("")
            size = sum(base.with_suffix(s).stat().st_size for s in (META, DATA, RECORDS))
            found.append(CachedIndex(meta["root"], meta["entries"], size, meta_path.stat().st_mtime, len(meta["racy"])))
        except (OSError, ValueError, EOFError, TypeError, KeyError):
            continue
    return sorted(found, key=lambda c: -c.built)


# What llmcat writes in the cache folder: indexes, their temporary files, network results.
CACHE_PATTERNS = ("index-*", ".index-*", "links.json", "hub.json", ".links*", ".hub*")


def clear_cache() -> tuple[int, int]:
    """Remove what llmcat keeps in the cache folder (and nothing else); (files, bytes) removed."""
    files = size = 0
    folder = cache_dir()
    for pattern in CACHE_PATTERNS:
        for path in folder.glob(pattern):
            try:
                size += path.stat().st_size
                path.unlink()
                files += 1
            except OSError:
                continue
    return files, size


def load(root: Path, use_cache: bool = True) -> Catalog:
    root = root.resolve()
    if not use_cache:
        return build(root)
    key, recent, stamps = fingerprint(root)
    cached = _read(root, key)
    if cached is not None:
        return cached
    # Digests of the recent files are taken before validation reads them: if one changes in
    # between, the digest no longer matches and the next run rebuilds (never the reverse).
    racy = {path: (mtime, _file_digest(root, path)) for path, mtime in recent.items()}
    with collector_paused():
        catalog = build(root, _reusable(root, stamps))
        catalog.columns = _write(root, key, catalog, racy, stamps)  # this run's query need not compute them again
    return catalog
