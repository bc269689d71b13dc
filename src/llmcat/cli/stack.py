"""`llmcat stack`: the compliance bill of a model, datasets and toolkits shipped together."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Annotated

import typer

from llmcat import render
from llmcat.cli import app
from llmcat.cli.common import CatalogOpt, LangUiOpt, NoCacheOpt, handles_errors, open_for_query
from llmcat.problems import UsageError

if TYPE_CHECKING:
    from llmcat.catalog import Catalog


class StackFormat(str, Enum):
    text = "text"
    json = "json"
    notice = "notice"
    cyclonedx = "cyclonedx"


@app.command()
@handles_errors
def stack(
    names: Annotated[list[str], typer.Argument(help="Ids or aliases of the entries shipped together.")],
    output_format: Annotated[
        StackFormat,
        typer.Option("--format", help="text, json, notice (a NOTICE file) or cyclonedx (a CycloneDX 1.6 BOM)."),
    ] = StackFormat.text,
    as_json: Annotated[bool, typer.Option("--json", help="Same as --format json.")] = False,
    lang_ui: LangUiOpt = None,
    catalog: CatalogOpt = None,
    no_cache: NoCacheOpt = False,
) -> None:
    """The combined commercial-use verdict, conditions, obligations and licenses of a stack."""
    from llmcat import stack as bills

    if as_json and output_format not in (StackFormat.text, StackFormat.json):
        raise UsageError("--json and --format are two ways to ask for one format; give one")
    cat = open_for_query(catalog, no_cache)
    ids = list(dict.fromkeys(_one_entry(cat, name) for name in names))
    bill = bills.bill(cat, ids)
    fmt = StackFormat.json if as_json else output_format
    if fmt == StackFormat.json:
        render.write(render.dump_json(bill.to_json()))
    elif fmt == StackFormat.notice:
        render.write(bills.notice(cat, bill))
    elif fmt == StackFormat.cyclonedx:
        render.write(render.dump_json(bills.cyclonedx(cat, bill)))
    else:
        from llmcat.render_query import ui_language
        from llmcat.render_stack import stack_text

        stack_text(bill, ui_language(lang_ui.value if lang_ui else None))


def _one_entry(catalog: Catalog, name: str) -> str:
    from llmcat import query

    ids = query.resolve(catalog, name)
    if len(ids) > 1:
        raise UsageError(f"'{name}' names {len(ids)} entries ({', '.join(ids[:6])}...); pick one id")
    if catalog.records[ids[0]]["kind"] == "license":
        raise UsageError(f"'{ids[0]}' is a license; a stack lists models, datasets and toolkits")
    return ids[0]
