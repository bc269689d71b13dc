"""A license's size thresholds (users, revenue) as the first of its conditions, in both languages.

"Free below 700M monthly active users" is what a reader of `show`, `search` and the site needs
first, so each threshold becomes a condition whose text says it, keeping the structured limit
beside the text for machines (``"threshold": {"metric", "limit", "currency"}``).
"""

from __future__ import annotations

from typing import Any

from llmcat.quantity import format_count

_METRIC = {
    "monthly-active-users": ("monthly active users", "月活跃用户"),
    "daily-active-users": ("daily active users", "日活跃用户"),
    "annual-revenue": ("annual revenue", "年收入"),
}


def zh_count(value: int) -> str:
    """700000000 -> '7 亿', 1000000 -> '100 万'."""
    for unit, scale in (("亿", 10**8), ("万", 10**4)):
        if value >= scale:
            return f"{value / scale:g} {unit}"
    return str(value)


def threshold_condition(threshold: dict[str, Any]) -> dict[str, Any]:
    en_metric, zh_metric = _METRIC[threshold["metric"]]
    currency = f" {threshold['currency']}" if threshold.get("currency") else ""
    limit = threshold["limit"]
    beyond = threshold["beyond"]
    return {
        "en": f"Free below {format_count(limit)}{currency} {en_metric}; above: {beyond['en']}",
        "zh": f"{zh_metric}低于 {zh_count(limit)}{currency} 时可用；超过时：{beyond['zh']}",
        "threshold": {k: threshold[k] for k in ("metric", "limit", "currency") if k in threshold},
    }


def license_conditions(lic: dict[str, Any]) -> list[dict[str, Any]]:
    """The license's thresholds first (as conditions), then its conditions."""
    return [threshold_condition(t) for t in lic.get("thresholds", [])] + list(lic.get("conditions", []))
