"""License thresholds (users, revenue) are the first thing a verdict says about a license."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from llmcat.thresholds import threshold_condition, zh_count

Run = Callable[..., Any]


def test_a_threshold_reads_as_a_condition_in_both_languages() -> None:
    made = threshold_condition(
        {"metric": "monthly-active-users", "limit": 700_000_000, "beyond": {"en": "ask Meta.", "zh": "向 Meta 申请。"}}
    )
    assert made["en"].startswith("Free below 700M monthly active users; above: ask Meta.")
    assert made["zh"].startswith("月活跃用户低于 7 亿 时可用")
    assert made["threshold"] == {"metric": "monthly-active-users", "limit": 700_000_000}
    assert zh_count(1_000_000) == "100 万" and zh_count(100_000_000) == "1 亿"


def test_show_leads_with_the_user_threshold_and_json_keeps_it_structured(run: Run) -> None:
    verdict = json.loads(run("show", "llama-3.1-8b-instruct", "--json").stdout)["commercial_use"]
    first = verdict["conditions"][0]
    assert first["threshold"] == {"metric": "monthly-active-users", "limit": 700_000_000}
    assert first["license"] == "llama-3.1-community-license"
    text = " ".join(run("show", "llama-3.1-8b-instruct", env={"COLUMNS": "200"}).stdout.split())
    assert "Free below 700M monthly active users" in text


def test_no_conditions_leaves_out_every_model_under_a_threshold(run: Run) -> None:
    unconditional = {h["id"] for h in json.loads(run("search", "--no-conditions", "--kind", "model", "--json").stdout)}
    with_threshold = {h["id"] for h in json.loads(run("search", "Llama", "--kind", "model", "--json").stdout)}
    assert "llama-3.1-8b-instruct" in with_threshold and not unconditional & {"llama-3.1-8b-instruct", "qwen-7b"}
