"""Opening a catalog for queries (the compiled index cache lands here)."""

from __future__ import annotations

from pathlib import Path

from llmcat.catalog import Catalog
from llmcat.problems import LlmcatError


def load(root: Path, use_cache: bool = True) -> Catalog:
    from llmcat.validate import validate_catalog

    report, catalog = validate_catalog(root)
    if report.errors:
        first = report.errors[0].format()
        raise LlmcatError(
            f"the catalog at {root} has {len(report.errors)} error(s), first: {first}\n"
            f"run `llmcat validate --catalog {root}` to see them all"
        )
    return catalog
