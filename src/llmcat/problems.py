"""Problem records and the errors a user can see. No I/O."""

from __future__ import annotations

import re
from typing import Any, Literal, NamedTuple

Severity = Literal["error", "warning"]

VALUE_WIDTH = 80  # a value quoted in a message is cut to this many characters
_LONG_VALUE = re.compile(rf"'[^'\n]{{{VALUE_WIDTH + 1},}}'|[^\s']{{{VALUE_WIDTH + 1},}}")


def cut_values(message: str) -> str:
    """A message with each long value in it ('quoted', or a run without spaces: a huge number)
    cut to VALUE_WIDTH characters and an ellipsis: a 900 KB value must not make a 900 KB
    message."""
    return _LONG_VALUE.sub(_cut, message)


def _cut(match: re.Match[str]) -> str:
    value = match.group()
    if value.startswith("'"):
        return value[:VALUE_WIDTH] + "…'"
    return value[: VALUE_WIDTH - 1] + "…"


# Value types here and in the query path are NamedTuples or plain classes, not dataclasses:
# every query imports them, and building a dataclass costs ~0.5 ms of start-up each.


class Problem(NamedTuple):
    """One finding, reported as ``path:line:col: field: message [code]``."""

    path: str
    line: int
    column: int
    field: str
    message: str
    code: str
    severity: Severity = "error"

    def format(self) -> str:
        where = f"{self.path}:{self.line}:{self.column}"
        head = f"{where}: {self.field}: " if self.field else f"{where}: "
        tail = "" if self.severity == "error" else f" ({self.severity})"
        return f"{head}{cut_values(self.message)} [{self.code}]{tail}"

    def to_json(self) -> dict[str, Any]:
        return {**self._asdict(), "message": cut_values(self.message)}


class Report:
    """What a validation run found."""

    def __init__(self, checked: int = 0, problems: list[Problem] | None = None) -> None:
        self.checked = checked
        self.problems: list[Problem] = problems if problems is not None else []
        self.omitted = 0  # errors left out of ``problems`` by a limit (`--max-errors`)

    def limit_errors(self, most: int) -> None:
        """Keep the first ``most`` errors (and every warning); count the rest as omitted."""
        errors = self.errors
        if len(errors) > most:
            dropped = set(map(id, errors[most:]))
            self.problems = [p for p in self.problems if id(p) not in dropped]
            self.omitted = len(dropped)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def status(self, strict: bool = False) -> str:
        if self.errors or (strict and self.warnings):
            return "fail"
        return "pass"


class LlmcatError(Exception):
    """An expected failure the CLI reports as ``error: ...`` with exit code 1."""

    exit_code = 1


class UsageError(LlmcatError):
    """A bad option value the CLI could not catch itself (exit code 2)."""

    exit_code = 2
