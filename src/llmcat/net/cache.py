"""On-disk results of network checks, kept for a time-to-live.

One JSON file per command (``links.json``, ``hub.json``) in the cache directory. A result is kept
under a key made of how it was asked as well as the URL: whether private addresses were allowed
and whether a token was sent, so that a result got with ``--allow-private`` is never replayed to a
default run (where the URL must be refused) and a 401 got without ``HF_TOKEN`` is not served once
it is set. Each result records when it was checked and the TTL it was stored under; a run uses it
while it is younger than both that TTL and the run's own. Expired results are dropped whenever the
file is written, and by :func:`prune_expired`.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any, NamedTuple

from llmcat.fsutil import cache_dir, write_atomic
from llmcat.net.states import CACHED_STATES

__all__ = [
    "CACHED_STATES",
    "NAMES",
    "Asked",
    "NetworkCache",
    "ResultCache",
    "cached_results",
    "parse_ttl",
    "prune_expired",
]

_TTL_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$", re.ASCII)
_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
FORMAT = 2
NAMES = ("links", "hub")  # the network caches llmcat writes


def parse_ttl(text: str) -> float:
    """'1d', '12h', '30m', '90' (seconds), '0' (no cache)."""
    match = _TTL_RE.match(text)
    if match is None:
        raise ValueError(f"'{text}' is not a duration; write e.g. 1d, 12h, 30m or 0")
    return float(match.group(1)) * _UNIT[match.group(2)]


class Asked(NamedTuple):
    """How a URL was asked; part of the cache key."""

    allow_private: bool = False
    token: bool = False

    def key(self, url: str) -> str:
        return f"{'private' if self.allow_private else 'public'} {'token' if self.token else 'anonymous'} {url}"


def _path(name: str) -> Path:
    return cache_dir() / f"{name}.json"


def _expired(item: dict[str, Any], now: float) -> bool:
    return bool(now - float(item["checked_at"]) > float(item["ttl"]))


def _load(path: Path) -> dict[str, dict[str, Any]]:
    """The file's results; anything unreadable, of another format or malformed counts as empty."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("results"), dict):
        return {}
    return {
        k: v
        for k, v in data["results"].items()
        if isinstance(v, dict)
        and isinstance(v.get("checked_at"), (int, float))
        and isinstance(v.get("ttl"), (int, float))
        and isinstance(v.get("result"), dict)
    }


def _save(path: Path, results: dict[str, dict[str, Any]]) -> bool:
    return write_atomic(path, json.dumps({"format": FORMAT, "results": results}, ensure_ascii=False))


def prune_expired(now: float | None = None) -> int:
    """Drop expired results from every network cache file; the number dropped.

    A file of an older format, or unreadable, is rewritten empty (its results are not counted).
    """
    now = time.time() if now is None else now
    dropped = 0
    for name in NAMES:
        path = _path(name)
        if not path.exists():
            continue
        results = _load(path)
        kept = {k: v for k, v in results.items() if not _expired(v, now)}
        if len(kept) != len(results) or not _is_current(path):
            dropped += len(results) - len(kept)
            _save(path, kept)
    return dropped


def _is_current(path: Path) -> bool:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return False
    return isinstance(data, dict) and data.get("format") == FORMAT


class ResultCache:
    def __init__(self, name: str, ttl: float, asked: Asked | None = None, now: float | None = None) -> None:
        self.path: Path = _path(name)
        self.ttl = ttl
        self.asked = asked or Asked()
        self.now = now if now is not None else time.time()
        self._data: dict[str, dict[str, Any]] = self._fresh() if ttl > 0 else {}
        self.hits = 0

    def _fresh(self) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in _load(self.path).items() if not _expired(v, self.now)}

    def get(self, url: str) -> dict[str, Any] | None:
        item = self._data.get(self.asked.key(url))
        if item is None or self.now - float(item["checked_at"]) > self.ttl:
            return None
        self.hits += 1
        result: dict[str, Any] = item["result"]
        return result

    def put(self, url: str, result: dict[str, Any]) -> None:
        if self.ttl > 0 and result.get("state") in CACHED_STATES:
            self._data[self.asked.key(url)] = {"checked_at": self.now, "ttl": self.ttl, "result": result}

    def save(self) -> None:
        """Write the results back, without the expired ones (read again, so as to keep what other
        runs wrote meanwhile)."""
        if self.ttl > 0:
            _save(self.path, {**self._fresh(), **self._data})


class NetworkCache(NamedTuple):
    """One network cache file, for `llmcat cache`."""

    name: str
    path: str
    results: int
    expired: int  # past the time-to-live each was stored under
    size: int  # bytes


def cached_results(now: float | None = None) -> list[NetworkCache]:
    """The network cache files in the cache folder, with how many of their results have expired."""
    now = time.time() if now is None else now
    out = []
    for name in NAMES:
        path = _path(name)
        if path.is_file():
            results = _load(path)
            expired = sum(_expired(item, now) for item in results.values())
            out.append(NetworkCache(name, str(path), len(results), expired, path.stat().st_size))
    return out
