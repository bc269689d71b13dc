"""Sources record when they were last checked; `validate --stale AGE` warns on old and unrecorded ones."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from llmcat.validate import parse_age, stale_sources, validate_catalog
from tests.conftest import Result

Run = Callable[..., Result]
MODEL = Path("models") / "base-7b.yaml"


def _with_checked(root: Path, *dates: str | None) -> None:
    """base-7b's sources: one per date (None: no checked field)."""
    text = (root / MODEL).read_text(encoding="utf-8").split("sources:")[0] + "sources:\n"
    for i, date in enumerate(dates):
        text += f"  - url: https://example.org/base-7b/{i}\n    primary: true\n    about: [params, license]\n"
        if date:
            text += f"    checked: {date}\n"
    (root / MODEL).write_text(text, encoding="utf-8")


def test_old_and_unrecorded_sources_are_warned_about_recent_ones_not(
    mini_catalog: Callable[[str | None], Path],
) -> None:
    root = mini_catalog(None)
    _with_checked(root, "2024-06-01", "2025-06-02", None, "2026-01-01")
    rule = stale_sources(365, dt.date(2025, 12, 1))
    report, _ = validate_catalog(root, extra_rules=[rule])
    mine = [p for p in report.problems if p.path.endswith("base-7b.yaml")]
    assert [(p.field, p.code, p.severity) for p in mine] == [
        ("sources[0].checked", "stale-source", "warning"),
        ("sources[2]", "stale-source", "warning"),
        ("sources[3].checked", "stale-source", "warning"),
    ]
    assert "last checked 2024-06-01, 548 days ago (more than 365)" in mine[0].message
    assert "never recorded" in mine[1].message
    assert "in the future" in mine[2].message


def test_without_stale_a_missing_checked_date_is_fine(run: Run, mini_catalog: Callable[[str | None], Path]) -> None:
    root = mini_catalog(None)
    result = run("validate", "--catalog", str(root), "--strict")
    assert result.exit_code == 0, result


def test_validate_stale_on_the_command_line(run: Run, mini_catalog: Callable[[str | None], Path]) -> None:
    root = mini_catalog(None)
    today = dt.date.today().isoformat()
    _with_checked(root, "2000-01-03", today)
    result = run("validate", "--catalog", str(root), "--stale", "52w", "--format", "text")
    assert result.exit_code == 0, result  # warnings only
    lines = [line for line in result.stdout.splitlines() if "base-7b" in line]
    assert len(lines) == 1 and "sources[0].checked: source last checked 2000-01-03" in lines[0], result
    assert run("validate", "--catalog", str(root), "--stale", "52w", "--strict").exit_code == 1


def test_a_checked_date_needs_the_day(run: Run, mini_catalog: Callable[[str | None], Path]) -> None:
    root = mini_catalog(None)
    _with_checked(root, "2024-05")
    result = run("validate", "--catalog", str(root), "--format", "text")
    assert result.exit_code == 1, result
    assert "sources[0].checked: '2024-05' needs the day: write YYYY-MM-DD [bad-date]" in result.stdout


@pytest.mark.parametrize(("text", "days"), [("365d", 365), ("52w", 364), ("1y", 365), (" 30d ", 30)])
def test_ages(text: str, days: int) -> None:
    assert parse_age(text) == days


def test_a_bad_age_is_a_usage_error(run: Run, mini_catalog: Callable[[str | None], Path]) -> None:
    result = run("validate", "--catalog", str(mini_catalog(None)), "--stale", "12m")
    assert result.exit_code == 2 and "not an age; write e.g. 365d, 52w or 1y" in result.stderr, result
