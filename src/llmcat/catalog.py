"""The catalog in memory: JSON-shaped records indexed by id, alias and family.

Records are plain dicts with the YAML field names (numbers normalised), the same objects
``--json`` prints. Nothing here imports pydantic or yaml, so a warm index can be queried
without them.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

Record = dict[str, Any]


def fold(text: str) -> str:
    """Case- and width-insensitive form for matching (full-width letters, ·/• variants)."""
    return unicodedata.normalize("NFKC", text).casefold().replace("•", "·").replace("・", "·")


@dataclass
class Catalog:
    root: str
    records: dict[str, Record] = field(default_factory=dict)
    paths: dict[str, str] = field(default_factory=dict)
    _names: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _families: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _children: dict[str, list[str]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.reindex()

    def reindex(self) -> None:
        self._names.clear()
        self._families.clear()
        self._children.clear()
        for entry_id, record in self.records.items():
            for name in (entry_id, record.get("name", ""), *record.get("aliases", [])):
                if name:
                    bucket = self._names.setdefault(fold(name), [])
                    if entry_id not in bucket:
                        bucket.append(entry_id)
            family = record.get("family")
            if family:
                self._families.setdefault(fold(family), []).append(entry_id)
            for parent in upstream_ids(record):
                self._children.setdefault(parent, []).append(entry_id)

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self.records

    def get(self, entry_id: str) -> Record | None:
        return self.records.get(entry_id)

    def entries(self, kinds: Iterable[str] = ("model", "dataset", "toolkit")) -> Iterator[Record]:
        wanted = set(kinds)
        return (r for r in self.records.values() if r["kind"] in wanted)

    def licenses(self) -> Iterator[Record]:
        return self.entries(("license",))

    def resolve(self, name: str) -> list[str]:
        """Ids an id, name, alias or family name refers to (several for a family)."""
        if name in self.records:
            return [name]
        key = fold(name.strip())
        named = self._names.get(key)
        if named:
            return list(named)
        members = self._families.get(key) or self._by_prefix(key)
        return sorted(members, key=lambda i: (self.records[i].get("params") or 0, i))

    def _by_prefix(self, key: str) -> list[str]:
        """A project name such as 'Chinese-LLaMA' names the ids that start with it."""
        prefix = key.replace(" ", "-") + "-"
        return [i for i in self.records if i.startswith(prefix) and self.records[i]["kind"] != "license"]

    def family_members(self, family: str) -> list[str]:
        return list(self._families.get(fold(family), []))

    def children(self, entry_id: str) -> list[str]:
        """Entries that name this one as base model, training data, source data or license."""
        return sorted(set(self._children.get(entry_id, [])))

    def suggestions(self, name: str, n: int = 3) -> list[str]:
        keys = list(self.records) + [k for k in self._names if k not in self.records]
        close = difflib.get_close_matches(fold(name), keys, n=n, cutoff=0.6)
        if not close:
            close = [k for k in keys if fold(name) in k][:n]
        return close


def upstream_ids(record: Record) -> list[str]:
    """Ids a record depends on: base model, datasets and licenses."""
    out: list[str] = []
    if record.get("base_model"):
        out.append(record["base_model"])
    out.extend(record.get("trained_on", []))
    out.extend(record.get("derived_from", []))
    license_ids = record.get("license", {})
    out.extend(v for v in license_ids.values() if isinstance(v, str))
    return out
