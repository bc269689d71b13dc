"""The command line: parse, call the core, render, exit. The only user of typer."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Iterable

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


# Each command lives in the module that registers it. A run registers only the command it was
# asked for (typer would otherwise build all of them, ~17 ms, on every call); help, completion
# and anything unknown load them all.
COMMAND_MODULES = {
    "search": "query",
    "show": "query",
    "why": "query",
    "fit": "fit",
    "validate": "check",
    "schema": "check",
    "links": "net",
    "audit": "net",
    "cache": "cache",
    "stack": "stack",
    "site": "site",
    "diff": "contrib",
    "draft": "contrib",
    "watch": "contrib",
    "export": "export",
}


def load_commands(names: Iterable[str] | None = None) -> typer.Typer:
    """Register the commands named (all by default) and return the app."""
    wanted = set(COMMAND_MODULES.values()) if names is None else {COMMAND_MODULES[n] for n in names}
    for module in dict.fromkeys(COMMAND_MODULES.values()):  # the order --help lists them in
        if module in wanted:
            importlib.import_module(f"llmcat.cli.{module}")
    return app


def _requested(argv: list[str]) -> str | None:
    first = next((arg for arg in argv if not arg.startswith("-")), None)
    completing = any(key.startswith("_LLMCAT_COMPLETE") for key in os.environ)
    return first if first in COMMAND_MODULES and not completing else None


def _register_only(command: str) -> None:
    """Typer turns every registered command into a click command on each run (~1 ms each, its
    signature and options); a run needs only its own."""
    app.registered_commands = [
        c for c in app.registered_commands if c.callback and (c.name or c.callback.__name__) == command
    ]


def main(before_run: Callable[[], None] | None = None) -> None:
    command = _requested(sys.argv[1:])
    load_commands([command] if command else None)
    if command:
        _register_only(command)
    if before_run:
        before_run()
    app(prog_name="llmcat")
