"""Did-you-mean over many names, fast.

`difflib.get_close_matches` compares the word with every candidate in Python; on the 300,000
names of a 100,000-entry catalog that took seconds. Here a bound on difflib's ratio is worked
out for all candidates at once, in C (bytes.translate, map over operator functions), and
difflib sees only the most hopeful.
"""

from __future__ import annotations

import difflib
import heapq
from collections.abc import Iterator, Sequence
from itertools import compress, repeat
from operator import add, ge, mul, sub, truediv

SHORTLIST = 300  # up to this many candidates difflib sees them all: its own answer, exactly


def close_matches(word: str, candidates: Sequence[str], n: int = 3, cutoff: float = 0.6) -> list[str]:
    """``difflib.get_close_matches(word, candidates, n, cutoff)`` for long candidate lists.

    difflib's ratio is ``2 * M / (len(word) + len(x))`` with M matched characters, and M is at
    most the number of x's characters that occur in ``word`` at all, and at most
    ``len(word)``. Deleting the word's characters from all candidates at once, in one
    `translate` over their joined text, gives that count for each. Candidates whose bound is under the
    cutoff cannot match, and are dropped; of the rest, difflib sees the SHORTLIST with the
    highest bound, so where more than that many are hopeful (a catalog of look-alike ids) the
    answer is close to difflib's, not always the same.
    """
    size = len(word)
    joined = "\n".join(candidates)
    if len(candidates) <= SHORTLIST or not size or "\n" in word or joined.count("\n") != len(candidates) - 1:
        return difflib.get_close_matches(word, candidates, n, cutoff)
    bounds = list(
        map(truediv, map(mul, map(min, _in_word(word, joined), repeat(size)), repeat(2.0)), _totals(candidates, size))
    )
    hopeful = list(compress(range(len(bounds)), map(ge, bounds, repeat(cutoff))))
    if len(hopeful) > SHORTLIST:
        hopeful = sorted(heapq.nlargest(SHORTLIST, hopeful, key=bounds.__getitem__))
    return difflib.get_close_matches(word, [candidates[i] for i in hopeful], n, cutoff)


def _in_word(word: str, joined: str) -> Iterator[int]:
    """For each of the newline-joined candidates, how many of its characters occur in ``word``.
    An ASCII word's characters are single bytes of UTF-8, which bytes.translate deletes fastest."""
    if word.isascii():
        encoded = joined.encode()
        kept = encoded.translate(None, word.encode())
        return map(sub, map(len, encoded.split(b"\n")), map(len, kept.split(b"\n")))
    kept_text = joined.translate(str.maketrans("", "", "".join(set(word))))
    return map(sub, map(len, joined.split("\n")), map(len, kept_text.split("\n")))


def _totals(candidates: Sequence[str], size: int) -> Iterator[int]:
    return map(add, map(len, candidates), repeat(size))
