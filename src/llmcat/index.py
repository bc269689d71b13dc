"""Opening a catalog for queries, through a compiled index cache.

The first query after any change validates the catalog and writes its records as JSON to the
user's cache directory (``LLMCAT_CACHE_DIR``, else ``$XDG_CACHE_HOME/llmcat``, else
``~/.cache/llmcat``). The cache key covers every file's path, size and mtime_ns plus llmcat's
version, so an added, removed or edited file rebuilds it. Later queries read the JSON and import
neither yaml nor pydantic. A cache that cannot be read, or is of another version, is rebuilt;
it is written to a temporary file and renamed, so concurrent runs never see half a file; an
invalid catalog is never cached.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from llmcat import __version__
from llmcat.catalog import Catalog
from llmcat.fsutil import cache_dir, write_atomic
from llmcat.problems import LlmcatError

FORMAT = 1


def catalog_files(root: Path) -> list[Path]:
    """Every YAML file below ``root``, skipping hidden folders, in a stable order."""
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(Path(folder, name) for name in sorted(files) if name.endswith((".yaml", ".yml")))
    return found


def signature(root: Path) -> str:
    digest = hashlib.blake2b(f"{FORMAT}\0{__version__}\0{root}".encode(), digest_size=20)
    for path in catalog_files(root):
        stat = path.stat()
        digest.update(f"\0{path.relative_to(root)}\0{stat.st_size}\0{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def _cache_file(root: Path) -> Path:
    name = hashlib.blake2b(str(root).encode(), digest_size=10).hexdigest()
    return cache_dir() / f"index-{name}.json"


def _read(path: Path, key: str) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("key") != key:
        return None
    if not isinstance(data.get("records"), dict) or not isinstance(data.get("paths"), dict):
        return None
    return data


def _write(path: Path, payload: dict[str, Any]) -> None:
    write_atomic(path, json.dumps(payload, ensure_ascii=False, separators=(",", ":")))


def build(root: Path) -> Catalog:
    from llmcat.validate import validate_catalog

    report, catalog = validate_catalog(root)
    if report.errors:
        first = report.errors[0].format()
        raise LlmcatError(
            f"the catalog at {root} has {len(report.errors)} error(s), first: {first}\n"
            f"run `llmcat validate --catalog {root}` to see them all"
        )
    return catalog


def load(root: Path, use_cache: bool = True) -> Catalog:
    root = root.resolve()
    if not use_cache:
        return build(root)
    key = signature(root)
    path = _cache_file(root)
    cached = _read(path, key)
    if cached is not None:
        return Catalog(str(root), cached["records"], cached["paths"])
    catalog = build(root)
    _write(path, {"format": FORMAT, "key": key, "root": str(root), "records": catalog.records, "paths": catalog.paths})
    return catalog
