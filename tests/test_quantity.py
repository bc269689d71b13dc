from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from llmcat.quantity import QuantityError, format_count, parse_count, parse_range


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("6.2B", 6_200_000_000),
        ("770M", 770_000_000),
        ("52K", 52_000),
        ("1.2T", 1_200_000_000_000),
        ("6.2e9", 6_200_000_000),
        (175, 175),
        (3.0, 3),
        ("1,000", 1000),
        ("12b", 12_000_000_000),
    ],
)
def test_parse_count(text: object, value: int) -> None:
    assert parse_count(text) == value


@pytest.mark.parametrize("text", ["seven", "7 billion", "", True, 1.5, "1e400", None, "-3B"])
def test_parse_count_refuses(text: object) -> None:
    with pytest.raises(QuantityError):
        parse_count(text)


def test_ranges() -> None:
    assert parse_range("6B..13B") == (6_000_000_000, 13_000_000_000)
    assert parse_range("..1B") == (None, 1_000_000_000)
    assert parse_range("7B..") == (7_000_000_000, None)


@given(st.integers(min_value=1, max_value=10**15))
def test_format_then_parse_is_close(n: int) -> None:
    assert abs(parse_count(format_count(n)) - n) <= n * 0.005 + 1
