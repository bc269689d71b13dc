"""What search filters mean for people: BCP-47 languages, did-you-mean, the filter that
emptied a result, and a table that shows which rows are models at any width."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from llmcat import languages
from tests.conftest import Result

Run = Callable[..., Result]


@pytest.mark.parametrize(
    ("tag", "normal"),
    [
        ("zh", "zh"),
        ("zh_CN", "zh-hans-cn"),
        ("zh-cn", "zh-hans-cn"),
        ("zh-TW", "zh-hant-tw"),
        ("zh-HK", "zh-hant-hk"),
        ("zh-Hans", "zh-hans"),
        ("ZH-hant", "zh-hant"),
        ("en_US", "en-us"),
        ("zh-Hant-TW", "zh-hant-tw"),
    ],
)
def test_tags_are_normalised_with_the_script_a_chinese_region_implies(tag: str, normal: str) -> None:
    assert languages.normalise(tag) == normal


@pytest.mark.parametrize(
    ("query", "tag", "expected"),
    [
        ("zh", "zh-Hant", True),
        ("zh-Hans", "zh", True),  # plain zh: Chinese of no stated script answers every Chinese query
        ("zh-CN", "zh", True),
        ("zh_CN", "zh-Hans", True),
        ("zh-TW", "zh-Hant", True),
        ("zh-Hant", "zh-Hans", False),
        ("zh-CN", "zh-Hant", False),
        ("en", "zh", False),
        ("en-US", "en", True),
    ],
)
def test_a_query_matches_when_one_tag_is_a_leading_part_of_the_other(query: str, tag: str, expected: bool) -> None:
    assert languages.matches(query, tag) is expected


def _ids(run: Run, *args: str) -> set[str]:
    result = run("search", *args, "--json")
    assert result.exit_code == 0, result
    return {h["id"] for h in json.loads(result.stdout)}


def test_every_chinese_query_finds_entries_tagged_plain_zh(run: Run) -> None:
    every = _ids(run, "--lang", "zh")
    for query in ("zh-CN", "zh_CN", "zh-Hans", "zh-TW", "zh-Hant", "ZH-hant"):
        found = _ids(run, "--lang", query)
        assert "chatglm-6b" in found and found <= every, query  # chatglm-6b is tagged plain zh
    assert _ids(run, "--lang", "zh-CN") == _ids(run, "--lang", "zh-Hans") == _ids(run, "--lang", "zh_cn")
    assert _ids(run, "--lang", "zh-TW") == _ids(run, "--lang", "zh-Hant")
    assert "bloom-7b1" in _ids(run, "--lang", "zh-Hant")  # tagged zh-Hant
    assert _ids(run, "--lang", "zh", "--lang", "en") <= _ids(run, "--lang", "en")


@pytest.mark.parametrize(
    ("args", "suggestion"),
    [
        (["--license", "apache2"], "apache-2.0"),
        (["--org", "eleutherai-x"], "EleutherAI"),
        (["--tag", "chatt"], "chat"),
        (["--family", "pythiaa"], "pythia"),
        (["--lang", "zhh"], "zh"),
    ],
)
def test_an_unknown_filter_value_gets_a_did_you_mean(run: Run, args: list[str], suggestion: str) -> None:
    result = run("search", *args)
    assert result.exit_code == 0 and result.stdout == "", result
    assert f"no entry has {' '.join(args)}" in result.stderr and repr(suggestion) in result.stderr, result


def test_no_match_names_the_filter_that_emptied_the_result(run: Run) -> None:
    result = run("search", "--lang", "zh", "--family", "pythia", "--commercial")
    assert result.exit_code == 0 and result.stdout == ""
    assert "matched the filters before --family pythia, which left none" in result.stderr, result


def test_search_kind_license_works_with_the_filters_that_apply(run: Run) -> None:
    licenses = json.loads(run("search", "--kind", "license", "--json").stdout)
    assert {h["kind"] for h in licenses} == {"license"} and len(licenses) > 10
    permissive = _ids(run, "--kind", "license", "--no-conditions")
    assert "mit" in permissive and "llama-license" not in permissive
    assert "apache-2.0" in _ids(run, "--kind", "license", "apache")


@pytest.mark.parametrize("width", ["40", "60", "80", "120"])
def test_the_kind_of_every_row_is_shown_at_any_width(run: Run, width: str) -> None:
    result = run("search", "--lang", "zh", "--commercial", env={"COLUMNS": width})
    lines = [line for line in result.stdout.splitlines()[1:] if line.strip() and not set(line) <= {"─", " "}]
    assert "kind" in result.stdout.splitlines()[0], result
    assert lines and all(any(k in line for k in ("model", "dataset", "toolkit")) for line in lines), result


def test_tag_finds_a_toolkit_by_the_methods_it_implements(run: Run) -> None:
    found = {h["id"] for h in json.loads(run("search", "--kind", "toolkit", "--tag", "qlora", "--json").stdout)}
    assert "peft" in found  # qlora is among peft's methods, not its tags
    assert "vllm" not in found
