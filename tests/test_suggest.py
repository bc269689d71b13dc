"""Did-you-mean on long name lists: difflib's answer, found faster."""

from __future__ import annotations

import difflib
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from llmcat.suggest import SHORTLIST, close_matches

ALPHABET = "abcde-7中文"
NAME = st.text(alphabet=ALPHABET, min_size=1, max_size=12)


def _hopeful(word: str, names: list[str], cutoff: float = 0.6) -> int:
    """How many names the documented bound keeps: 2 * min(chars in word, len(word)) / total."""
    kept = 0
    for name in names:
        inside = sum(1 for char in name if char in word)
        kept += 2.0 * min(inside, len(word)) / (len(name) + len(word)) >= cutoff
    return kept


def _names(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    return list({"".join(rng.choices(ALPHABET, k=rng.randint(1, 12))) for _ in range(count)})


@settings(max_examples=60, deadline=None)
@given(NAME, st.integers(0, 10**6), st.integers(SHORTLIST + 1, SHORTLIST + 300))
def test_property_the_answer_is_difflibs_unless_more_than_the_shortlist_is_hopeful(
    word: str, seed: int, count: int
) -> None:
    names = _names(seed, count)
    fast = close_matches(word, names)
    if _hopeful(word, names) <= SHORTLIST:
        assert fast == difflib.get_close_matches(word, names)
    assert all(difflib.SequenceMatcher(None, found, word).ratio() >= 0.6 for found in fast)


def test_a_typo_among_many_look_alike_ids_finds_the_id() -> None:
    names = [f"gen-model-{i}" for i in range(20_000)] + [f"gen model {i}" for i in range(20_000)]
    assert close_matches("gen-modle-5", names)[0] == "gen-model-5"
    assert close_matches("chatglm-6c", [*names, "chatglm-6b"]) == ["chatglm-6b"]
    assert close_matches("天鹰x", [*names, "悟道·天鹰"]) == difflib.get_close_matches("天鹰x", [*names, "悟道·天鹰"])
