"""`llmcat search`, `llmcat show` and `llmcat why`."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from llmcat import render
from llmcat.cli import app
from llmcat.cli.common import (
    AsOfOpt,
    CatalogOpt,
    CommercialOpt,
    FamilyOpt,
    FormatOpt,
    JsonOpt,
    KindOpt,
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
    complete_ids,
    handles_errors,
    open_for_query,
    output_format,
)
from llmcat.cli.fit import (
    AttentionOpt,
    BatchOpt,
    CheckpointingOpt,
    ContextOpt,
    FitModeOpt,
    LoraRankOpt,
    LoraTargetsOpt,
    PrecisionOpt,
)
from llmcat.gcpause import collector_paused
from llmcat.problems import LlmcatError
from llmcat.vocab import LORA_RANK

if TYPE_CHECKING:
    from llmcat.catalog import Record


class SortKey(str, Enum):
    id = "id"
    name = "name"
    params = "params"
    released = "released"


FitsOpt = Annotated[
    str | None,
    typer.Option(
        "--fits", help="Only models that fit this much GPU memory in GiB; 24, 24GB, 24GiB (see `llmcat fit`)."
    ),
]


@app.command()
@handles_errors
@collector_paused()  # many hits, no cyclic garbage: README, "What makes it fast"
def search(
    text: Annotated[
        str | None, typer.Argument(help="Words to find in ids, names, aliases, summaries (中文 too).")
    ] = None,
    lang: LangOpt = None,
    commercial: CommercialOpt = False,
    no_conditions: NoConditionsOpt = False,
    kind: KindOpt = None,
    license_id: LicenseOpt = None,
    org: OrgOpt = None,
    tag: TagOpt = None,
    family: FamilyOpt = None,
    params: ParamsOpt = None,
    status: StatusOpt = None,
    as_of: AsOfOpt = None,
    policy: PolicyOpt = Policy.strict,
    fits: FitsOpt = None,
    mode: FitModeOpt = "inference",
    context: ContextOpt = 2048,
    batch: BatchOpt = 1,
    precision: PrecisionOpt = None,
    lora_rank: LoraRankOpt = LORA_RANK,
    lora_targets: LoraTargetsOpt = "all-linear",
    grad_checkpointing: CheckpointingOpt = True,
    attention: AttentionOpt = "flash",
    sort: Annotated[SortKey, typer.Option("--sort", help="Sort order.")] = SortKey.id,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="At most this many results.")] = None,
    fmt: FormatOpt = OutputFormat.table,
    as_json: JsonOpt = False,
    lang_ui: LangUiOpt = None,
    catalog: CatalogOpt = None,
    no_cache: NoCacheOpt = False,
) -> None:
    """Find entries by text and filters; --commercial follows the lineage."""
    from llmcat import query, render_query

    cat = open_for_query(catalog, no_cache)
    q = build_query(
        text=text,
        lang=lang,
        commercial=commercial,
        no_conditions=no_conditions,
        kind=kind,
        license_id=license_id,
        org=org,
        tag=tag,
        family=family,
        params=params,
        status=status,
        as_of=as_of,
        policy=policy,
        sort=sort.value,
        limit=None if fits is not None else limit,
    )
    hits = query.search(cat, q)
    extra: list[tuple[str, str, int]] = []
    if fits is not None:
        from llmcat.cli.fit import apply_fit, make_recipe, note_skipped

        recipe = make_recipe(context, batch, lora_rank, lora_targets, grad_checkpointing, attention)
        hits, extra, skipped = apply_fit(cat, hits, fits, mode, recipe, precision, vram_option="--fits")
        hits = hits[:limit] if limit else hits
        note_skipped(skipped, hits)
    chosen = output_format(fmt, as_json)
    if not hits:
        render.note(query.why_empty(cat, q).text() if not fits else "no entries match: no model fits")
        if chosen == "json":
            render.write("[]")
        return
    render_query.write_hits(hits, chosen, render_query.ui_language(lang_ui.value if lang_ui else None), extra)


IdArg = Annotated[str, typer.Argument(help="An id, alias (悟道·天鹰) or family (pythia).", autocompletion=complete_ids)]


@app.command()
@handles_errors
def show(
    name: IdArg,
    fmt: FormatOpt = OutputFormat.table,
    as_json: JsonOpt = False,
    as_of: AsOfOpt = None,
    policy: PolicyOpt = Policy.strict,
    lang_ui: LangUiOpt = None,
    catalog: CatalogOpt = None,
    no_cache: NoCacheOpt = False,
) -> None:
    """Every fact of an entry: summary, licenses and history, verdict, lineage, hardware, sources."""
    from llmcat import query, render_entry, render_query
    from llmcat.hardware import hardware_rows
    from llmcat.lineage import VerdictCache

    cat = open_for_query(catalog, no_cache)
    ids = query.resolve(cat, name)
    verdicts = VerdictCache(cat)
    pol: Literal["strict", "declared"] = "declared" if policy == Policy.declared else "strict"
    lang = render_query.ui_language(lang_ui.value if lang_ui else None)
    chosen = output_format(fmt, as_json)
    if len(ids) > 1:
        hits = [query.Hit(cat.records[i], verdicts.get(i, as_of, pol)) for i in ids]
        if chosen == "table":
            render_entry.show_family(name, hits, lang)
        else:
            render_query.write_hits(hits, chosen, lang)
        return
    record = cat.records[ids[0]]
    _note_if_not_yet_existing(record, as_of)
    verdict = verdicts.get(ids[0], as_of, pol)
    license_page = record["kind"] == "license"
    users = cat.license_users(record["id"]) if license_page else {}
    rows = [] if license_page else hardware_rows(record, cat.records.get)
    extra: dict[str, object] = {"used_by": users} if license_page else {"memory": rows} if rows else {}
    if chosen == "json":
        render_entry.show_json(record, verdict, extra)
    elif chosen == "yaml":
        render_entry.show_yaml(record, verdict, extra)
    elif chosen != "table":
        render_query.write_hits([query.Hit(record, verdict)], chosen, lang)
    elif license_page:
        render_entry.show_license(record, verdict, lang, users)
    else:
        render_entry.show_entry(cat, record, verdict, lang, rows)


@app.command()
@handles_errors
def why(
    name: IdArg,
    as_json: JsonOpt = False,
    as_of: AsOfOpt = None,
    policy: PolicyOpt = Policy.strict,
    lang_ui: LangUiOpt = None,
    catalog: CatalogOpt = None,
    no_cache: NoCacheOpt = False,
) -> None:
    """Why an entry may or may not be used commercially: its lineage as a tree."""
    from llmcat import lineage, query, render_entry, render_query

    cat = open_for_query(catalog, no_cache)
    ids = query.resolve(cat, name)
    if len(ids) > 1:
        raise LlmcatError(f"'{name}' names {len(ids)} entries ({', '.join(ids[:6])}...); pick one id")
    pol: lineage.Policy = "declared" if policy == Policy.declared else "strict"
    record = cat.records[ids[0]]
    _note_if_not_yet_existing(record, as_of)
    if as_json:
        tree = lineage.node_json(lineage.explain(cat, ids[0], as_of, pol))
        if record["kind"] == "license":
            tree["used_by"] = cat.license_users(ids[0])
        render.write(render.dump_json(tree))
        return
    if record["kind"] == "license":
        render_entry.why_license(record, cat.license_users(ids[0]))
        return
    render_entry.why_tree(
        lineage.explain(cat, ids[0], as_of, pol), render_query.ui_language(lang_ui.value if lang_ui else None)
    )


def _note_if_not_yet_existing(record: Record, as_of: str | None) -> None:
    from llmcat.lineage import not_yet_existing

    found = not_yet_existing(record, as_of)
    if found:
        date, what = found
        render.note(
            f"note: {record['id']} did not exist yet on {as_of} ({what} {date}); "
            "the verdict shown is for its first known license"
        )
