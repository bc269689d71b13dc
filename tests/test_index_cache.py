"""The compiled index: reused when nothing changed, rebuilt on any change or damage."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from llmcat import index
from llmcat.problems import LlmcatError


def _cache_files() -> list[Path]:
    return sorted(index.cache_dir().glob("index-*.json"))


def test_second_load_reads_the_cache(
    mini_catalog: Callable[[str | None], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = mini_catalog(None)
    first = index.load(root)
    assert len(_cache_files()) == 1

    def no_build(_: Path) -> None:
        raise AssertionError("rebuilt although nothing changed")

    monkeypatch.setattr(index, "build", no_build)
    assert index.load(root).records == first.records


def test_an_edit_invalidates_the_cache(mini_catalog: Callable[[str | None], Path]) -> None:
    root = mini_catalog(None)
    index.load(root)
    path = root / "models" / "base-7b.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("Base-7B", "Base-7B v2"), encoding="utf-8")
    os.utime(path, ns=(1, 1))
    assert index.load(root).records["base-7b"]["name"] == "Base-7B v2"


def test_a_corrupt_cache_is_rebuilt(mini_catalog: Callable[[str | None], Path]) -> None:
    root = mini_catalog(None)
    index.load(root)
    _cache_files()[0].write_text('{"format": 1, "key": "trunc', encoding="utf-8")
    assert "base-7b" in index.load(root).records
    assert "base-7b" in _cache_files()[0].read_text(encoding="utf-8")


def test_an_invalid_catalog_is_never_cached(mini_catalog: Callable[[str | None], Path]) -> None:
    with pytest.raises(LlmcatError):
        index.load(mini_catalog("cycle"))
    assert _cache_files() == []


def test_no_cache_bypasses_it(mini_catalog: Callable[[str | None], Path]) -> None:
    index.load(mini_catalog(None), use_cache=False)
    assert _cache_files() == []
