"""Ordinary filesystem states in a catalog folder: symlinks, special files, unreadable
folders, wrong paths. Each is a clear problem or error, never a traceback or a hang."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from llmcat.discover import discover
from tests.conftest import ROOT, Result

Run = Callable[..., Result]
MakeCatalog = Callable[[str | None], Path]


def _codes(run: Run, root: Path) -> list[tuple[str, str]]:
    result = run("validate", "--catalog", str(root), "--format", "json")
    assert "Traceback" not in result.stderr, result
    return [(p["path"], p["code"]) for p in json.loads(result.stdout)["problems"]]


def test_a_symlinked_file_is_a_problem_and_is_never_read(run: Run, mini_catalog: MakeCatalog) -> None:
    root = mini_catalog(None)
    (root / "models" / "passwd.yaml").symlink_to("/etc/passwd")
    assert ("catalog/models/passwd.yaml", "symlink") in _codes(run, root)
    result = run("search", "--catalog", str(root))
    assert result.exit_code == 1 and "symlink" in result.stderr and "root:" not in result.stderr + result.stdout


def test_a_symlinked_folder_loop_and_a_dangling_link_are_problems(run: Run, mini_catalog: MakeCatalog) -> None:
    root = mini_catalog(None)
    (root / "models" / "loop").symlink_to(root / "models")
    (root / "datasets" / "gone.yaml").symlink_to(root / "nowhere.yaml")
    codes = _codes(run, root)
    assert ("catalog/models/loop", "symlink") in codes and ("catalog/datasets/gone.yaml", "symlink") in codes
    for args in (["search"], ["show", "base-7b"], ["why", "base-7b"]):
        result = run(*args, "--catalog", str(root))
        assert result.exit_code == 1 and "llmcat validate" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_named_yaml_never_hangs_validate_or_search(run: Run, mini_catalog: MakeCatalog) -> None:
    root = mini_catalog(None)
    os.mkfifo(root / "models" / "pipe.yaml")  # opening it for reading would block forever
    assert ("catalog/models/pipe.yaml", "special-file") in _codes(run, root)
    assert run("search", "--catalog", str(root)).exit_code == 1


def test_an_unreadable_folder_is_a_problem(
    run: Run, mini_catalog: MakeCatalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = mini_catalog(None)
    locked = root / "models" / "locked"
    locked.mkdir()
    listdir = os.listdir

    def refusing(path: str | os.PathLike[str] = ".") -> list[str]:
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return listdir(path)

    monkeypatch.setattr(os, "listdir", refusing)  # chmod 0 does not stop root
    assert ("catalog/models/locked", "unreadable") in _codes(run, root)
    result = run("search", "--catalog", str(root))
    assert result.exit_code == 1 and "Permission denied" in result.stderr and "Traceback" not in result.stderr


def test_discovery_lists_regular_yaml_files_with_their_stamps(mini_catalog: MakeCatalog) -> None:
    root = mini_catalog(None)
    (root / ".git").mkdir()
    (root / ".git" / "x.yaml").write_text("hidden", encoding="utf-8")
    (root / "models" / "README.md").write_text("not an entry", encoding="utf-8")
    found = discover(root)
    assert found.problems == []
    assert [f.relative for f in found.files] == sorted(
        str(p.relative_to(root)) for p in root.glob("*/*.yaml") if not p.parent.name.startswith(".")
    )
    assert all(f.size == (root / f.relative).stat().st_size for f in found.files)


def test_the_key_counts_entry_files_only_whichever_way_a_folder_is_walked(mini_catalog: MakeCatalog) -> None:
    # A folder of YAML files only is read as columns; one with anything else, file by file.
    from llmcat.freshness import fingerprint

    root = mini_catalog(None)
    before = fingerprint(discover(root)).key
    (root / "models" / "README.md").write_text("notes for contributors", encoding="utf-8")
    assert fingerprint(discover(root)).key == before
    entry = root / "models" / "base-7b.yaml"
    stamp = entry.stat()
    os.utime(entry, ns=(stamp.st_atime_ns, stamp.st_mtime_ns + 1))
    assert fingerprint(discover(root)).key != before


def test_validate_a_path_that_does_not_exist_or_lies_outside_is_an_error(
    run: Run, mini_catalog: MakeCatalog, tmp_path: Path
) -> None:
    root = mini_catalog(None)
    missing = run("validate", "--catalog", str(root), str(root / "models" / "nope.yaml"))
    assert missing.exit_code == 2 and "does not exist" in missing.stderr, missing
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text("id: x", encoding="utf-8")
    result = run("validate", "--catalog", str(root), str(outside))
    assert result.exit_code == 2 and "outside the catalog folder" in result.stderr, result
    inside = run("validate", "--catalog", str(root), str(root / "models" / "base-7b.yaml"))
    assert inside.exit_code == 0, inside


def test_validate_a_folder_reports_on_the_files_in_it(run: Run, mini_catalog: MakeCatalog) -> None:
    root = mini_catalog("cycle")
    every = run("validate", "--catalog", str(root), "--format", "json")
    models = run("validate", "--catalog", str(root), str(root / "models"), "--format", "json")
    assert json.loads(models.stdout)["problems"] and json.loads(models.stdout)["problems"] == [
        p for p in json.loads(every.stdout)["problems"] if p["path"].startswith("catalog/models/")
    ]


@pytest.mark.parametrize("folder", [ROOT, ROOT / "src"])
def test_a_catalog_folder_without_entries_is_an_error_with_a_hint(run: Run, folder: Path) -> None:
    for args in (["validate"], ["search"]):
        result = run(*args, "--catalog", str(folder))
        assert result.exit_code == 1 and "holds no catalog entries" in result.stderr, result
    if folder == ROOT:
        assert f"did you mean {ROOT / 'catalog'}?" in run("validate", "--catalog", str(folder)).stderr


def test_max_errors_shows_that_many_and_counts_them_all(run: Run, mini_catalog: MakeCatalog) -> None:
    root = mini_catalog(None)
    for number in range(4):
        (root / "models" / f"broken-{number}.yaml").write_text("id: [", encoding="utf-8")
    full = json.loads(run("validate", "--catalog", str(root), "--format", "json").stdout)
    limited = run("validate", "--catalog", str(root), "--format", "json", "--max-errors", "2")
    data = json.loads(limited.stdout)
    assert limited.exit_code == 1 and full["errors"] == data["errors"] >= 4
    assert len([p for p in data["problems"] if p["severity"] == "error"]) == 2
    assert data["errors_not_shown"] == full["errors"] - 2
    text = run("validate", "--catalog", str(root), "--max-errors", "1")
    assert "not shown (--max-errors)" in text.stderr and len(text.stdout.splitlines()) == 1


@pytest.fixture
def sixty_entries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, list[str], Any]:
    """A folder of 60 entries, its names, and their columns stat-ed in one process; from here
    on, folders of 10 names or more are split over two (pytest may run threads of its own)."""
    from llmcat import discover as walker

    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(60):
        (folder / f"entry-{i:03d}.yaml").write_text("x" * i, encoding="utf-8")
    names = sorted(os.listdir(folder))
    alone = walker._stamp_columns(str(folder), names)
    monkeypatch.setattr(walker, "FORK_FROM", 10)
    monkeypatch.setattr(walker, "_may_fork", lambda: True)
    return str(folder), names, alone


def test_a_large_folder_is_stat_ed_in_two_processes_with_the_same_stamps(
    sixty_entries: tuple[str, list[str], Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from llmcat import discover as walker

    folder, names, alone = sixty_entries
    forks: list[int] = []
    real_fork = os.fork

    def counted_fork() -> int:
        forks.append(1)
        return real_fork()

    monkeypatch.setattr(os, "fork", counted_fork)
    assert walker._stamp_columns(folder, names) == alone and forks == [1]
    assert alone is not None and list(alone[1]) == list(range(60))


def test_a_child_that_cannot_stat_its_half_leaves_it_to_the_parent(
    sixty_entries: tuple[str, list[str], Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from llmcat import discover as walker

    folder, names, alone = sixty_entries
    parent, real_columns = os.getpid(), walker._columns
    monkeypatch.setattr(walker, "_columns", lambda fd, part: real_columns(fd, part) if os.getpid() == parent else None)
    assert walker._stamp_columns(folder, names) == alone
