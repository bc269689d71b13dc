"""Small file helpers shared by the caches."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path


def cache_dir() -> Path:
    """``LLMCAT_CACHE_DIR``, else ``$XDG_CACHE_HOME/llmcat``, else ``~/.cache/llmcat``."""
    if os.environ.get("LLMCAT_CACHE_DIR"):
        return Path(os.environ["LLMCAT_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "llmcat"


def write_atomic(path: Path, data: str | bytes | Iterable[bytes]) -> bool:
    """Write via a temporary file and a rename, so readers never see half a file. False on failure.

    ``data`` may be a sequence of byte strings, written in turn (no copy of them all joined).
    """
    import tempfile  # only writers need it

    chunks = [data.encode()] if isinstance(data, str) else [data] if isinstance(data, bytes) else data
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.writelines(chunks)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except OSError:
        return False
    return True
