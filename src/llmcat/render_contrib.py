"""Rendering for contributors' commands: `diff` (text, markdown, JSON) and `watch`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from llmcat.render import dump_json, safe_line, write


def _verdict_line(change: dict[str, Any]) -> str:
    before, after = change["before"], change["after"]
    line = f"{change['id']}: {before['effective']} -> {after['effective']}"
    if before["declared"] != after["declared"]:
        line += f" (declared {before['declared']} -> {after['declared']})"
    elif before["effective"] == after["effective"]:
        line += " (conditions changed)"
    return line


def diff_text(diff: dict[str, Any]) -> str:
    """Plain lines, stable for golden files."""
    lines = [f"added ({len(diff['added'])}): {', '.join(diff['added']) or '-'}"]
    lines.append(f"removed ({len(diff['removed'])}): {', '.join(diff['removed']) or '-'}")
    lines.append(f"changed ({len(diff['changed'])}):")
    lines.extend(f"  {c['id']}: {', '.join(c['fields'])}" for c in diff["changed"])
    lines.append(f"verdicts that change ({len(diff['verdicts'])}):")
    for change in diff["verdicts"]:
        lines.append(f"  {_verdict_line(change)}")
        lines.extend(f"    because {reason}" for reason in change["because"])
    return "\n".join(safe_line(line) for line in lines) + "\n"


def _cell(text: str) -> str:
    return safe_line(text).replace("|", "\\|")


def diff_markdown(diff: dict[str, Any]) -> str:
    """For a pull request: the step summary or a comment."""
    counts = (
        f"{len(diff['added'])} added, {len(diff['removed'])} removed, {len(diff['changed'])} changed, "
        f"{len(diff['verdicts'])} verdict(s) change"
    )
    out = [f"### llmcat diff: {counts}", ""]
    if diff["verdicts"]:
        out += [
            "**Commercial-use verdicts that change**",
            "",
            "| entry | before | after | because |",
            "|---|---|---|---|",
        ]
        for change in diff["verdicts"]:
            before, after = change["before"], change["after"]
            out.append(
                f"| `{_cell(change['id'])}` | {_side(before)} | {_side(after)} | "
                f"{'<br>'.join(_cell(r) for r in change['because'])} |"
            )
        out.append("")
    for title, ids in (("Added", diff["added"]), ("Removed", diff["removed"])):
        if ids:
            out += [f"**{title}**: {', '.join(f'`{_cell(i)}`' for i in ids)}", ""]
    if diff["changed"]:
        out += ["**Changed**", ""]
        out += [f"- `{_cell(c['id'])}`: {', '.join(_cell(f) for f in c['fields'])}" for c in diff["changed"]]
        out.append("")
    if not (diff["added"] or diff["removed"] or diff["changed"]):
        out += ["No catalog entry changed.", ""]
    return "\n".join(out)


def _side(side: dict[str, str]) -> str:
    if side["declared"] == side["effective"]:
        return side["effective"]
    return f"{side['effective']} (declared {side['declared']})"


DIFF_FORMATS: dict[str, Callable[[dict[str, Any]], str]] = {
    "text": diff_text,
    "markdown": diff_markdown,
    "json": dump_json,
}


def show_diff(diff: dict[str, Any], fmt: str) -> None:
    write(DIFF_FORMATS[fmt](diff))


# --- watch -----------------------------------------------------------------------------


def _count(value: Any) -> str:
    return "?" if value is None else f"{value:,}"


def watch_text(report: dict[str, Any]) -> str:
    """The candidates; failed listings go to stderr (the CLI says them)."""
    lines = []
    for c in report["candidates"]:
        created = (c["created"] or "?")[:10]
        lines.append(f"{created}  {c['id']}  license {c['license'] or '?'}  {_count(c['downloads'])} downloads")
    lines.append(f"{len(report['candidates'])} repositories without an entry, of {len(report['orgs'])} organization(s)")
    return "\n".join(safe_line(line) for line in lines) + "\n"


def watch_markdown(report: dict[str, Any]) -> str:
    out = [
        f"### llmcat watch: {len(report['candidates'])} Hub repositories without a catalog entry",
        "",
        f"Organizations: {', '.join(_cell(o) for o in report['orgs']) or '-'}",
        "",
    ]
    if report["candidates"]:
        out += ["| created | repository | license | downloads | draft |", "|---|---|---|---|---|"]
        for c in report["candidates"]:
            out.append(
                f"| {_cell((c['created'] or '?')[:10])} | `{_cell(c['id'])}` | {_cell(c['license'] or '?')} | "
                f"{_count(c['downloads'])} | `llmcat draft {_cell(c['id'])}` |"
            )
        out.append("")
    for error in report["errors"]:
        out += [f"- could not list `{_cell(error['org'])}`: {_cell(error['detail'])}"]
    return "\n".join(out) + "\n"


WATCH_FORMATS: dict[str, Callable[[dict[str, Any]], str]] = {
    "text": watch_text,
    "markdown": watch_markdown,
    "json": dump_json,
}


def show_watch(report: dict[str, Any], fmt: str) -> None:
    write(WATCH_FORMATS[fmt](report))
