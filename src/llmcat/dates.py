"""Dates as the catalog and the command line write them: YYYY-MM or YYYY-MM-DD."""

from __future__ import annotations

import datetime as dt
import re

_DATE_RE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


def date_problem(value: str) -> str | None:
    """Why ``value`` is not a date (``2023-02-30``: February 2023 has no 30th), or None."""
    match = _DATE_RE.match(value)
    if match is None:
        return f"'{value}' is not a date: write YYYY-MM or YYYY-MM-DD"
    year, month, day = (int(g) if g else 1 for g in match.groups())
    try:
        dt.date(year, month, day)
    except ValueError as exc:
        return f"'{value}' is not a real calendar date ({exc})"
    return None


def day(date: str) -> str:
    """A date as a day, for comparing: 2023-05 is 2023-05-01."""
    return date if len(date) == 10 else f"{date}-01"
