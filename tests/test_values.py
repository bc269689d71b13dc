"""Hostile and odd option values: each is a usage error (exit 2) or has a documented meaning."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from llmcat.quantity import QuantityError, parse_params, parse_range
from tests.conftest import Result

Run = Callable[..., Result]


@pytest.mark.parametrize("date", ["2023-02-30", "2023-07-99", "2023-13", "2023-00-10", "23-01-01", "2023/01"])
@pytest.mark.parametrize("command", [["search"], ["show", "chatglm-6b"], ["why", "chatglm-6b"]])
def test_impossible_dates_are_usage_errors(command: list[str], date: str, run: Run) -> None:
    result = run(*command, "--as-of", date)
    assert result.exit_code == 2 and "--as-of" in result.stderr and date in result.stderr, result


@pytest.mark.parametrize("command", [["show", "chatglm-6b"], ["why", "chatglm-6b"], ["why", "chatglm-6b", "--json"]])
def test_as_of_before_an_entry_existed_says_so(command: list[str], run: Run) -> None:
    before = run(*command, "--as-of", "2022-12-31")
    assert before.exit_code == 0, before
    assert "chatglm-6b did not exist yet on 2022-12-31 (released 2023-03)" in before.stderr.replace("\n", " ")
    after = run(*command, "--as-of", "2023-03-20")
    assert after.exit_code == 0 and "did not exist" not in after.stderr, after


def test_an_upside_down_params_range_is_a_usage_error(run: Run) -> None:
    result = run("search", "--params", "13B..6B")
    assert result.exit_code == 2 and "13B is above 6B" in result.stderr, result


def test_one_params_value_means_the_counts_that_round_to_it(run: Run) -> None:
    def ids(value: str) -> set[str]:
        return {h["id"] for h in json.loads(run("search", "--params", value, "--json").stdout)}

    sixes = ids("6B")
    assert {"chatglm-6b", "gpt-j-6b", "dolly-v1-6b"} <= sixes  # 6.2B, 6.05B and 6B are all "6B"
    assert all(6.5e9 > h["params"] >= 5.5e9 for h in json.loads(run("search", "--params", "6B", "--json").stdout))
    assert "chatglm-6b" in ids("6.2B") and "gpt-j-6b" not in ids("6.2B")  # 6.15B up to 6.25B
    assert "chatglm-6b" in ids("6200000000") and ids("6053381344") == {"gpt-j-6b"}  # exact counts
    assert parse_range("7B") == (6_500_000_000, 7_499_999_999)
    assert parse_range("6.7B") == (6_650_000_000, 6_749_999_999)
    assert parse_range("7000000000") == (7_000_000_000, 7_000_000_000)


@pytest.mark.parametrize("value", ["7", "7..13", "1.5"])
def test_a_bare_params_number_asks_whether_billions_were_meant(value: str, run: Run) -> None:
    result = run("search", "--params", value)
    assert result.exit_code == 2 and "parameters? write" in result.stderr, result


def test_json_and_another_format_together_are_a_usage_error(run: Run) -> None:
    result = run("search", "--json", "--format", "csv")
    assert result.exit_code == 2 and "--json and --format csv" in result.stderr, result
    assert run("search", "--json", "--format", "json", "--limit", "1").exit_code == 0


@pytest.mark.parametrize("option", ["--lang", "--license", "--org", "--tag", "--family", "--params", "--as-of"])
def test_an_empty_filter_value_is_no_filter(option: str, run: Run) -> None:
    everything = run("search", "--json").stdout
    result = run("search", option, "", "--json")
    assert result.exit_code == 0 and result.stdout == everything, result
    assert run("search", option, "  ", "--json").stdout == everything if option != "--as-of" else True


def test_a_quoted_fractional_count_is_not_rounded(tmp_path: Path) -> None:
    with pytest.raises(QuantityError, match="not a whole number"):
        parse_params("1.2345678901B")
    with pytest.raises(QuantityError, match=r"'7.5' parameters\? write 7.5B"):
        parse_params("7.5")
    with pytest.raises(QuantityError, match=r"^7 parameters\? write 7B for 7 billion"):
        parse_params(7)
    assert parse_params("6.2B") == 6_200_000_000 and parse_params("770M") == 770_000_000


@pytest.mark.parametrize(("written", "message"), [("7", "7 parameters? write 7B"), ('"7.5"', "'7.5' parameters?")])
def test_validate_asks_whether_a_bare_params_number_meant_billions(
    written: str, message: str, mini_catalog: Callable[[str | None], Path], run: Run
) -> None:
    root = mini_catalog(None)
    path = root / "models" / "base-7b.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("params: 7B", f"params: {written}"), encoding="utf-8")
    result = run("validate", "--catalog", str(root))
    assert result.exit_code == 1 and message in result.stdout and "[bad-number]" in result.stdout, result


def test_a_huge_value_in_a_problem_message_is_cut(mini_catalog: Callable[[str | None], Path], run: Run) -> None:
    root = mini_catalog(None)
    path = root / "models" / "base-7b.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("params: 7B", f"params: {'9' * 900_000}"), encoding="utf-8")
    (root / "models" / "long.yaml").write_text(
        text.replace("id: base-7b", "id: long").replace("params: 7B", f"architecture: {'y' * 5000}"), encoding="utf-8"
    )
    report = run("validate", "--catalog", str(root), "--format", "json")
    messages = [p["message"] for p in json.loads(report.stdout)["problems"]]
    assert len(messages) == 2 and all(len(m) < 200 and "…" in m for m in messages), messages
    assert all(len(line) < 300 for line in run("validate", "--catalog", str(root)).stdout.splitlines())
    assert len(run("search", "--catalog", str(root)).stderr) < 600


def test_short_values_in_problem_messages_are_kept_whole() -> None:
    from llmcat.problems import cut_values

    message = "'https://example.org/a/very/long/path/but/not/that/long' is not one of: a, b; did you mean 'a'?"
    assert cut_values(message) == message
    assert cut_values(f"'{'x' * 81}' is bad") == f"'{'x' * 79}…' is bad"
