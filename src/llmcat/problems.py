"""Problem records and the errors a user can see. No I/O."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Problem:
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
        return f"{head}{self.message} [{self.code}]{tail}"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Report:
    """What a validation run found."""

    checked: int = 0
    problems: list[Problem] = field(default_factory=list)

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
