"""What must not reach a terminal raw, and how output writes it instead: one list, which
validation refuses in catalog text too (`llmcat.fields`). No rich: the database build marks the
stored texts that hold none of it (`entries.plain`), so that output can skip the escaping pass
for them."""

from __future__ import annotations

import re

# What must not reach a terminal raw: C0 controls but tab and newline, DEL and C1 controls
# (escape sequences, OSC, BEL), bidi controls (U+061C, U+200E-200F, U+202A-202E, U+2066-2069),
# zero-width and invisible characters (U+200B-200D, U+2060-2064, U+FEFF) and the line and
# paragraph separators U+2028-2029.
UNSAFE_CHARS = "\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
_UNSAFE = re.compile(f"[{UNSAFE_CHARS}]")


def _escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def safe(text: object) -> str:
    """Control characters made visible (``\\x1b`` -> ``\\u001b``)."""
    return _UNSAFE.sub(_escape, str(text))


def has_unsafe(text: str) -> bool:
    return _UNSAFE.search(text) is not None
