"""`llmcat diff`: two catalog folders, or two revisions of a git repository; the verdict paths are golden."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import GOLDEN, Result, update_golden

Run = Callable[..., Result]
CASE = GOLDEN / "diff"


def _apply_change(root: Path) -> None:
    """The change under review: base-7b's license becomes apache-2.0, old-7b goes, new-7b comes."""
    shutil.copytree(CASE / "change", root, dirs_exist_ok=True)
    (root / "models" / "old-7b.yaml").unlink()


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository with two commits: the catalog before and after the change."""
    root = tmp_path / "repo"
    shutil.copytree(CASE / "before", root / "catalog")
    _git(tmp_path, "init", "-q", str(root))
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "before")
    _apply_change(root / "catalog")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "after")
    return root


def _golden(name: str, got: str) -> None:
    path = CASE / name
    if update_golden():
        path.write_text(got, encoding="utf-8")
    assert got == path.read_text(encoding="utf-8")


def test_two_folders_report_the_verdict_path_of_every_descendant(run: Run, tmp_path: Path) -> None:
    after = tmp_path / "after"
    shutil.copytree(CASE / "before", after)
    _apply_change(after)
    result = run("diff", str(CASE / "before"), str(after))
    assert result.exit_code == 0, result
    _golden("expected.txt", result.stdout)
    assert "chat-7b-zh -> chat-7b -> base-7b: base-7b's weights license changed" in result.stdout


def test_two_git_revisions_give_the_same_report_as_two_folders(run: Run, repo: Path) -> None:
    result = run("diff", "HEAD~1", "HEAD", "--catalog", str(repo / "catalog"))
    assert result.exit_code == 0, result
    assert result.stdout == (CASE / "expected.txt").read_text(encoding="utf-8")


def test_head_defaults_to_the_working_tree_which_is_left_untouched(run: Run, repo: Path) -> None:
    (repo / "catalog" / "licenses" / "research-only.yaml").write_text(
        (CASE / "before" / "licenses" / "research-only.yaml").read_text().replace("commercial: no", "commercial: yes"),
        encoding="utf-8",
    )
    status = _git(repo, "status", "--porcelain")
    result = run("diff", "HEAD", "--catalog", str(repo / "catalog"), "--json")
    assert result.exit_code == 0, result
    data = json.loads(result.stdout)
    assert data["changed"] == [{"id": "research-only", "fields": ["commercial"]}]
    assert data["added"] == [] and data["removed"] == [] and data["verdicts"] == []  # nothing uses it now
    assert _git(repo, "status", "--porcelain") == status


def test_json_has_the_documented_shape(run: Run, repo: Path) -> None:
    result = run("diff", "HEAD~1", "HEAD", "--catalog", str(repo / "catalog"), "--format", "json")
    data = json.loads(result.stdout)
    assert set(data) == {"added", "removed", "changed", "verdicts"}
    assert data["added"] == ["new-7b"] and data["removed"] == ["old-7b"]
    assert data["changed"] == [{"id": "base-7b", "fields": ["license.weights", "params"]}]
    chat = next(v for v in data["verdicts"] if v["id"] == "chat-7b")
    assert chat["before"] == {"declared": "yes", "effective": "no"}
    assert chat["after"] == {"declared": "yes", "effective": "yes"}
    assert chat["because"] == [
        "chat-7b -> base-7b: base-7b's weights license changed from 'research-only' (no) to 'apache-2.0' (yes)"
    ]


def test_markdown_is_a_pull_request_summary(run: Run, repo: Path) -> None:
    result = run("diff", "HEAD~1", "HEAD", "--catalog", str(repo / "catalog"), "--format", "markdown")
    assert result.exit_code == 0, result
    _golden("expected.md", result.stdout)
    assert "| `chat-7b` | no (declared yes) | yes |" in result.stdout


def test_a_license_record_changed_in_place_is_named_as_the_cause(run: Run, tmp_path: Path) -> None:
    after = tmp_path / "after"
    shutil.copytree(CASE / "before", after)
    lic = after / "licenses" / "research-only.yaml"
    lic.write_text(lic.read_text().replace("commercial: no", "commercial: yes"), encoding="utf-8")
    data = json.loads(run("diff", str(CASE / "before"), str(after), "--json").stdout)
    chat = next(v for v in data["verdicts"] if v["id"] == "chat-7b-zh")
    assert chat["because"] == [
        "chat-7b-zh -> chat-7b -> base-7b: base-7b's weights license 'research-only' changed its commercial status "
        "from no to yes"
    ]


def test_a_changed_base_model_is_named_with_the_new_base_status(run: Run, tmp_path: Path) -> None:
    after = tmp_path / "after"
    shutil.copytree(CASE / "before", after)
    chat = after / "models" / "chat-7b.yaml"
    chat.write_text(chat.read_text().replace("base_model: base-7b", "base_model: old-7b"), encoding="utf-8")
    data = json.loads(run("diff", str(CASE / "before"), str(after), "--json").stdout)
    got = {v["id"]: v["because"] for v in data["verdicts"]}
    assert got["chat-7b"] == [
        "chat-7b's base_model gained old-7b (effective yes)",
        "chat-7b's base_model lost base-7b (effective no)",
    ]


def test_a_file_that_stops_validating_is_not_reported_as_removed(run: Run, tmp_path: Path) -> None:
    after = tmp_path / "after"
    shutil.copytree(CASE / "before", after)
    (after / "models" / "old-7b.yaml").write_text("id: old-7b\nkind: model\n", encoding="utf-8")
    result = run("diff", str(CASE / "before"), str(after), "--json")
    assert json.loads(result.stdout)["removed"] == []
    assert "after: 1 file(s) do not validate and are left out: old-7b" in result.stderr


def test_a_bad_revision_is_a_clear_error(run: Run, repo: Path) -> None:
    result = run("diff", "no-such-branch", "--catalog", str(repo / "catalog"))
    assert result.exit_code == 1, result
    assert "'no-such-branch' is neither a catalog folder nor a git revision" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_option_looking_revision_is_refused(run: Run, repo: Path) -> None:
    result = run("diff", "--catalog", str(repo / "catalog"), "--", "--output=/tmp/x")
    assert result.exit_code == 1, result
    assert "is not a revision" in result.stderr


def test_a_revision_outside_a_git_repository_is_a_clear_error(run: Run, tmp_path: Path) -> None:
    shutil.copytree(CASE / "before", tmp_path / "plain")
    result = run("diff", "HEAD", "--catalog", str(tmp_path / "plain"))
    assert result.exit_code == 1, result
    assert "is not inside a git repository" in result.stderr
