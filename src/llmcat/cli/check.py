"""`llmcat validate` and `llmcat schema`."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from llmcat import render
from llmcat.cli import app
from llmcat.cli.common import CatalogOpt, handles_errors
from llmcat.problems import UsageError


class ReportFormat(str, Enum):
    auto = "auto"
    text = "text"
    json = "json"
    github = "github"


class SchemaKind(str, Enum):
    model = "model"
    dataset = "dataset"
    toolkit = "toolkit"
    license = "license"


@app.command()
@handles_errors
def validate(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Report only on these files (cross-entry rules still see all).")
    ] = None,
    catalog: CatalogOpt = None,
    output_format: Annotated[
        ReportFormat, typer.Option("--format", help="auto picks github under GitHub Actions, else text.")
    ] = ReportFormat.auto,
    strict: Annotated[bool, typer.Option("--strict", help="Warnings fail the run too.")] = False,
    stale: Annotated[
        str | None,
        typer.Option("--stale", help="Warn on sources not checked for this long (365d, 52w, 1y) or never recorded."),
    ] = None,
    max_errors: Annotated[
        int | None, typer.Option("--max-errors", min=1, help="Show at most this many errors (all are counted).")
    ] = None,
) -> None:
    """Check every catalog file and the rules across entries; exit 1 on problems."""
    import datetime as dt

    from llmcat.checks import validate_with_all_rules
    from llmcat.store import catalog_dir, files_inside
    from llmcat.validate import parse_age, stale_sources

    try:
        extra = [stale_sources(parse_age(stale), dt.date.today())] if stale else []
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    root = catalog_dir(catalog)
    report = validate_with_all_rules(root, files_inside(root, paths or []), extra)
    if max_errors:
        report.limit_errors(max_errors)
    render.REPORTERS[render.pick_format(output_format.value)](report, strict)
    if report.status(strict) == "fail":
        raise typer.Exit(1)


@app.command()
@handles_errors
def schema(
    kind: Annotated[SchemaKind, typer.Option("--kind", help="Which entry kind.")] = SchemaKind.model,
) -> None:
    """Print the JSON Schema of a catalog entry kind."""
    from llmcat.schema import json_schema

    render.write(render.dump_json(json_schema(kind.value)))
