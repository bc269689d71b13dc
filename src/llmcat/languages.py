"""Language tags as BCP-47 matching expects them (what `--lang` means).

Tags are compared in a normal form: lower case, ``_`` read as ``-``, and for Chinese a region
implies its script (``zh-CN`` and ``zh-SG`` are written in Han Simplified, ``zh-TW``, ``zh-HK``
and ``zh-MO`` in Han Traditional), so ``zh_CN`` is ``zh-hans-cn``. A query matches an entry tag
when one is a leading part of the other: ``--lang zh`` finds ``zh-Hans`` and ``zh-Hant``, and
``--lang zh-CN`` finds entries tagged ``zh-Hans`` and entries tagged plain ``zh`` (Chinese of
no stated script), but not ``zh-Hant``.
"""

from __future__ import annotations

ZH_SCRIPT_BY_REGION = {"cn": "hans", "sg": "hans", "tw": "hant", "hk": "hant", "mo": "hant"}


def normalise(tag: str) -> str:
    """``zh_CN`` -> ``zh-hans-cn``; ``en-US`` -> ``en-us``; ``zh-Hant`` -> ``zh-hant``."""
    parts = [p for p in tag.strip().replace("_", "-").casefold().split("-") if p]
    if len(parts) >= 2 and parts[0] == "zh" and parts[1] in ZH_SCRIPT_BY_REGION:
        parts.insert(1, ZH_SCRIPT_BY_REGION[parts[1]])
    return "-".join(parts)


def prefixes(tag: str) -> list[str]:
    """The leading parts of a normal-form tag: ``zh-hans-cn`` -> zh, zh-hans, zh-hans-cn."""
    parts = tag.split("-")
    return ["-".join(parts[:end]) for end in range(1, len(parts) + 1)]


def matches(query: str, tag: str) -> bool:
    """Whether an entry tagged ``tag`` answers a query for ``query`` (both as written)."""
    q, t = normalise(query), normalise(tag)
    return q in prefixes(t) or t in prefixes(q)
