from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import typer
import typer.testing
from typer.testing import CliRunner

from llmcat.cli import load_commands

app = load_commands()
# typer turns every command's signature into click options on each invocation (~20 ms, most
# of a test's time); the tests build the click command once and invoke that.
COMMAND = typer.main.get_command(app)
_build_command = typer.testing._get_command
typer.testing._get_command = lambda typer_app: COMMAND if typer_app is app else _build_command(typer_app)

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT / "catalog"
GOLDEN = Path(__file__).parent / "golden"


class Result:
    def __init__(self, exit_code: int, stdout: str, stderr: str) -> None:
        self.exit_code = exit_code
        self.stdout = stdout
        self.stderr = stderr

    def __repr__(self) -> str:
        return f"exit {self.exit_code}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("LLMCAT_CATALOG", raising=False)
    monkeypatch.setenv("LLMCAT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "160")
    monkeypatch.setenv("LANG", "C.UTF-8")
    for name in ("LC_ALL", "LC_MESSAGES", "HF_TOKEN", "HF_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def run() -> Callable[..., Result]:
    """Run the CLI in-process with a fixed terminal; stdout and stderr kept apart."""

    def _run(*args: str, env: dict[str, str] | None = None) -> Result:
        runner = CliRunner()
        result = runner.invoke(app, list(args), env={"COLUMNS": "160", "NO_COLOR": "1", **(env or {})})
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Result(result.exit_code, result.stdout, result.stderr)

    return _run


@pytest.fixture
def mini_catalog(tmp_path: Path) -> Callable[[str | None], Path]:
    """A copy of tests/golden/base, with a golden case's files laid over it."""

    def _make(case: str | None = None) -> Path:
        root = tmp_path / "catalog"
        if root.exists():
            shutil.rmtree(root)
        shutil.copytree(GOLDEN / "base", root)
        if case:
            shutil.copytree(
                GOLDEN / "cases" / case, root, dirs_exist_ok=True, ignore=shutil.ignore_patterns("expected.txt")
            )
        return root

    return _make


def update_golden() -> bool:
    return os.environ.get("LLMCAT_UPDATE_GOLDEN") == "1"


Hub = tuple[str, list[tuple[str, str | None]]]  # the fake Hub's address and the requests it saw


@pytest.fixture
def hub() -> Iterator[Hub]:
    from tests.fakehub import fake_hub

    with fake_hub() as running:
        yield running


@pytest.fixture
def hub_catalog(tmp_path: Path) -> Path:
    """The golden base catalog, its model linked to a repository of the fake Hub."""
    root = tmp_path / "catalog"
    shutil.copytree(GOLDEN / "base", root)
    with (root / "models" / "base-7b.yaml").open("a", encoding="utf-8") as f:
        f.write("links:\n  huggingface: org/base-7b\n")
    return root
