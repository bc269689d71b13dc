"""Counts written the way model cards write them: 6.2B, 770M, 52K, 1.2T, 6.2e9."""

from __future__ import annotations

import math
import re

_SUFFIX = {"": 1, "k": 10**3, "m": 10**6, "b": 10**9, "t": 10**12}
_COUNT_RE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)\s*([kKmMbBtT]?)\s*$")


class QuantityError(ValueError):
    """A count that cannot be read."""


def parse_count(value: object) -> int:
    """Read an integer count from an int, a float or shorthand text such as ``6.2B``."""
    if isinstance(value, bool):
        raise QuantityError(f"{value!r} is not a number")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value) or value != int(value):
            raise QuantityError(f"{value!r} is not a whole number")
        return int(value)
    if not isinstance(value, str):
        raise QuantityError(f"{value!r} is not a number")
    match = _COUNT_RE.match(value.replace(",", "").replace("_", ""))
    if match is None:
        raise QuantityError(f"'{value}' is not a number; write e.g. 6.2B, 770M, 52K or 6.2e9")
    number, suffix = match.groups()
    scaled = float(number) * _SUFFIX[suffix.lower()]
    if not math.isfinite(scaled) or scaled > 1e18:
        raise QuantityError(f"'{value}' is too large")
    return round(scaled)


def parse_range(text: str) -> tuple[int | None, int | None]:
    """Read ``6B..13B`` (either end optional) into inclusive bounds."""
    if ".." not in text:
        exact = parse_count(text)
        return exact, exact
    low, high = text.split("..", 1)
    return (parse_count(low) if low.strip() else None, parse_count(high) if high.strip() else None)


def format_count(value: int | float | None) -> str:
    """6200000000 -> '6.2B'; the inverse of parse_count for display."""
    if value is None:
        return ""
    for suffix, scale in (("T", 10**12), ("B", 10**9), ("M", 10**6), ("K", 10**3)):
        if value >= scale:
            shown = f"{value / scale:.3g}"
            return f"{shown}{suffix}"
    return str(value)
