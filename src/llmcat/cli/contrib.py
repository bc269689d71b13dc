"""`llmcat diff`, `llmcat draft` and `llmcat watch`: tools for contributors and reviewers."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from llmcat.cli import app
from llmcat.cli.common import CatalogOpt, JsonOpt, handles_errors


class DiffFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


@app.command()
@handles_errors
def diff(
    base: Annotated[str, typer.Argument(help="Git revision of the catalog's repository, or a catalog folder.")],
    head: Annotated[
        str | None, typer.Argument(help="Git revision or catalog folder (default: the working tree's catalog).")
    ] = None,
    output_format: Annotated[DiffFormat, typer.Option("--format", help="Output format.")] = DiffFormat.text,
    as_json: JsonOpt = False,
    catalog: CatalogOpt = None,
) -> None:
    """Entries added, removed and changed between two catalogs, and every verdict that moves; exit 0."""
    from llmcat import render
    from llmcat.diff import diff_specs
    from llmcat.render_contrib import show_diff
    from llmcat.store import catalog_dir

    found = diff_specs(base, head, catalog_dir(catalog))
    for side, ids in found.invalid.items():
        if ids:
            render.note(f"{side}: {len(ids)} file(s) do not validate and are left out: {', '.join(ids)}")
    show_diff(found.to_json(), "json" if as_json else output_format.value)
