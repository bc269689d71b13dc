"""Published memory measurements against llmcat's estimates.

The table ``docs/memory-measurements.csv`` holds figures that projects measured and published
(model, mode, precision, setting, recipe, GiB, source URL). A model that is not in the catalog is
given by its config inline (layers, hidden, heads, kv_heads, vocab, ffn, and params where the
project states them; else they are counted from the config). ``scripts/calibrate_memory.py``
prints the comparison; a test holds the safe-side rule.
"""

from __future__ import annotations

import csv
import statistics
from pathlib import Path
from typing import NamedTuple

from llmcat.estimator import Lookup, Recipe, Shape, Sizing, estimate, sizing

TABLE = Path("docs") / "memory-measurements.csv"  # in the repository, not in the installed package
CARDS = (8, 12, 16, 24, 40, 48, 80)
# `fit` may say "fits" on a card the measurement exceeds by at most this share.
SAFE_MARGIN = 0.03
GOOD_RATIO = (0.8, 1.3)


class Row(NamedTuple):
    model: str
    mode: str
    precision: str
    recipe: Recipe
    measured_gib: float
    source: str
    size: Sizing | None


class Compared(NamedTuple):
    row: Row
    estimated_gib: float

    @property
    def ratio(self) -> float:
        return self.estimated_gib / self.row.measured_gib

    def unsafe_cards(self) -> list[int]:
        """Cards where the estimate fits but the measured figure is more than 3% above the card."""
        return [c for c in CARDS if self.estimated_gib <= c < self.row.measured_gib / (1 + SAFE_MARGIN)]


def counted_params(shape: Shape) -> int:
    """Parameters of a decoder from its config: attention, MLP, embedding and output layer."""
    h = shape.hidden
    attention = 2 * h * h + 2 * h * shape.kv_dim
    mlp = (3 if shape.gated else 2) * h * shape.ffn
    return shape.layers * (attention + mlp) + 2 * shape.vocab * h


def _inline(fields: dict[str, str]) -> Sizing | None:
    if not fields.get("layers"):
        return None
    shape = Shape(
        layers=int(fields["layers"]),
        hidden=int(fields["hidden"]),
        heads=int(fields["heads"]),
        kv_heads=int(fields["kv_heads"]),
        vocab=int(fields["vocab"]),
        ffn=int(fields["ffn"]),
        from_config=True,
    )
    params = int(fields["params"]) if fields.get("params") else counted_params(shape)
    return Sizing(params, shape)


def _row(fields: dict[str, str], lookup: Lookup) -> Row:
    recipe = Recipe(
        context=int(fields["context"]),
        batch=int(fields["batch"] or 1),
        lora_rank=int(fields["lora_rank"] or 64),
        lora_targets=fields["lora_targets"] or "all-linear",
        grad_checkpointing=fields["grad_checkpointing"] != "no",
        attention=fields["attention"] or "flash",
        prompt=int(fields["prompt"]) if fields.get("prompt") else None,
        kbit_fp32_embeddings=fields["backend"] != "gptq",
    )
    size = _inline(fields)
    if size is None:
        record = lookup(fields["model"])
        size = sizing(record, lookup) if record else None
    return Row(
        fields["model"],
        fields["mode"],
        fields["precision"],
        recipe,
        float(fields["measured_gib"]),
        fields["source"],
        size,
    )


def load(lookup: Lookup, path: Path) -> list[Row]:
    """The rows of the table at ``path`` (the repository's ``TABLE``)."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [_row(fields, lookup) for fields in csv.DictReader(handle)]


def compare(rows: list[Row]) -> list[Compared]:
    return [
        Compared(row, estimate(row.size, row.mode, row.precision, row.recipe).total_gib)
        for row in rows
        if row.size is not None
    ]


class ModeSummary(NamedTuple):
    mode: str
    rows: int
    median: float
    low: float
    high: float
    within: float  # share of rows with a ratio in GOOD_RATIO


def summary(compared: list[Compared]) -> list[ModeSummary]:
    out = []
    for mode in dict.fromkeys(c.row.mode for c in compared):
        ratios = [c.ratio for c in compared if c.row.mode == mode]
        within = sum(GOOD_RATIO[0] <= r <= GOOD_RATIO[1] for r in ratios) / len(ratios)
        out.append(ModeSummary(mode, len(ratios), statistics.median(ratios), min(ratios), max(ratios), within))
    return out
