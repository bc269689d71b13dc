"""Stated memory figures next to llmcat's estimates: which one `fit` uses, and `show`'s rows.

A stated figure carries the setting it was measured at (tokens, batch, and whether it covers
loading, a run, or only names a card the model runs on); `fit` uses one as it stands only for a
query its setting covers (see README, "Memory estimates"). The estimates come from
``llmcat.estimator``.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from llmcat.estimator import (
    Estimate,
    Lookup,
    Recipe,
    Record,
    estimate,
    estimate_record,
    sizing,
)
from llmcat.vocab import FIT_ORDER

# The fields of a record that `fit` reads: the memory model (`estimator.sizing`), the stated
# figures, the publisher's quantized releases, the id and kind. The database stores them apart
# (`entries.fit_fields`), so that `fit` decodes them and not the whole record; a test runs
# `fit` on records that refuse every other field.
FIT_FIELDS = ("id", "kind", "params", "config", "base_model", "hardware", "quantized")

# Stated figures may differ from estimates by this factor before `validate` warns.
STATED_VS_ESTIMATE_FACTOR = 2.5


# --- stated figures -------------------------------------------------------------------------


def _one_gpu(record: Record) -> list[dict[str, Any]]:
    """Stated figures for one GPU; a per-GPU figure of a sharded multi-GPU setup is not one."""
    return [h for h in record.get("hardware", []) if (h.get("gpus") or 1) == 1]


def _same_precision(a: str, b: str) -> bool:
    half = {"bf16", "fp16"}
    return a == b or (a in half and b in half)


def figures_for(record: Record, mode: str, precision: str) -> list[dict[str, Any]]:
    return [h for h in _one_gpu(record) if h["mode"] == mode and _same_precision(h["precision"], precision)]


def covers(figure: dict[str, Any], recipe: Recipe) -> bool:
    """A figure answers a query when it measured running (not just loading) at a setting at least
    as large: its context and batch known and no smaller than the query's."""
    if figure.get("measured") == "load" or figure.get("context") is None:
        return False
    return recipe.context <= figure["context"] and recipe.batch <= (figure.get("batch") or 1)


def stated(record: Record, mode: str, precision: str, recipe: Recipe | None = None) -> dict[str, Any] | None:
    """The stated figure that covers the query; where several do (sources that disagree, such as
    ChatGLM-6B's Chinese and English READMEs), the larger, so that a fit is never optimistic.
    Without a recipe: the largest figure for the mode and precision, whatever its setting."""
    figures = figures_for(record, mode, precision)
    if recipe is not None:
        figures = [h for h in figures if covers(h, recipe)]
    return max(figures, key=lambda h: h["vram_gib"]) if figures else None


class Memory(NamedTuple):
    """What `fit` uses for one model, mode and precision, and why."""

    gib: float
    basis: str  # stated | scaled | estimated
    why: str
    estimate: Estimate | None
    figure: dict[str, Any] | None


def memory(record: Record, mode: str, precision: str, recipe: Recipe, lookup: Lookup | None = None) -> Memory | None:
    """A covering stated figure; else a figure measured at a known setting, scaled by the
    estimated difference; else the estimate, never below a figure the project states."""
    size = sizing(record, lookup)
    est = estimate(size, mode, precision, recipe) if size else None
    covering = stated(record, mode, precision, recipe)
    if covering is not None:
        others = len(figures_for(record, mode, precision)) > 1
        why = "the project's figure covers this context and batch" + (
            " (the larger where its sources disagree)" if others else ""
        )
        return Memory(float(covering["vram_gib"]), "stated", why, est, covering)
    figures = [h for h in figures_for(record, mode, precision) if h.get("measured") != "runs-on"]
    if size is None or est is None:
        if not figures:
            return None
        largest = max(figures, key=lambda h: h["vram_gib"])
        why = "no estimate (no parameter count): the project's largest figure, whatever its setting"
        return Memory(float(largest["vram_gib"]), "stated", why, None, largest)
    known = [h for h in figures if h.get("context") is not None and h.get("measured") != "load"]
    if known:
        figure = max(known, key=lambda h: h["vram_gib"])
        at = recipe._replace(context=figure["context"], batch=figure.get("batch") or 1)
        then = estimate(size, mode, precision, at)
        scaled = figure["vram_gib"] + est.total_gib - then.total_gib
        why = (
            f"the project's {figure['vram_gib']:g} GiB at {figure['context']} tokens x batch "
            f"{figure.get('batch') or 1}, plus the estimated difference to this setting"
        )
        if scaled < est.total_gib:
            why = f"llmcat's estimate, above the project's figure scaled to this setting ({scaled:.1f} GiB)"
            return Memory(est.total_gib, "estimated", why, est, figure)
        return Memory(scaled, "scaled", why, est, figure)
    floor = max(figures, key=lambda h: h["vram_gib"]) if figures else None
    if floor is not None and floor["vram_gib"] > est.total_gib:
        what = "to load the model only" if floor.get("measured") == "load" else "without its setting"
        why = f"the project's {floor['vram_gib']:g} GiB (stated {what}) is above the estimate and is used"
        return Memory(float(floor["vram_gib"]), "stated", why, est, floor)
    why = "llmcat's estimate" + (" (the project's figures do not cover this setting)" if figures else "")
    if size.derived_from:
        why += f", sized from {size.derived_from} (derived_from_base)"
    return Memory(est.total_gib, "estimated", why, est, floor)


# --- show and fit -----------------------------------------------------------------------------


def hardware_rows(record: Record, lookup: Lookup | None = None, recipe: Recipe | None = None) -> list[dict[str, Any]]:
    """Stated figures and estimates side by side (for `show`), in GiB."""
    if record.get("kind") != "model":
        return []
    recipe = recipe or Recipe()
    rows = [_stated_row(record, h, recipe, lookup) for h in record.get("hardware", [])]
    pairs = [("inference", p) for p in ("bf16", "int8", "int4")]
    pairs += [("lora", "bf16"), ("qlora", "int4"), ("full-finetune", "bf16")]
    for mode, precision in pairs:
        est = estimate_record(record, mode, precision, recipe, lookup)
        if est is not None:
            rows.append(_row(mode, precision, None, est))
    return rows


def figure_recipe(figure: dict[str, Any], recipe: Recipe | None = None) -> Recipe:
    """The setting a stated figure was measured at (a load-only figure: one token)."""
    recipe = recipe or Recipe()
    load = figure.get("measured") == "load"
    return recipe._replace(
        context=figure.get("context") or (1 if load else recipe.context), batch=figure.get("batch") or 1
    )


def _stated_row(record: Record, figure: dict[str, Any], recipe: Recipe, lookup: Lookup | None) -> dict[str, Any]:
    setting = figure_recipe(figure, recipe)
    one_gpu = (figure.get("gpus") or 1) == 1
    est = estimate_record(record, figure["mode"], figure["precision"], setting, lookup) if one_gpu else None
    return _row(figure["mode"], figure["precision"], figure, est)


def _row(mode: str, precision: str, figure: dict[str, Any] | None, est: Estimate | None) -> dict[str, Any]:
    row: dict[str, Any] = {
        "mode": mode,
        "precision": precision,
        "stated_gib": figure["vram_gib"] if figure else None,
        "context": figure.get("context") if figure else (est.recipe.context if est else None),
        "batch": figure.get("batch") if figure else (est.recipe.batch if est else None),
        "measured": figure.get("measured") if figure else None,
        "gpus": figure.get("gpus") if figure else None,
        "source": figure["source"] if figure else None,
        "note": figure.get("note") if figure else None,
        "estimated_gib": round(est.total_gib, 2) if est else None,
        "breakdown": est.to_json()["breakdown"] if est else None,
        "estimate_from_config": est.from_config if est else None,
    }
    if est is not None and est.derived_from:
        row["derived_from_base"] = {"id": est.derived_from, "reason": est.reason}
    return row


class Fit(NamedTuple):
    mode: str
    precision: str
    memory: Memory
    margin_gib: float

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "mode": self.mode,
            "precision": self.precision,
            "memory_gib": round(self.memory.gib, 2),
            "basis": self.memory.basis,
            "why": self.memory.why,
            "margin_gib": round(self.margin_gib, 2),
        }
        est = self.memory.estimate
        if est is not None:
            detail = est.to_json()
            out["estimated_gib"] = detail["total_gib"]
            out["breakdown"] = detail["breakdown"]
            out["context"], out["batch"] = detail["context"], detail["batch"]
            for key in ("recipe", "derived_from_base"):
                if key in detail:
                    out[key] = detail[key]
        if self.memory.figure is not None:
            out["stated_source"] = self.memory.figure["source"]
        return out


def best_fit(
    record: Record,
    vram_gib: float,
    mode: str = "inference",
    recipe: Recipe | None = None,
    precisions: tuple[str, ...] | None = None,
    ram_gib: float | None = None,
    lookup: Lookup | None = None,
) -> Fit | None:
    """The most precise precision whose memory fits ``vram_gib``."""
    if record.get("kind") != "model":
        return None
    recipe = recipe or Recipe()
    for precision in precisions or FIT_ORDER[mode]:  # type: ignore[index]
        mem = memory(record, mode, precision, recipe, lookup)
        if mem is None:
            continue
        figure = mem.figure
        if ram_gib is not None and figure is not None and figure.get("ram_gib") and figure["ram_gib"] > ram_gib:
            continue
        if mem.gib <= vram_gib:
            return Fit(mode, precision, mem, vram_gib - mem.gib)
    return None


def stated_vs_estimate(record: Record, lookup: Lookup | None = None) -> list[tuple[int, str]]:
    """Stated figures that differ from the estimate by more than STATED_VS_ESTIMATE_FACTOR."""
    out = []
    for i, figure in enumerate(record.get("hardware", [])):
        if (figure.get("gpus") or 1) > 1 or figure.get("measured") == "runs-on":
            continue  # a per-GPU figure of a sharded setup, or a card it runs on, is no requirement
        recipe = figure_recipe(figure, Recipe(context=512))
        est = estimate_record(record, figure["mode"], figure["precision"], recipe, lookup)
        if est is None or not est.from_config:
            continue
        ratio = figure["vram_gib"] / est.total_gib if est.total_gib else math.inf
        if ratio > STATED_VS_ESTIMATE_FACTOR or ratio < 1 / STATED_VS_ESTIMATE_FACTOR:
            out.append(
                (
                    i,
                    f"stated {figure['vram_gib']:g} GiB for {figure['mode']} at {figure['precision']}, "
                    f"but the estimate is ~{est.total_gib:.1f} GiB ({ratio:.2f}x); check the figure and its unit",
                )
            )
    return out
