"""`llmcat fit`: which models fit a GPU, and `search --fits`."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Annotated, Any, NamedTuple

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
from llmcat.gcpause import collector_paused
from llmcat.problems import UsageError
from llmcat.vocab import (
    ATTENTIONS,
    FIT_ORDER,
    LORA_RANK,
    LORA_TARGETS,
    MODES,
    PRECISION_REASON,
    PRECISIONS,
    PRECISIONS_BY_MODE,
    choices,
    precision_help,
)

if TYPE_CHECKING:
    from llmcat.catalog import Catalog, Record
    from llmcat.estimator import Recipe, Sizing
    from llmcat.query import Hit, Query


# (title, key, drop order): the precision and the memory stay on the narrowest terminal
FIT_COLUMNS = [
    ("at", "fit_precision", 0),
    ("GiB", "fit_memory", 0),
    ("basis", "fit_basis", 7),
    ("margin", "fit_margin", 6),
]
_CARD_HELP = "24, 24GB and 24GiB are the same card: a card sold as '24 GB' holds 24 GiB"


def parse_gib(text: str, option: str = "--vram") -> float:
    """A memory size in GiB: a finite positive number, optionally followed by G, GB or GiB."""
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*(gib|gb|g)?\s*", text, re.IGNORECASE)
    value = float(match.group(1)) if match else math.nan
    if not math.isfinite(value) or value <= 0 or value > 1e6:
        raise UsageError(f"{option} '{text}' is not a memory size; write a positive number of GiB, e.g. 24 or 24GB")
    return value


def _one_of(values: tuple[str, ...]) -> Callable[[str | None], str | None]:
    """An option callback that accepts only the vocabulary's values (a usage error otherwise)."""

    def check(value: str | None) -> str | None:
        if value is not None and value not in values:
            raise typer.BadParameter(f"'{value}' is not one of: {', '.join(values)}")
        return value

    return check


VramOpt = Annotated[str, typer.Option("--vram", help=f"GPU memory in GiB ({_CARD_HELP}).", show_default=False)]
RamOpt = Annotated[str | None, typer.Option("--ram", help="CPU memory in GiB (checked where the project states it).")]
FitModeOpt = Annotated[
    str,
    typer.Option(
        "--mode", callback=_one_of(MODES), metavar=f"<{choices(MODES)}>", help=f"What you want to do: {choices(MODES)}."
    ),
]
ContextOpt = Annotated[
    int,
    typer.Option(
        "--context", min=1, max=10_000_000, help="Tokens: prompt plus output, or the training sequence length."
    ),
]
BatchOpt = Annotated[int, typer.Option("--batch", min=1, max=100_000, help="Batch size.")]
PrecisionOpt = Annotated[
    str | None,
    typer.Option(
        "--precision",
        callback=_one_of(PRECISIONS),
        metavar=f"<{choices(PRECISIONS)}>",
        help=f"Only this precision (for LoRA the frozen base; Q-LoRA is 4-bit). {precision_help()}.",
        show_default=False,
    ),
]
LoraRankOpt = Annotated[
    int, typer.Option("--lora-rank", min=1, max=4096, help="LoRA rank (Qwen's finetune.py and QLoRA use 64).")
]
LoraTargetsOpt = Annotated[
    str,
    typer.Option(
        "--lora-targets",
        callback=_one_of(LORA_TARGETS),
        metavar=f"<{choices(LORA_TARGETS)}>",
        help=f"Layers with adapters: {choices(LORA_TARGETS)} (q, k, v, o; or also the MLP).",
    ),
]
CheckpointingOpt = Annotated[
    bool,
    typer.Option(
        "--grad-checkpointing/--no-grad-checkpointing",
        help="Gradient checkpointing in training modes (recomputes activations).",
    ),
]
AttentionOpt = Annotated[
    str,
    typer.Option(
        "--attention",
        callback=_one_of(ATTENTIONS),
        metavar=f"<{choices(ATTENTIONS)}>",
        help=f"{choices(ATTENTIONS)}: flash attention/SDPA store no tokens x tokens scores; eager does.",
    ),
]


def make_recipe(
    context: int = 2048,
    batch: int = 1,
    lora_rank: int = LORA_RANK,
    lora_targets: str = "all-linear",
    grad_checkpointing: bool = True,
    attention: str = "flash",
) -> Recipe:
    from llmcat.estimator import Recipe

    return Recipe(context, batch, lora_rank, lora_targets, grad_checkpointing, attention)


def check_precision(mode: str, precision: str | None) -> None:
    allowed = PRECISIONS_BY_MODE.get(mode, PRECISIONS)  # type: ignore[call-overload]
    if precision is not None and precision not in allowed:
        reason = PRECISION_REASON.get(mode)  # type: ignore[call-overload]
        raise UsageError(
            f"--mode {mode} does not run at --precision {precision}; use one of: {', '.join(allowed)}"
            + (f" ({reason})" if reason else "")
        )


class FitResult(NamedTuple):
    hits: list[Hit]
    columns: list[tuple[str, str, int]]
    skipped: list[tuple[str, str]]  # (id, why no estimate could be made)


def apply_fit(
    catalog: Catalog,
    hits: Iterable[Hit],
    vram: str,
    mode: str,
    recipe: Recipe | None = None,
    precision: str | None = None,
    ram: str | None = None,
    vram_option: str = "--vram",
) -> FitResult:
    """Keep the models that fit, each with its `fit` object; largest models first."""
    from llmcat.estimator import sizing, skip_reason
    from llmcat.hardware import best_fit

    if mode not in MODES:
        raise UsageError(f"mode '{mode}' is not one of: {', '.join(MODES)}")
    check_precision(mode, precision)
    vram_gib = parse_gib(vram, vram_option)
    ram_gib = parse_gib(ram, "--ram") if ram is not None else None
    lookup = catalog.records.get
    kept, skipped = [], []
    precisions = (precision,) if precision else None
    # A model without stated figures is sized by its estimate alone, which depends only on its
    # sizing: models of one shape (fine-tunes of one base) share it and its cells (0.7 s of 3.9 s
    # at 100k entries of 8 shapes, README "Figures"; sharing the cells, 0.1 s more).
    by_sizing: dict[Sizing, dict[str, Any] | None] = {}

    def cells(record: Record) -> dict[str, Any] | None:
        """The `fit` columns of a model (None: it does not fit)."""
        size = None if record.get("hardware") else sizing(record, lookup)
        if size is not None and size in by_sizing:
            return by_sizing[size]
        fit = best_fit(record, vram_gib, mode, recipe, precisions, ram_gib, lookup)
        found = None
        if fit is not None:
            found = {
                "fit": fit.to_json(),  # shared, never changed after (`--json` encodes it once)
                "fit_precision": fit.precision,
                "fit_memory": f"{fit.memory.gib:.1f}",
                "fit_basis": fit.memory.basis,
                "fit_margin": f"{fit.margin_gib:.1f}",
            }
        if size is not None:
            by_sizing[size] = found
        return found

    for hit in hits:
        record = hit.fields
        if record.get("kind") != "model":
            continue
        found = cells(record)
        if found is None:
            stated_for_mode = any(h["mode"] == mode for h in record.get("hardware", []))
            if sizing(record, lookup) is None and not stated_for_mode:
                skipped.append((record["id"], skip_reason(record, lookup)))
            continue
        hit.extra.update(found)
        official = official_variants(record, found["fit_precision"]) if mode == "inference" else []
        if official:
            hit.extra["fit"] = {**found["fit"], "official_variants": official}
        kept.append((-(record.get("params") or 0), record["id"], hit))
    kept.sort(key=lambda k: k[:2])
    return FitResult([hit for *_, hit in kept], FIT_COLUMNS, skipped)


def fit_query(q: Query, vram: str, mode: str, precision: str | None) -> Query:
    """``q`` without the models too large to fit by any estimate (their records are never
    decoded); `apply_fit` gives the same answer with or without it."""
    from llmcat.estimator import params_limit

    precisions = (precision,) if precision else FIT_ORDER[mode]  # type: ignore[index]
    return q._replace(fit_params=params_limit(parse_gib(vram), mode, precisions))


_BITS = {"int8": 8, "int4": 4}


def official_variants(record: Record, precision: str) -> list[dict[str, object]]:
    """The publisher's own quantized releases at a fit's precision (int4: GPTQ-Int4, AWQ, ...)."""
    bits = _BITS.get(precision)
    return [v for v in record.get("quantized", []) if bits and v.get("bits") == bits]


def note_skipped(skipped: list[tuple[str, str]], hits: Sequence[Hit] = ()) -> None:
    """On stderr: the models `fit` could not size, and those sized from their base model."""
    from llmcat import render

    for entry_id, why in skipped:
        render.note(f"skipped {entry_id}: {why}")
    derived = [
        f"{h.record['id']} ({h.extra['fit']['derived_from_base']['id']})"
        for h in hits
        if "derived_from_base" in h.extra.get("fit", {})
    ]
    if derived:
        render.note("sized from their base model (no config or parameter count of their own): " + ", ".join(derived))


@app.command()
@handles_errors
@collector_paused()  # many hits, no cyclic garbage: README, "What makes it fast"
def fit(
    vram: VramOpt,
    ram: RamOpt = None,
    mode: FitModeOpt = "inference",
    context: ContextOpt = 2048,
    batch: BatchOpt = 1,
    precision: PrecisionOpt = None,
    lora_rank: LoraRankOpt = LORA_RANK,
    lora_targets: LoraTargetsOpt = "all-linear",
    grad_checkpointing: CheckpointingOpt = True,
    attention: AttentionOpt = "flash",
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
    """Models that fit a GPU (GiB): best precision, memory (stated, scaled or estimated) and margin."""
    from llmcat import query, render, render_query
    from llmcat.cli.common import Kind

    recipe = make_recipe(context, batch, lora_rank, lora_targets, grad_checkpointing, attention)
    check_precision(mode, precision)
    parse_gib(vram)
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
    result = apply_fit(cat, query.stream(cat, fit_query(q, vram, mode, precision)), vram, mode, recipe, precision, ram)
    hits = result.hits[:limit] if limit else result.hits
    note_skipped(result.skipped, hits)
    chosen = output_format(fmt, as_json)
    if not hits:
        render.note(f"no model fits {parse_gib(vram):g} GiB for {mode}")
    if chosen != "table":
        if hits or chosen == "json":
            render_query.write_hits(hits, chosen, "en", result.columns)
        return
    if not hits:
        return
    render_query.search_table(hits, render_query.ui_language(lang_ui.value if lang_ui else None), result.columns)
    render.note(
        "memory in GiB: stated = the project's figure for this setting; scaled = a project figure plus the "
        "estimated difference; estimated = llmcat's model (README, 'Memory estimates')."
    )
