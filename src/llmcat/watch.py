"""New Hub repositories of the organizations the catalog tracks that have no entry yet.

Pure: the Hub listings come in, candidates go out, newest first. The CLI fetches (net/hub.py)
and renders.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypedDict

from llmcat.catalog import Catalog


class Candidate(TypedDict):
    id: str
    org: str
    license: str | None
    downloads: int | None
    created: str | None


def tracked_hub_ids(catalog: Catalog) -> set[str]:
    return {str(r["links"]["huggingface"]).lower() for r in catalog.entries() if r.get("links", {}).get("huggingface")}


def tracked_orgs(catalog: Catalog) -> list[str]:
    """Hub accounts named in entries' links.huggingface, each once (first spelling kept)."""
    found: dict[str, str] = {}
    for record in catalog.entries():
        hub = record.get("links", {}).get("huggingface")
        if hub:
            account = str(hub).split("/")[0]
            found.setdefault(account.lower(), account)
    return sorted(found.values(), key=str.lower)


def _license(repo: Mapping[str, Any]) -> str | None:
    for tag in repo.get("tags") or []:
        if isinstance(tag, str) and tag.startswith("license:"):
            return tag.split(":", 1)[1]
    return None


def candidates(listings: Mapping[str, Iterable[Any]], catalog: Catalog, since: str | None = None) -> list[Candidate]:
    """Listed repositories with no entry (by links.huggingface), created on or after ``since``."""
    known = tracked_hub_ids(catalog)
    out: dict[str, Candidate] = {}
    for org, repos in listings.items():
        for repo in repos:
            if not isinstance(repo, dict) or not isinstance(repo.get("id"), str):
                continue
            repo_id = repo["id"]
            created = repo.get("createdAt") if isinstance(repo.get("createdAt"), str) else None
            if repo_id.lower() in known or (since and (created or "") < since):
                continue
            downloads = repo.get("downloads")
            out.setdefault(
                repo_id.lower(),
                {
                    "id": repo_id,
                    "org": org,
                    "license": _license(repo),
                    "downloads": downloads if isinstance(downloads, int) and not isinstance(downloads, bool) else None,
                    "created": created,
                },
            )
    return sorted(out.values(), key=lambda c: (c["created"] or "", c["id"]), reverse=True)
