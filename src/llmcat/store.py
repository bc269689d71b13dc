"""Where the catalog is, and opening it for queries."""

from __future__ import annotations

import os
from pathlib import Path

from llmcat.catalog import Catalog
from llmcat.problems import LlmcatError

ENV_CATALOG = "LLMCAT_CATALOG"


def default_catalog_dir() -> Path:
    """The catalog shipped inside the package, or the checkout's catalog/ in development."""
    packaged = Path(__file__).with_name("catalog")
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "catalog"


def catalog_dir(option: Path | None) -> Path:
    """--catalog, then $LLMCAT_CATALOG, then the embedded catalog."""
    chosen = option or (Path(os.environ[ENV_CATALOG]) if os.environ.get(ENV_CATALOG) else None)
    root = chosen or default_catalog_dir()
    if not root.is_dir():
        source = "--catalog" if option else ENV_CATALOG if chosen else "the embedded catalog"
        raise LlmcatError(f"catalog folder '{root}' (from {source}) does not exist")
    return root


def open_catalog(root: Path, use_cache: bool = True) -> Catalog:
    """A valid catalog for queries; an invalid one is an error that points at `llmcat validate`."""
    from llmcat import index

    return index.load(root, use_cache=use_cache)
