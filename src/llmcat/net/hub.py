"""Reading the Hugging Face Hub's JSON for `llmcat draft` and `llmcat watch`.

The requests go through the same client as `audit` (limits, retries, deadline, URL policy);
``HF_TOKEN`` is sent to the endpoint's host only, and that host may be private only when the
endpoint was named explicitly (``--endpoint`` or ``$HF_ENDPOINT``).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterable
from typing import Any, Literal, NamedTuple
from urllib.parse import quote, urlencode, urlsplit

from llmcat.catalog import Catalog
from llmcat.draft import Draft, HubFacts, draft_entry
from llmcat.net.audit import endpoint_of
from llmcat.net.client import Checker, Credential, Options, origin_of
from llmcat.problems import LlmcatError, UsageError

ReplyState = Literal["ok", "missing", "denied", "malformed", "failed"]
KIND_PATH = {"model": "models", "dataset": "datasets"}


class Reply(NamedTuple):
    """One Hub answer: ok with a JSON body, or why not."""

    url: str
    state: ReplyState
    status_code: int | None
    body: Any
    detail: str


def endpoint(option: str | None) -> tuple[str, bool]:
    """The Hub base URL and whether the user named it (then its host is trusted, even if private)."""
    base = endpoint_of(option)
    if not base.startswith(("http://", "https://")) or not urlsplit(base).hostname:
        raise UsageError(f"--endpoint '{base}' must be an http(s) URL")
    return base, bool(option or os.environ.get("HF_ENDPOINT"))


def api_url(base: str, kind: str, repo_id: str) -> str:
    return f"{base}/api/{KIND_PATH[kind]}/{quote(repo_id, safe='/')}"


def file_url(base: str, kind: str, repo_id: str, name: str) -> str:
    prefix = "" if kind == "model" else f"{KIND_PATH[kind]}/"
    return f"{base}/{prefix}{quote(repo_id, safe='/')}/resolve/main/{quote(name)}"


def page_url(base: str, kind: str, repo_id: str) -> str:
    prefix = "" if kind == "model" else f"{KIND_PATH[kind]}/"
    return f"{base}/{prefix}{quote(repo_id, safe='/')}"


def listing_url(base: str, author: str, limit: int) -> str:
    query = urlencode({"author": author, "sort": "createdAt", "direction": "-1", "limit": str(limit)})
    return f"{base}/api/models?{query}"


def fetch(urls: Iterable[str], base: str, trusted: bool, options: Options) -> dict[str, Reply]:
    """GET each URL as JSON; every URL gets a Reply."""
    scheme, host, port = origin_of(base)
    if trusted:  # the user named this endpoint: its host may be private (a mirror, a test server)
        options.trusted = options.trusted | {(host, port)}
    token = os.environ.get("HF_TOKEN")
    options.auth = Credential((scheme, host, port), f"Bearer {token}") if token else None
    wanted = list(dict.fromkeys(urls))
    outcomes = asyncio.run(Checker(options).run(wanted, want_json=True)) if wanted else []
    return {o.url: _reply(o.url, o.state, o.status_code, o.body, o.detail) for o in outcomes}


def _reply(url: str, state: str, code: int | None, body: Any, detail: str | None) -> Reply:
    if state in ("ok", "redirected"):
        if body is None:
            return Reply(url, "malformed", code, None, "the answer is not JSON")
        return Reply(url, "ok", code, body, "")
    if state == "error" and code is not None and 200 <= code < 300:  # it came, but could not be decoded
        return Reply(url, "malformed", code, None, detail or "the answer is not JSON")
    if code == 404:
        return Reply(url, "missing", code, None, "HTTP 404")
    if code in (401, 403):
        return Reply(url, "denied", code, None, f"HTTP {code}: gated or private (set HF_TOKEN)")
    return Reply(url, "failed", code, None, f"{state}: {detail or ''}".rstrip(": "))


def required(reply: Reply, what: str) -> Any:
    """The JSON body of an answer the command cannot go on without, else a clear error."""
    if reply.state == "ok":
        return reply.body
    if reply.state == "missing":
        raise LlmcatError(f"the Hub has no {what} (HTTP 404 at {reply.url})")
    if reply.state == "denied":
        raise LlmcatError(f"the Hub refused {reply.url} ({reply.detail})")
    if reply.state == "malformed":
        raise LlmcatError(f"the Hub's answer at {reply.url} is not JSON")
    raise LlmcatError(f"could not read {reply.url}: {reply.detail}")


def draft_from_hub(
    catalog: Catalog, repo_id: str, kind: str, entry_id: str, base: str, trusted: bool, options: Options
) -> Draft:
    """Fetch the repository's metadata (and a model's config.json) and draft its entry."""
    api = api_url(base, kind, repo_id)
    config = file_url(base, kind, repo_id, "config.json") if kind == "model" else None
    replies = fetch([api, *([config] if config else [])], base, trusted, options)
    meta = required(replies[api], f"{kind} '{repo_id}'")
    if not isinstance(meta, dict):
        raise LlmcatError(f"the Hub's answer at {api} is not a JSON object")
    notes = []
    config_body = None
    if config:
        reply = replies[config]
        if reply.state == "ok" and isinstance(reply.body, dict):
            config_body = reply.body
        elif reply.state != "missing":
            notes.append(f"config.json not read ({reply.detail or 'not a JSON object'}); config left out")
    facts = HubFacts(kind, repo_id, api, meta, page_url(base, kind, repo_id), config, config_body)
    drafted = draft_entry(catalog, facts, entry_id)
    return drafted._replace(notes=notes + drafted.notes)


def listings(
    orgs: list[str], base: str, trusted: bool, options: Options, limit: int
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """Each organization's models, newest first, and the organizations that could not be listed."""
    urls = {org: listing_url(base, org, limit) for org in orgs}
    replies = fetch(urls.values(), base, trusted, options)
    found: dict[str, Any] = {}
    errors: list[dict[str, str]] = []
    for org, url in urls.items():
        reply = replies[url]
        if reply.state == "ok" and isinstance(reply.body, list):
            found[org] = reply.body
        else:
            detail = reply.detail or "the answer is not a JSON list"
            errors.append({"org": org, "url": url, "detail": detail})
    return found, errors
