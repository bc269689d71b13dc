"""The column machinery under search: text matching over packed texts, and sort ranks."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from llmcat import query

TEXTS = st.lists(st.text(alphabet="ab\n中-", max_size=8), max_size=12)


@given(TEXTS, st.text(alphabet="ab\n中-", max_size=3))
def test_text_rows_are_the_rows_that_contain_the_needle(texts: list[str], needle: str) -> None:
    expected = [i for i, text in enumerate(texts) if needle in text]
    assert query.text_rows(query.pack_texts(texts), needle) == expected


def test_a_match_across_two_rows_does_not_count() -> None:
    packed = query.pack_texts(["alpha", "beta"])
    assert query.text_rows(packed, "a\nb") == [] and query.text_rows(packed, "ab") == []
    assert query.text_rows(packed, "a") == [0, 1]


@given(st.lists(st.tuples(st.sampled_from(["model", "dataset"]), st.integers(0, 50)), max_size=30))
def test_ranks_order_rows_as_the_sort_keys_do(rows: list[tuple[str, int]]) -> None:
    columns = {
        "id": [f"e{n}-{i}" for i, (_, n) in enumerate(rows)],
        "kind": [kind for kind, _ in rows],
        "params": [n or None for _, n in rows],
        "released": [f"2023-{n % 12 + 1:02d}" if n % 3 else None for _, n in rows],
        "name": [f"E{n}" for _, n in rows],
    }
    ranks = query.rank_columns(columns)
    for name in query.SORT_KEYS:
        key = query._sort_key(name, columns)
        assert sorted(range(len(rows)), key=ranks[f"rank:{name}"].__getitem__) == sorted(range(len(rows)), key=key)
