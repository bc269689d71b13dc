"""On-disk results of network checks, kept for a time-to-live."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any, NamedTuple

from llmcat.fsutil import cache_dir, write_atomic

_TTL_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
# Only settled answers are kept; timeouts and server errors are asked again next time.
CACHED_STATES = {"ok", "redirected", "broken"}


def parse_ttl(text: str) -> float:
    """'1d', '12h', '30m', '90' (seconds), '0' (no cache)."""
    match = _TTL_RE.match(text)
    if match is None:
        raise ValueError(f"'{text}' is not a duration; write e.g. 1d, 12h, 30m or 0")
    return float(match.group(1)) * _UNIT[match.group(2)]


class ResultCache:
    def __init__(self, name: str, ttl: float, now: float | None = None) -> None:
        self.path: Path = cache_dir() / f"{name}.json"
        self.ttl = ttl
        self.now = now if now is not None else time.time()
        self._data: dict[str, dict[str, Any]] = self._load() if ttl > 0 else {}
        self.hits = 0

    def _load(self) -> dict[str, dict[str, Any]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict):
            return {}
        return {k: v for k, v in data.items() if isinstance(v, dict) and isinstance(v.get("checked_at"), (int, float))}

    def get(self, key: str) -> dict[str, Any] | None:
        item = self._data.get(key)
        if item is None or self.now - float(item["checked_at"]) > self.ttl:
            return None
        self.hits += 1
        result: dict[str, Any] = item["result"]
        return result

    def put(self, key: str, result: dict[str, Any]) -> None:
        if self.ttl > 0 and result.get("state") in CACHED_STATES:
            self._data[key] = {"checked_at": self.now, "result": result}

    def save(self) -> None:
        if self.ttl > 0:
            write_atomic(self.path, json.dumps(self._data, ensure_ascii=False))


# --- administration (`llmcat cache`) ---------------------------------------------------------

NETWORK_CACHES = ("links", "hub")
DEFAULT_TTL = 86400.0  # what --cache-ttl defaults to


class NetworkCache(NamedTuple):
    name: str
    path: str
    results: int
    expired: int  # older than the default time-to-live
    size: int  # bytes


def _stored(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _expired(item: Any, now: float, ttl: float) -> bool:
    checked = item.get("checked_at") if isinstance(item, dict) else None
    return not isinstance(checked, (int, float)) or now - float(checked) > ttl


def cached_results(ttl: float = DEFAULT_TTL) -> list[NetworkCache]:
    """The network result files in the cache folder, with how many results are past ``ttl``."""
    now = time.time()
    out = []
    for name in NETWORK_CACHES:
        path = cache_dir() / f"{name}.json"
        if path.is_file():
            data = _stored(path)
            expired = sum(_expired(item, now, ttl) for item in data.values())
            out.append(NetworkCache(name, str(path), len(data), expired, path.stat().st_size))
    return out


def prune_expired(ttl: float = DEFAULT_TTL) -> int:
    """Remove the network results older than ``ttl`` seconds; how many were removed."""
    now = time.time()
    removed = 0
    for name in NETWORK_CACHES:
        path = cache_dir() / f"{name}.json"
        if not path.is_file():
            continue
        data = _stored(path)
        kept = {k: v for k, v in data.items() if not _expired(v, now, ttl)}
        if len(kept) < len(data) and write_atomic(path, json.dumps(kept, ensure_ascii=False)):
            removed += len(data) - len(kept)
    return removed
