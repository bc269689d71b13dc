"""All validation rules together: the schema and cross-entry rules plus later concerns."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from llmcat.problems import Report
from llmcat.validate import validate_catalog


def validate_with_all_rules(root: Path, only: Sequence[Path] = ()) -> Report:
    report, _ = validate_catalog(root, only)
    return report
