"""Golden files: each invalid input has its exact expected `llmcat validate` text output.

Regenerate with `LLMCAT_UPDATE_GOLDEN=1 pytest tests/test_golden.py` and read the diff.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import GOLDEN, update_golden

CASES = sorted(p.name for p in (GOLDEN / "cases").iterdir() if p.is_dir())
GENERATED = ["oversized-file"]


def _write_oversized(root: Path) -> None:
    text = "id: huge\nkind: model\nname: Huge\nnotes: |\n" + ("  " + "x" * 78 + "\n") * 14000
    (root / "models" / "huge.yaml").write_text(text, encoding="utf-8")


def _check(run: Callable[..., object], root: Path, expected_file: Path) -> None:
    result = run("validate", "--catalog", str(root), "--format", "text")
    got = result.stdout  # type: ignore[attr-defined]
    if update_golden():
        expected_file.write_text(got, encoding="utf-8")
    expected = expected_file.read_text(encoding="utf-8")
    assert got == expected, result
    has_errors = any("(warning)" not in line for line in got.splitlines())
    assert result.exit_code == (1 if has_errors else 0), result  # type: ignore[attr-defined]


@pytest.mark.parametrize("case", CASES)
def test_golden_case(case: str, run: Callable[..., object], mini_catalog: Callable[[str | None], Path]) -> None:
    _check(run, mini_catalog(case), GOLDEN / "cases" / case / "expected.txt")


def test_oversized_file_is_a_problem_not_a_crash(
    run: Callable[..., object], mini_catalog: Callable[[str | None], Path]
) -> None:
    root = mini_catalog(None)
    _write_oversized(root)
    _check(run, root, GOLDEN / "oversized-file.expected.txt")


def test_base_catalog_is_clean(run: Callable[..., object], mini_catalog: Callable[[str | None], Path]) -> None:
    result = run("validate", "--catalog", str(mini_catalog(None)))
    assert result.exit_code == 0, result  # type: ignore[attr-defined]
    assert result.stdout == ""  # type: ignore[attr-defined]


def test_parallel_validation_reports_exactly_what_serial_does(mini_catalog: Callable[[str | None], Path]) -> None:
    from llmcat.validate import validate_catalog

    root = mini_catalog("dangling-reference")
    for case in ("bad-id", "duplicate-key", "inherited-restriction", "unknown-field"):
        shutil.copytree(
            GOLDEN / "cases" / case, root, dirs_exist_ok=True, ignore=shutil.ignore_patterns("expected.txt")
        )
    serial, serial_catalog = validate_catalog(root, jobs=1)
    parallel, parallel_catalog = validate_catalog(root, jobs=2)
    assert parallel.problems == serial.problems and parallel.checked == serial.checked
    assert parallel_catalog.records == serial_catalog.records
