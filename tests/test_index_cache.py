"""The compiled index: reused when nothing changed, rebuilt on any change or damage."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from llmcat import index, query
from llmcat.fsutil import cache_dir
from llmcat.problems import LlmcatError
from tests.conftest import CATALOG, ROOT, Result


def _cache_files(suffix: str = index.META) -> list[Path]:
    return sorted(cache_dir().glob(f"index-*{suffix}"))


def test_second_load_reads_the_cache(
    mini_catalog: Callable[[str | None], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = mini_catalog(None)
    first = index.load(root)
    assert len(_cache_files()) == 1

    def no_build(_: Path) -> None:
        raise AssertionError("rebuilt although nothing changed")

    monkeypatch.setattr(index, "build", no_build)
    warm = index.load(root)
    assert warm.columns is not None
    assert dict(warm.records.items()) == dict(first.records.items())


def test_an_edit_invalidates_the_cache(mini_catalog: Callable[[str | None], Path]) -> None:
    root = mini_catalog(None)
    index.load(root)
    path = root / "models" / "base-7b.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("Base-7B", "Base-7B v2"), encoding="utf-8")
    os.utime(path, ns=(1, 1))
    assert index.load(root).records["base-7b"]["name"] == "Base-7B v2"
    assert len(_cache_files()) == 1  # the stale index was removed


@pytest.mark.parametrize("damaged", [index.META, index.DATA, index.RECORDS])
def test_a_damaged_cache_is_rebuilt(damaged: str, mini_catalog: Callable[[str | None], Path]) -> None:
    root = mini_catalog(None)
    index.load(root)
    target = _cache_files(damaged)[0]
    target.write_bytes(target.read_bytes()[: len(target.read_bytes()) // 2])
    assert index.load(root).records["base-7b"]["name"] == "Base-7B"
    meta = index.decode_meta(_cache_files()[0].read_bytes())
    assert meta is not None and meta["format"] == index.FORMAT


def test_an_invalid_catalog_is_never_cached(mini_catalog: Callable[[str | None], Path]) -> None:
    with pytest.raises(LlmcatError):
        index.load(mini_catalog("cycle"))
    assert _cache_files() == []


def test_no_cache_bypasses_it(mini_catalog: Callable[[str | None], Path]) -> None:
    index.load(mini_catalog(None), use_cache=False)
    assert _cache_files() == []


QUERIES = [
    query.Query(),
    query.Query(langs=["zh"], commercial=True),
    query.Query(text="骆驼"),
    query.Query(kinds=["dataset"], no_conditions=True, sort="name"),
    query.Query(family="pythia", params=(1_000_000_000, 7_000_000_000), sort="params"),
    query.Query(license="apache-2.0", tag="chat", sort="released", limit=5),
    query.Query(org="eleuther", status="available"),
]


@pytest.mark.parametrize("q", QUERIES, ids=range(len(QUERIES)))
def test_index_columns_answer_exactly_as_the_records_do(q: query.Query) -> None:
    cold = index.load(CATALOG, use_cache=False)
    index.load(CATALOG)  # writes the index
    warm = index.load(CATALOG)
    assert warm.columns is not None and cold.columns is None
    assert [h.to_json() for h in query.search(warm, q)] == [h.to_json() for h in query.search(cold, q)]


HEAVY = ("yaml", "pydantic", "llmcat.models", "llmcat.validate", "httpx")
# What a text query need not load at all: each costs start-up time on every run.
NOT_FOR_TEXT = ("json", "hashlib", "csv", "tempfile", "rich.tree")


@pytest.mark.parametrize(
    ("args", "unwanted"),
    [
        (["search", "--lang", "zh", "--commercial", "--json"], HEAVY),
        (["search", "--lang", "zh", "--commercial"], HEAVY + NOT_FOR_TEXT),
        (["show", "chatglm-6b"], HEAVY + NOT_FOR_TEXT),
        (["why", "alpaca-7b"], HEAVY + tuple(m for m in NOT_FOR_TEXT if m != "rich.tree")),  # why draws one
        (["fit", "--vram", "8"], HEAVY + NOT_FOR_TEXT),
    ],
    ids=["search-json", "search", "show", "why", "fit"],
)
def test_warm_queries_import_only_what_they_need(tmp_path: Path, args: list[str], unwanted: tuple[str, ...]) -> None:
    env = {**os.environ, "LLMCAT_CACHE_DIR": str(tmp_path / "cache")}
    script = (
        "import sys; from llmcat.cli import main\n"
        f"sys.argv = ['llmcat', *{args!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"loaded = [m for m in {unwanted!r} if m in sys.modules]\n"
        "sys.stderr.write('LOADED=' + ','.join(loaded))\n"
    )
    for run in ("cold", "warm"):
        done = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        loaded = done.stderr.rsplit("LOADED=", 1)[1]
        if run == "warm":
            assert loaded == "", loaded


def _break_blob_digests() -> None:
    meta_path = _cache_files()[0]
    meta = index.decode_meta(meta_path.read_bytes())
    assert meta is not None
    meta["blobs"] = {name: (offset, length, "0" * 40) for name, (offset, length, _) in meta["blobs"].items()}
    meta_path.write_bytes(index.encode_meta(meta))


def _scramble_records() -> None:
    target = _cache_files(index.RECORDS)[0]
    target.write_bytes(b"x" * len(target.read_bytes()))  # same size: only the checksums can tell


def _flip_one_record_byte() -> None:
    target = _cache_files(index.RECORDS)[0]
    blob = bytearray(target.read_bytes())
    blob[len(blob) // 2] ^= 0x01
    target.write_bytes(bytes(blob))


@pytest.mark.parametrize("damage", [_break_blob_digests, _scramble_records, _flip_one_record_byte])
def test_damage_found_while_reading_is_an_error_and_removes_the_index(
    damage: Callable[[], None], run: Callable[..., Result], mini_catalog: Callable[[str | None], Path]
) -> None:
    root = mini_catalog(None)
    index.load(root)
    damage()
    result = run("show", "base-7b", "--catalog", str(root))
    assert result.exit_code == 1 and "index cache was damaged" in result.stderr, result
    assert "Traceback" not in result.stderr
    assert _cache_files() == [] and _cache_files(index.DATA) == [] and _cache_files(index.RECORDS) == []
    assert run("show", "base-7b", "--catalog", str(root)).exit_code == 0


def test_the_collector_is_paused_for_bulk_work_and_restored() -> None:
    import gc

    from llmcat.gcpause import collector_paused

    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner block restores the outer block's state
    assert gc.isenabled()
    with pytest.raises(ValueError), collector_paused():
        raise ValueError
    assert gc.isenabled()


def _same_size_edit(path: Path, old: str, new: str) -> None:
    """Change the content, keep the size and the mtime: what a coarse-timestamp file system
    (or `cp -p`) can leave behind."""
    assert len(old) == len(new)
    before = path.stat()
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size


def _touch_all(root: Path) -> None:
    for path in root.rglob("*.yaml"):
        os.utime(path)  # now: too recent to trust by its mtime


def test_a_recent_file_is_checked_by_content(mini_catalog: Callable[[str | None], Path]) -> None:
    root = mini_catalog(None)
    _touch_all(root)
    index.load(root)
    _same_size_edit(root / "models" / "base-7b.yaml", "Base-7B", "Base-7X")
    assert index.load(root).records["base-7b"]["name"] == "Base-7X"


def test_files_old_enough_are_trusted_and_no_longer_hashed(
    mini_catalog: Callable[[str | None], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = mini_catalog(None)
    _touch_all(root)
    index.load(root)
    meta = index.decode_meta(_cache_files()[0].read_bytes())
    assert meta is not None and "models/base-7b.yaml" in meta["racy"]
    later = time.time_ns() + index.RACY_NS + 1
    monkeypatch.setattr(index.time, "time_ns", lambda: later)
    assert index.load(root).records["base-7b"]["name"] == "Base-7B"
    meta = index.decode_meta(_cache_files()[0].read_bytes())
    assert meta is not None and meta["racy"] == {}


def test_content_check_catches_edits_that_keep_old_mtimes(
    mini_catalog: Callable[[str | None], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = mini_catalog(None)
    for path in root.rglob("*.yaml"):
        os.utime(path, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))  # long ago: trusted
    index.load(root)
    _same_size_edit(root / "models" / "base-7b.yaml", "Base-7B", "Base-7X")
    assert index.load(root).records["base-7b"]["name"] == "Base-7B"  # what mtimes alone can see
    monkeypatch.setenv(index.CHECK_ENV, "content")
    assert index.load(root).records["base-7b"]["name"] == "Base-7X"


def test_an_unknown_cache_check_is_a_clear_error(run: Callable[..., Result]) -> None:
    result = run("search", env={index.CHECK_ENV: "sometimes"})
    assert result.exit_code == 1 and "LLMCAT_CACHE_CHECK" in result.stderr and "Traceback" not in result.stderr


def _age_all(root: Path) -> None:
    for path in root.rglob("*.yaml"):
        os.utime(path, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))


def _count_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    from llmcat import validate

    read: list[str] = []
    original = validate.check_file

    def counting(path: Path, root: Path) -> Any:
        read.append(path.name)
        return original(path, root)

    monkeypatch.setattr(validate, "check_file", counting)
    return read


def test_a_rebuild_reads_only_the_files_that_changed(
    mini_catalog: Callable[[str | None], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = mini_catalog(None)
    _age_all(root)
    first = index.load(root)
    path = root / "models" / "base-7b.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("Base-7B", "Base-7B v2"), encoding="utf-8")
    read = _count_reads(monkeypatch)
    again = index.load(root)
    assert read == ["base-7b.yaml"]
    assert again.records["base-7b"]["name"] == "Base-7B v2"
    assert {i: r for i, r in again.records.items() if i != "base-7b"} == {
        i: r for i, r in first.records.items() if i != "base-7b"
    }


def test_a_rebuild_still_checks_the_rules_across_entries(
    mini_catalog: Callable[[str | None], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = mini_catalog(None)
    _age_all(root)
    index.load(root)
    (root / "datasets" / "web-data.yaml").unlink()  # base-7b, unchanged, was trained on it
    read = _count_reads(monkeypatch)
    with pytest.raises(LlmcatError, match=r"models/base-7b\.yaml.*dangling-reference"):
        index.load(root)
    assert read == []


def test_files_too_recent_at_the_last_build_are_read_again(
    mini_catalog: Callable[[str | None], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = mini_catalog(None)
    _touch_all(root)
    index.load(root)
    (root / "models" / "extra.yaml").write_text("x", encoding="utf-8")  # any change: a rebuild
    read = _count_reads(monkeypatch)
    with pytest.raises(LlmcatError):
        index.load(root)
    assert len(read) == len(list(root.rglob("*.yaml")))


def test_cache_command_lists_indexes_and_clears_only_its_own_files(
    run: Callable[..., Result], mini_catalog: Callable[[str | None], Path]
) -> None:
    root = mini_catalog(None)
    assert run("search", "--catalog", str(root)).exit_code == 0
    listed = json.loads(run("cache", "--json").stdout)
    assert listed["cache_dir"] == str(cache_dir())
    assert [(c["root"], c["entries"]) for c in listed["indexes"]] == [(str(root.resolve()), 3)]
    assert str(root.resolve()) in run("cache", env={"COLUMNS": "200"}).stdout
    keep = cache_dir() / "notes.txt"
    keep.write_text("not llmcat's", encoding="utf-8")
    cleared = json.loads(run("cache", "--clear", "--json").stdout)
    assert cleared["removed_files"] == 3 and cleared["removed_bytes"] > 0
    assert json.loads(run("cache", "--json").stdout)["indexes"] == [] and keep.exists()
