"""`llmcat links`: every URL the chosen entries cite, checked once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from llmcat.catalog import Catalog, Record
from llmcat.net.cache import ResultCache
from llmcat.net.client import Checker, Options, Outcome
from llmcat.net.states import STATES, failures

HF_BASE = "https://huggingface.co"


def hub_section(record: Record) -> str:
    """Where an entry's Hugging Face id lives on the Hub: datasets for datasets, models otherwise
    (a toolkit's Hub link is its weights, an adapter for instance)."""
    return "datasets" if record["kind"] == "dataset" else "models"


def urls_of(record: Record) -> list[str]:
    """The URLs an entry cites: links (Hugging Face ids as pages), sources, history, hardware."""
    found: list[str] = []
    for key, value in record.get("links", {}).items():
        if key != "huggingface":
            found.append(value)
        elif hub_section(record) == "datasets":
            found.append(f"{HF_BASE}/datasets/{value}")
        else:
            found.append(f"{HF_BASE}/{value}")
    if record.get("url"):
        found.append(record["url"])
    found.extend(source["url"] for source in record.get("sources", []))
    found.extend(change["source"] for change in record.get("license_history", []))
    found.extend(figure["source"] for figure in record.get("hardware", []))
    return found


def collect(catalog: Catalog, ids: Iterable[str]) -> dict[str, list[str]]:
    """URL -> ids of the entries that cite it, in a stable order."""
    cited: dict[str, list[str]] = {}
    for entry_id in ids:
        for url in urls_of(catalog.records[entry_id]):
            owners = cited.setdefault(url, [])
            if entry_id not in owners:
                owners.append(entry_id)
    return cited


@dataclass
class LinkReport:
    results: list[dict[str, Any]] = field(default_factory=list)
    cached: int = 0
    fail_on_rate_limit: bool = False

    def summary(self) -> dict[str, int]:
        counts = {state: 0 for state in STATES}
        for result in self.results:
            counts[result["state"]] += 1
        return {**counts, "checked": len(self.results), "cached": self.cached}

    @property
    def failed(self) -> bool:
        """Whether the run exits 1: any failure state (rate_limited only with --fail-on-rate-limit)."""
        failing = failures(self.fail_on_rate_limit)
        return any(r["state"] in failing for r in self.results)

    def to_json(self) -> dict[str, Any]:
        return {"results": self.results, "summary": self.summary()}


def check_links(
    cited: dict[str, list[str]],
    options: Options,
    cache: ResultCache,
    progress: Callable[[Outcome], None] | None = None,
    fail_on_rate_limit: bool = False,
) -> LinkReport:
    report = LinkReport(fail_on_rate_limit=fail_on_rate_limit)
    fresh: dict[str, dict[str, Any]] = {}
    to_check = []
    for url in cited:
        hit = cache.get(url)
        if hit is None:
            to_check.append(url)
        else:
            fresh[url] = {**hit, "cached": True}
    report.cached = len(fresh)
    outcomes = asyncio.run(Checker(options).run(to_check, progress=progress)) if to_check else []
    for outcome in outcomes:
        result = outcome.to_json()
        cache.put(outcome.url, result)
        fresh[outcome.url] = {**result, "cached": False}
    cache.save()
    report.results = [{**fresh[url], "entries": owners} for url, owners in cited.items()]
    return report
