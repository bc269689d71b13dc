"""Reporters and shared rendering helpers. With the cli package, the only user of rich.

Text that comes from catalog files is untrusted: it is never parsed as rich markup, and
control characters (terminal escape sequences, bidi overrides) are shown escaped.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.text import Text

from llmcat.problems import Problem, Report
from llmcat.safetext import has_unsafe, safe


def safe_line(text: object) -> str:
    return safe(str(text).replace("\n", " ").replace("\t", " "))


def plain(text: object, style: str = "") -> Text:
    """A rich Text that shows ``text`` literally (no markup)."""
    return Text(safe(text), style=style)


def stdout_console() -> Console:
    return Console(highlight=False, soft_wrap=False, emoji=False)


def stderr_console() -> Console:
    return Console(stderr=True, highlight=False, emoji=False)


def stream_is_unicode(stream: Any = None) -> bool:
    """Whether a stream (stdout by default) can carry any character: a UTF encoding. Where it
    cannot (gbk, latin-1, ascii, the C locale), JSON and YAML output escape non-ASCII text in
    their own syntax, so that the document stays valid; other text is written with
    ``errors="backslashreplace"`` (set up in `llmcat.__main__`)."""
    import codecs

    encoding = getattr(stream or sys.stdout, "encoding", None) or "utf-8"
    try:
        return codecs.lookup(encoding).name.startswith("utf")
    except LookupError:
        return False


def dump_json(data: Any) -> str:
    import json  # only JSON output needs it; a text query never loads it

    # JSON strings are the only place a non-ASCII or control character can be, and ``\\uXXXX``
    # is how JSON writes one: escaping what json leaves raw (DEL, C1, bidi, zero-width) keeps the
    # data exact and the terminal safe.
    return safe(json.dumps(data, ensure_ascii=not stream_is_unicode(), indent=2))


def json_line(text: str, unicode: bool) -> str:
    """Compact JSON text, its control characters already escaped as in `dump_json`
    (`Hit.json_text`), made fit for output: non-ASCII escaped where the stream cannot carry it
    (``unicode`` False; json's ASCII output escapes every control character itself)."""
    if not unicode and not text.isascii():
        import json

        text = json.dumps(json.loads(text), ensure_ascii=True, separators=(",", ":"))
    return text


def dump_yaml(data: Any) -> str:
    """YAML of plain data; non-ASCII text is escaped (``"\\u4E2D"``) where the stream cannot carry
    it, or where the text holds a character that must not reach a terminal raw."""
    from llmcat.yamlio import dump

    text = dump(data, unicode=stream_is_unicode())
    return dump(data, unicode=False) if has_unsafe(text) else text


def write(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


# --- validation reporters -------------------------------------------------------------


def _escape_github(value: str, *, prop: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        value = value.replace(":", "%3A").replace(",", "%2C")
    return value


def report_text(report: Report, strict: bool) -> None:
    for problem in report.problems:
        write(safe_line(problem.format()))
    _summary(report, strict)


def report_github(report: Report, strict: bool) -> None:
    for p in report.problems:
        level = "error" if p.severity == "error" or strict else "warning"
        props = f"file={_escape_github(p.path, prop=True)},line={p.line},col={p.column}"
        title = _escape_github(f"{p.code} {p.field}".strip(), prop=True)
        message = _escape_github(safe(f"{p.field}: {p.message}" if p.field else p.message))
        write(f"::{level} {props},title={title}::{message}")
    _summary(report, strict)


def report_json(report: Report, strict: bool) -> None:
    write(
        dump_json(
            {
                "status": report.status(strict),
                "checked": report.checked,
                "errors": len(report.errors) + report.omitted,
                "errors_not_shown": report.omitted,
                "warnings": len(report.warnings),
                "problems": [p.to_json() for p in report.problems],
            }
        )
    )


def _summary(report: Report, strict: bool) -> None:
    errors, warnings = len(report.errors) + report.omitted, len(report.warnings)
    verdict = "FAILED" if report.status(strict) == "fail" else "ok"
    stderr_console().print(
        Text(
            f"{verdict}: checked {report.checked} file(s): {errors} error(s), {warnings} warning(s)"
            + (f"; {report.omitted} error(s) not shown (--max-errors)" if report.omitted else "")
        ),
        style="red" if verdict == "FAILED" else "green",
    )


REPORTERS: dict[str, Callable[[Report, bool], None]] = {
    "text": report_text,
    "json": report_json,
    "github": report_github,
}


def pick_format(name: str) -> str:
    if name == "auto":
        return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    return name


def error(message: str) -> None:
    stderr_console().print(Text("error: ", style="bold red") + Text(safe(message)))


def note(message: str) -> None:
    stderr_console().print(Text(safe(message), style="dim"))


def problem_lines(problems: list[Problem]) -> str:
    return "\n".join(safe_line(p.format()) for p in problems)
