"""Pacing requests to one host: minimum intervals between starts, and Retry-After."""

from __future__ import annotations

import asyncio
import email.utils
import re
import time
from datetime import timezone

_DELTA_SECONDS = re.compile(r"[0-9]+(?:\.[0-9]+)?", re.ASCII)


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); None if unreadable."""
    if not value:
        return None
    value = value.strip()
    if _DELTA_SECONDS.fullmatch(value):
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        stamp = when.timestamp()
    except (TypeError, ValueError, IndexError, OverflowError, OSError):
        return None
    return max(0.0, stamp - (now if now is not None else time.time()))


def parse_host_interval(text: str) -> tuple[str, float]:
    """'github.com=0.5' -> ('github.com', 0.5); ValueError with the reason otherwise."""
    host, sep, seconds = text.partition("=")
    host = host.strip().lower()
    if not sep or not host or not _DELTA_SECONDS.fullmatch(seconds.strip()):
        raise ValueError(f"'{text}' is not HOST=SECONDS (e.g. github.com=0.5)")
    return host, float(seconds)


class HostPacer:
    """Spaces the starts of requests to one host by its interval (a token bucket of one), and
    holds a host off for as long as its Retry-After asks (bounded)."""

    def __init__(self, default: float, per_host: dict[str, float]) -> None:
        self.default = default
        self.per_host = {h.lower(): s for h, s in per_host.items()}
        self._next: dict[str, float] = {}

    def interval(self, host: str) -> float:
        for name, seconds in self.per_host.items():
            if host == name or host.endswith("." + name):
                return seconds
        return self.default

    def defer(self, host: str, seconds: float) -> None:
        """No request to the host for this long (it answered 429 or 503 with Retry-After)."""
        self._next[host] = max(self._next.get(host, 0.0), time.monotonic() + seconds)

    def ready_in(self, host: str) -> float:
        """Seconds until a request to the host may start."""
        return max(0.0, self._next.get(host, 0.0) - time.monotonic())

    async def wait(self, host: str) -> None:
        interval = self.interval(host)
        now = time.monotonic()
        slot = max(now, self._next.get(host, 0.0))
        self._next[host] = slot + max(interval, 0.0)
        if slot > now:
            await asyncio.sleep(slot - now)
