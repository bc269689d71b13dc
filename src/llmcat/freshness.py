"""The freshness key of a catalog's database: the stamps of its files (`llmcat.discover`),
llmcat's version, the database format and the sizes and mtimes of llmcat's own source files, so
that an edit, an upgrade or a change of code rebuilds. With LLMCAT_CACHE_CHECK=content, files
count by content."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import NamedTuple

from llmcat import __version__
from llmcat.discover import Discovery
from llmcat.problems import LlmcatError

try:  # hashlib's own BLAKE2; importing hashlib loads OpenSSL too (~3 ms on every query)
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - CPython builds without the module
    from hashlib import blake2b

CHECK_ENV = "LLMCAT_CACHE_CHECK"
RACY_NS = 2_000_000_000


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


def file_digest(path: Path) -> str:
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
            key.update(repr((f.relative, file_digest(found.root / f.relative))).encode())
        return Fingerprint(key.hexdigest(), code, {})
    for folder in found.folders:  # the stamps' columns as they are: no object per file
        key.update(f"\0{folder.prefix}\0{len(folder.names)}\0".encode())
        key.update("\0".join(folder.names).encode("utf-8", "surrogateescape"))
        key.update(folder.sizes.tobytes())
        key.update(folder.mtimes.tobytes())
    racy = {f.relative: f.mtime_ns for f in found.changed_since(stamped_at - RACY_NS)}
    return Fingerprint(key.hexdigest(), code, racy)
