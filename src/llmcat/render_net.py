"""Rendering network check results (stdout) and progress (stderr)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from llmcat.net.states import STATES
from llmcat.render import _escape_github, dump_json, plain, safe_line, stderr_console, stdout_console, write

_NOT_RED = {"ok": "green", "redirected": "yellow", "rate_limited": "yellow", "timeout": "magenta"}
STATE_STYLE = {state: _NOT_RED.get(state, "red") for state in STATES}


@contextmanager
def progress_bar(total: int, enabled: bool) -> Iterator[Callable[[Any], None]]:
    """A progress bar on stderr for runs of more than a handful of URLs; a no-op otherwise."""
    console = stderr_console()
    if not enabled or total < 5 or not console.is_terminal:
        yield lambda _outcome: None
        return
    with Progress(
        TextColumn("checking"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console, transient=True
    ) as bar:
        task = bar.add_task("links", total=total)
        yield lambda _outcome: bar.advance(task)


def links_text(report: dict[str, Any]) -> None:
    console = stdout_console()
    for result in report["results"]:
        if result["state"] == "ok":
            continue
        line = Text(f"{result['state']:<12} ", style=STATE_STYLE[result["state"]])
        status = f"HTTP {result['status_code']} " if result.get("status_code") else ""
        line.append(safe_line(f"{status}{result['url']}"))
        detail = result.get("detail") or ""
        if result.get("suggestion"):
            detail += f"; moved permanently, use {result['suggestion']}"
        line.append(safe_line(f"  ({detail}; cited by {', '.join(result['entries'])})"), style="dim")
        console.print(line)
    summary = report["summary"]
    table = Table(title="links", title_justify="left")
    for state in STATE_STYLE:
        table.add_column(state, justify="right", style=STATE_STYLE[state])
    table.add_column("checked", justify="right")
    table.add_column("from cache", justify="right")
    table.add_row(*[str(summary[s]) for s in STATE_STYLE], str(summary["checked"]), str(summary["cached"]))
    console.print(table)


def links_github(report: dict[str, Any]) -> None:
    for result in report["results"]:
        if result["state"] == "ok":
            continue
        level = "warning" if result["state"] in ("redirected", "rate_limited") else "error"
        message = (
            f"{result['state']}: {result['url']} ({result.get('detail') or ''}) cited by {', '.join(result['entries'])}"
        )
        write(f"::{level} title=llmcat links::{_escape_github(safe_line(message))}")
    write(f"::notice title=llmcat links::{_escape_github(str(report['summary']))}")


def links_json(report: dict[str, Any]) -> None:
    write(dump_json(report))


def audit_text(report: dict[str, Any]) -> None:
    console = stdout_console()
    if report["drift"]:
        table = Table(title="drift against the Hugging Face Hub", title_justify="left")
        for column in ("id", "field", "catalog", "hub", "message"):
            table.add_column(column, overflow="fold")
        for item in report["drift"]:
            table.add_row(
                plain(item["id"]),
                plain(item["field"]),
                plain(item["catalog"]),
                plain(item["hub"]),
                plain(item["message"]),
            )
        console.print(table)
    for error in report["errors"]:
        console.print(plain(f"not checked: {error['id']}: {error['state']} ({error.get('detail') or ''})", "red"))
    summary = report["summary"]
    line = f"audited {summary['entries']} entries: {summary['drift']} drift finding(s), {summary['errors']} error(s)"
    if report["skipped"]:
        shown = report["skipped"][:8]
        more = f" and {len(report['skipped']) - len(shown)} more" if len(report["skipped"]) > len(shown) else ""
        line += f"; skipped {summary['skipped']} without a Hugging Face link ({', '.join(shown)}{more})"
    stderr_console().print(Text(safe_line(line)))
