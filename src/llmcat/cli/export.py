"""`llmcat export`: the compiled catalog as a file for other tools."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from llmcat import render
from llmcat.cli import app
from llmcat.cli.common import CatalogOpt, handles_errors


class ExportFormat(str, Enum):
    sqlite = "sqlite"


@app.command()
@handles_errors
def export(
    out: Annotated[Path, typer.Argument(help="The file to write (replaced if it exists).", dir_okay=False)],
    output_format: Annotated[ExportFormat, typer.Option("--format", help="File format.")] = ExportFormat.sqlite,
    catalog: CatalogOpt = None,
) -> None:
    """Write the catalog as a SQLite database (tables: docs/database.md) for sqlite3, DuckDB, Datasette."""
    from llmcat.problems import LlmcatError
    from llmcat.store import catalog_dir, export_sqlite

    try:
        built = export_sqlite(catalog_dir(catalog), out)
    except OSError as exc:
        raise LlmcatError(f"cannot write {out}: {exc.strerror or exc}") from None
    entries = len(built.records)
    built.conn.close()
    render.note(f"wrote {out} ({output_format.value}, {entries} entries)")
