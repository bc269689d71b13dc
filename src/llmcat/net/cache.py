"""On-disk results of network checks, kept for a time-to-live."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

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
