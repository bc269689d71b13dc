"""All validation rules together: schema and cross-entry rules plus the hardware check."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from llmcat.catalog import Catalog
from llmcat.problems import Report
from llmcat.validate import ExtraRule, Loc, validate_catalog


def hardware_figures(catalog: Catalog) -> Iterable[tuple[str, Loc, str, str]]:
    """Stated memory figures far from the estimate (a typo such as 1.3 for 13)."""
    from llmcat.hardware import stated_vs_estimate

    for record in catalog.entries(("model",)):
        for index, message in stated_vs_estimate(record, catalog.records.get):
            yield record["id"], ("hardware", index, "vram_gib"), message, "hardware-mismatch"


def validate_with_all_rules(root: Path, only: Sequence[Path] = (), extra: Sequence[ExtraRule] = ()) -> Report:
    report, _ = validate_catalog(root, only, extra_rules=[hardware_figures, *extra])
    return report
