"""`llmcat fit`: which models fit a GPU, and `search --fits`."""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import typer

from llmcat.cli import app
from llmcat.cli.common import (
    AsOfOpt,
    CatalogOpt,
    CommercialOpt,
    FamilyOpt,
    FormatOpt,
    JsonOpt,
    LangOpt,
    LangUiOpt,
    LicenseOpt,
    NoCacheOpt,
    NoConditionsOpt,
    OrgOpt,
    OutputFormat,
    ParamsOpt,
    Policy,
    PolicyOpt,
    StatusOpt,
    TagOpt,
    build_query,
    handles_errors,
    open_for_query,
    output_format,
)
from llmcat.problems import UsageError

if TYPE_CHECKING:
    from llmcat.catalog import Catalog
    from llmcat.query import Hit


class FitMode(str, Enum):
    inference = "inference"
    lora = "lora"
    qlora = "qlora"
    p_tuning = "p-tuning"
    full_finetune = "full-finetune"


class FitPrecision(str, Enum):
    fp32 = "fp32"
    bf16 = "bf16"
    fp16 = "fp16"
    int8 = "int8"
    int4 = "int4"


# (title, key, drop order): the precision and the memory stay on the narrowest terminal
FIT_COLUMNS = [
    ("at", "fit_precision", 0),
    ("GB", "fit_memory", 0),
    ("basis", "fit_basis", 7),
    ("margin", "fit_margin", 6),
]


def parse_gb(text: str) -> float:
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*(gb|g|gib)?\s*", text, re.IGNORECASE)
    if match is None:
        raise UsageError(f"'{text}' is not a memory size; write e.g. 24 or 24GB")
    return float(match.group(1))


def apply_fit(
    catalog: Catalog,
    hits: Iterable[Hit],
    vram: str | float,
    mode: str,
    context: int = 2048,
    batch: int = 1,
    precision: str | None = None,
    ram: float | None = None,
) -> tuple[list[Hit], list[tuple[str, str, int]]]:
    """Keep the models that fit, each with its `fit` object; largest models first."""
    from llmcat.hardware import MODES, best_fit

    if mode not in MODES:
        raise UsageError(f"mode '{mode}' is not one of: {', '.join(MODES)}")
    vram_gb = vram if isinstance(vram, float) else parse_gb(vram)
    kept = []
    for hit in hits:
        fit = best_fit(hit.record, vram_gb, mode, context, batch, (precision,) if precision else None, ram)
        if fit is None:
            continue
        hit.extra["fit"] = fit.to_json()
        hit.extra["fit_precision"] = fit.precision
        hit.extra["fit_memory"] = f"{fit.memory_gb:.1f}"
        hit.extra["fit_basis"] = fit.basis
        hit.extra["fit_margin"] = f"{fit.margin_gb:.1f}"
        kept.append(hit)
    kept.sort(key=lambda h: (-(h.record.get("params") or 0), h.record["id"]))
    return kept, FIT_COLUMNS


@app.command()
@handles_errors
def fit(
    vram: Annotated[float, typer.Option("--vram", min=0.1, help="GPU memory in GB.")],
    ram: Annotated[
        float | None, typer.Option("--ram", min=0.1, help="CPU memory in GB (checked where stated).")
    ] = None,
    mode: Annotated[FitMode, typer.Option("--mode", help="What you want to do.")] = FitMode.inference,
    context: Annotated[int, typer.Option("--context", min=1, help="Sequence length in tokens.")] = 2048,
    batch: Annotated[int, typer.Option("--batch", min=1, help="Batch size.")] = 1,
    precision: Annotated[FitPrecision | None, typer.Option("--precision", help="Only this precision.")] = None,
    lang: LangOpt = None,
    commercial: CommercialOpt = False,
    no_conditions: NoConditionsOpt = False,
    license_id: LicenseOpt = None,
    org: OrgOpt = None,
    tag: TagOpt = None,
    family: FamilyOpt = None,
    params: ParamsOpt = None,
    status: StatusOpt = None,
    as_of: AsOfOpt = None,
    policy: PolicyOpt = Policy.strict,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="At most this many results.")] = None,
    fmt: FormatOpt = OutputFormat.table,
    as_json: JsonOpt = False,
    lang_ui: LangUiOpt = None,
    catalog: CatalogOpt = None,
    no_cache: NoCacheOpt = False,
) -> None:
    """Models that fit a GPU: best precision, memory (stated or estimated) and margin."""
    from llmcat import query, render, render_query
    from llmcat.cli.common import Kind

    cat = open_for_query(catalog, no_cache)
    q = build_query(
        lang=lang,
        commercial=commercial,
        no_conditions=no_conditions,
        kind=[Kind.model],
        license_id=license_id,
        org=org,
        tag=tag,
        family=family,
        params=params,
        status=status,
        as_of=as_of,
        policy=policy,
    )
    hits, columns = apply_fit(
        cat,
        query.stream(cat, q),
        float(vram),
        mode.value,
        context,
        batch,
        precision.value if precision else None,
        ram,
    )
    hits = hits[:limit] if limit else hits
    chosen = output_format(fmt, as_json)
    if not hits:
        render.note(f"no model fits {vram:g} GB for {mode.value}")
    if chosen != "table":
        if hits or chosen == "json":
            render_query.write_hits(hits, chosen, "en", columns)
        return
    if not hits:
        return
    render_query.search_table(hits, render_query.ui_language(lang_ui.value if lang_ui else None), columns)
    render.note("memory: stated = the project's own figure; estimated = llmcat's formula (see README).")
