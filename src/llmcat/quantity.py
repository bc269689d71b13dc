"""Counts written the way model cards write them: 6.2B, 770M, 52K, 1.2T, 6.2e9.

Text is read exactly (as a decimal, never through a float), so `6.2B` is 6,200,000,000 and a
count that is not a whole number (`"7.5"`, `1.2345678901B`) is refused, never rounded.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation

_SUFFIX = {"": 1, "k": 10**3, "m": 10**6, "b": 10**9, "t": 10**12}
_COUNT_RE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)\s*([kKmMbBtT]?)\s*$")
MAX_COUNT = 10**18
# No language model has fewer parameters: `params: 7` means 7B, not seven parameters.
MIN_PARAMS = 10**6


class QuantityError(ValueError):
    """A count that cannot be read."""


def _decimal(value: object) -> tuple[Decimal, Decimal]:
    """The value as an exact decimal, and the unit of its last written digit (``6.2B``: 1e8)."""
    if isinstance(value, bool):
        raise QuantityError(f"{value!r} is not a number")
    if isinstance(value, int):
        return Decimal(value), Decimal(1)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise QuantityError(f"{value!r} is not a number")
        return Decimal(repr(value)), Decimal(1)
    if not isinstance(value, str):
        raise QuantityError(f"{value!r} is not a number")
    match = _COUNT_RE.match(value.replace(",", "").replace("_", ""))
    if match is None:
        raise QuantityError(f"'{value}' is not a number; write e.g. 6.2B, 770M, 52K or 6.2e9")
    number, suffix = match.groups()
    try:
        exact = Decimal(number)
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
        raise QuantityError(f"'{value}' is not a number") from None
    scale = _SUFFIX[suffix.lower()]
    if exact.adjusted() > 30:
        raise QuantityError(f"'{value}' is too large")
    return exact * scale, scale * Decimal(1).scaleb(int(exact.as_tuple().exponent))


def _whole(value: object, exact: Decimal) -> int:
    if exact > MAX_COUNT:
        raise QuantityError(f"{_shown(value)} is too large")
    if exact != exact.to_integral_value():
        raise QuantityError(f"{_shown(value)} is not a whole number")
    return int(exact)


def _shown(value: object) -> str:
    return f"'{value}'" if isinstance(value, str) else repr(value)


def parse_count(value: object) -> int:
    """Read an integer count from an int, a float or shorthand text such as ``6.2B``."""
    exact, _ = _decimal(value)
    return _whole(value, exact)


def parse_params(value: object) -> int:
    """A parameter count: as `parse_count`, and at least a million (``7`` asks "7B?")."""
    exact, _ = _decimal(value)
    if exact < MIN_PARAMS:
        written = str(value).strip()
        if not written.replace(".", "", 1).isdigit():  # a suffix or an exponent: meant as written
            raise QuantityError(f"{_shown(value)} is under a million parameters, too few for a language model")
        raise QuantityError(
            f"{_shown(value)} parameters? write {written}B for {written} billion or {written}M for millions"
        )
    return _whole(value, exact)


def parse_range(text: str) -> tuple[int | None, int | None]:
    """Read ``6B..13B`` (either end optional) into inclusive bounds.

    A single value means the counts that round to it at the precision written, as model names
    round them: ``7B`` is 6.5B up to (not including) 7.5B, so LLaMA-7B's 6.7B is in it and
    ``6.7B`` is 6.65B up to 6.75B; ``7000000000`` is that exact count.
    """
    if ".." not in text:
        _bound(text)
        exact, unit = _decimal(text)
        return max(math.ceil(exact - unit / 2), 0), math.ceil(exact + unit / 2) - 1
    first, last = text.split("..", 1)
    low = _bound(first) if first.strip() else None
    high = _bound(last) if last.strip() else None
    if low is not None and high is not None and low > high:
        raise QuantityError(f"{first.strip()} is above {last.strip()}: no count is in {text}; write {last}..{first}")
    return low, high


def _bound(text: str) -> int:
    """A parameter count in a range: whole, and 0 or at least a million (``7`` asks "7B?")."""
    exact, _ = _decimal(text)
    return 0 if exact == 0 else parse_params(text)


def format_count(value: int | float | None) -> str:
    """6200000000 -> '6.2B'; the inverse of parse_count for display."""
    if value is None:
        return ""
    for suffix, scale in (("T", 10**12), ("B", 10**9), ("M", 10**6), ("K", 10**3)):
        if value >= scale:
            shown = f"{value / scale:.3g}"
            return f"{shown}{suffix}"
    return str(value)
