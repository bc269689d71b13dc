"""Options shared by several commands, and the error edge of the CLI."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from llmcat import render
from llmcat.problems import LlmcatError

F = TypeVar("F", bound=Callable[..., Any])

CatalogOpt = Annotated[
    Path | None,
    typer.Option(
        "--catalog",
        help="Catalog folder (default: $LLMCAT_CATALOG, else the catalog shipped with llmcat).",
        file_okay=False,
        show_default=False,
    ),
]
NoCacheOpt = Annotated[bool, typer.Option("--no-cache", help="Read the YAML files; do not use the index cache.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON (the documented contract) to stdout.")]


def handles_errors(func: F) -> F:
    """Expected failures become `error: ...` on stderr and their exit code; no traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except LlmcatError as exc:
            render.error(str(exc))
            raise typer.Exit(exc.exit_code) from None
        except BrokenPipeError:
            raise typer.Exit(0) from None

    return wrapper  # type: ignore[return-value]
