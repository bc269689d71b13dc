"""Small file helpers shared by the caches."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """``LLMCAT_CACHE_DIR``, else ``$XDG_CACHE_HOME/llmcat``, else ``~/.cache/llmcat``."""
    if os.environ.get("LLMCAT_CACHE_DIR"):
        return Path(os.environ["LLMCAT_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "llmcat"


def write_atomic(path: Path, text: str) -> bool:
    """Write via a temporary file and a rename, so readers never see half a file. False on failure."""
    import tempfile  # only writers need it

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except OSError:
        return False
    return True
