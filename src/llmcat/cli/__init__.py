"""The command line: parse, call the core, render, exit. The only user of typer."""

from __future__ import annotations

import typer

from llmcat import __version__

app = typer.Typer(
    name="llmcat",
    help="A verified catalog of open LLMs, datasets and training toolkits.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"llmcat {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    """A verified catalog of open LLMs, datasets and training toolkits."""


from llmcat.cli import check, fit, net, query  # noqa: E402,F401  (registers commands)


def main() -> None:
    app(prog_name="llmcat")
