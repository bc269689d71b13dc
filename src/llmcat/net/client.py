"""A polite, bounded HTTP checker on httpx.

One async client; an overall concurrency limit and a per-host limit; HEAD first, GET where
HEAD is refused; redirects followed by hand so that every hop passes the URL policy and loops
are caught; ``429``/``503`` honour ``Retry-After`` (bounded); connection errors, timeouts and
5xx are retried with exponential backoff and jitter; an overall deadline ends the run whatever
the servers do.
"""

from __future__ import annotations

import asyncio
import email.utils
import random
import ssl
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import certifi
import httpx

from llmcat import __version__
from llmcat.net.policy import Refused, vet

USER_AGENT = f"llmcat/{__version__} (+catalog link check)"
HEAD_REFUSED = {403, 405, 501}
REDIRECTS = {301, 302, 303, 307, 308}
PERMANENT = {301, 308}
RETRY_AFTER = {429, 503}
MAX_REDIRECTS = 10
STATES = ("ok", "redirected", "broken", "server_error", "timeout", "unreachable", "refused")
FAILURES = {"broken", "server_error", "timeout", "unreachable", "refused"}


@dataclass
class Options:
    concurrency: int = 16
    per_host: int = 4
    timeout: float = 10.0
    retries: int = 2
    deadline: float = 300.0
    max_retry_after: float = 30.0
    backoff: float = 0.5
    allow_private: bool = False
    trusted_hosts: frozenset[str] = frozenset()
    headers: dict[str, str] = field(default_factory=dict)
    # (host, Authorization value): sent only to that host, never along a redirect elsewhere.
    auth: tuple[str, str] | None = None


@dataclass
class Outcome:
    url: str
    state: str
    status_code: int | None = None
    final_url: str | None = None
    elapsed_ms: int = 0
    detail: str | None = None
    suggestion: str | None = None
    attempts: int = 0
    body: Any = None

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "state": self.state,
            "status_code": self.status_code,
            "final_url": self.final_url,
            "elapsed_ms": self.elapsed_ms,
            "detail": self.detail,
            "suggestion": self.suggestion,
            "attempts": self.attempts,
        }


class _Transient(Exception):
    def __init__(self, state: str, detail: str, status: int | None = None, wait: float | None = None) -> None:
        super().__init__(detail)
        self.state, self.detail, self.status, self.wait = state, detail, status, wait


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


def interleave_hosts(urls: list[str]) -> list[str]:
    """Round-robin over hosts, so that workers waiting on one busy host do not starve the rest."""
    by_host: dict[str, list[str]] = defaultdict(list)
    for url in urls:
        by_host[(urlsplit(url).hostname or "").lower()].append(url)
    queues = list(by_host.values())
    out: list[str] = []
    for i in range(max((len(q) for q in queues), default=0)):
        out.extend(q[i] for q in queues if i < len(q))
    return out


class Checker:
    """``concurrency`` workers, each with a client of its own.

    One shared httpx client would do too, but httpcore's pool scans all its connections for
    every request, which costs more CPU than the requests themselves at 50 connections; small
    pools keep the client's CPU time small beside the network time.
    """

    def __init__(self, options: Options, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.options = options
        self._transport = transport
        self._hosts: dict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(options.per_host))
        self._ssl: ssl.SSLContext | None = None

    def _client(self) -> httpx.AsyncClient:
        if self._ssl is None:
            # Loading the CA bundle costs ~35 ms; do it once, not once per worker.
            self._ssl = ssl.create_default_context(cafile=certifi.where())
        return httpx.AsyncClient(
            verify=self._ssl,
            timeout=httpx.Timeout(self.options.timeout),
            limits=httpx.Limits(max_connections=4, max_keepalive_connections=4),
            headers={"User-Agent": USER_AGENT, **self.options.headers},
            follow_redirects=False,
            transport=self._transport,
        )

    async def run(
        self,
        urls: Iterable[str],
        *,
        want_json: bool = False,
        progress: Callable[[Outcome], None] | None = None,
    ) -> list[Outcome]:
        """Check each URL once; every URL ends in exactly one state before the deadline."""
        unique = list(dict.fromkeys(urls))
        queue: asyncio.Queue[str] = asyncio.Queue()
        for url in interleave_hosts(unique):
            queue.put_nowait(url)
        results: dict[str, Outcome] = {}

        async def worker() -> None:
            async with self._client() as client:
                while True:
                    try:
                        url = queue.get_nowait()
                    except asyncio.QueueEmpty:
                        return
                    results[url] = await self._check(client, url, want_json)
                    if progress:
                        progress(results[url])

        workers = [asyncio.create_task(worker()) for _ in range(min(self.options.concurrency, len(unique)))]
        if workers:
            _, pending = await asyncio.wait(workers, timeout=self.options.deadline)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        for url in unique:
            if url not in results:
                results[url] = Outcome(
                    url, "timeout", detail=f"overall deadline of {self.options.deadline:g} s reached"
                )
                if progress:
                    progress(results[url])
        return [results[url] for url in unique]

    async def _check(self, client: httpx.AsyncClient, url: str, want_json: bool) -> Outcome:
        started = time.monotonic()
        outcome = await self._with_retries(client, url, want_json)
        outcome.elapsed_ms = round((time.monotonic() - started) * 1000)
        return outcome

    async def _with_retries(self, client: httpx.AsyncClient, url: str, want_json: bool) -> Outcome:
        attempt = 0
        while True:
            attempt += 1
            try:
                outcome = await self._follow(client, url, want_json)
                outcome.attempts = attempt
                return outcome
            except Refused as exc:
                return Outcome(url, "refused", detail=str(exc), attempts=attempt)
            except LookupError as exc:
                return Outcome(url, "unreachable", detail=str(exc), attempts=attempt)
            except _Transient as exc:
                if attempt > self.options.retries:
                    return Outcome(url, exc.state, exc.status, detail=exc.detail, attempts=attempt)
                await asyncio.sleep(self._delay(attempt, exc.wait))

    def _delay(self, attempt: int, wait: float | None) -> float:
        if wait is not None:
            return min(wait, self.options.max_retry_after)
        base = self.options.backoff * (2 ** (attempt - 1))
        return float(base + random.uniform(0, base))

    async def _follow(self, client: httpx.AsyncClient, url: str, want_json: bool) -> Outcome:
        current, seen, first_permanent = url, [url], None
        hops = 0
        while True:
            await vet(current, self.options.allow_private, self.options.trusted_hosts)
            response = await self._request(client, current, want_json)
            status = response.status_code
            if status in REDIRECTS and "location" in response.headers:
                target = urljoin(current, response.headers["location"])
                if status in PERMANENT and first_permanent is None and hops == 0:
                    first_permanent = target
                hops += 1
                if target in seen or hops > MAX_REDIRECTS:
                    return Outcome(
                        url,
                        "unreachable",
                        status,
                        target,
                        detail="redirect loop" if target in seen else f"more than {MAX_REDIRECTS} redirects",
                    )
                seen.append(target)
                current = target
                continue
            return self._classify(url, current, response, hops, first_permanent)

    async def _request(self, client: httpx.AsyncClient, url: str, want_json: bool) -> httpx.Response:
        host = (urlsplit(url).hostname or "").lower()
        auth = self.options.auth
        headers = {"Authorization": auth[1]} if auth and auth[0] == host else None
        async with self._hosts[host]:
            try:
                if not want_json:
                    response = await client.head(url, headers=headers)
                    if response.status_code not in HEAD_REFUSED:
                        return response
                async with client.stream("GET", url, headers=headers) as streamed:
                    if want_json and streamed.status_code == 200:
                        await streamed.aread()
                    return streamed
            except httpx.TimeoutException as exc:
                raise _Transient(
                    "timeout", f"timed out after {self.options.timeout:g} s ({type(exc).__name__})"
                ) from None
            except httpx.TransportError as exc:
                raise _Transient("unreachable", f"{type(exc).__name__}: {exc or 'connection failed'}") from None

    def _classify(self, url: str, final: str, response: httpx.Response, hops: int, permanent: str | None) -> Outcome:
        status = response.status_code
        if status in RETRY_AFTER:
            wait = retry_after_seconds(response.headers.get("retry-after"))
            state = "server_error" if status == 503 else "broken"
            raise _Transient(state, f"HTTP {status}", status, wait if wait is not None else None)
        if status >= 500:
            raise _Transient("server_error", f"HTTP {status}", status)
        if status >= 400:
            return Outcome(url, "broken", status, final, detail=f"HTTP {status}")
        body = None
        if response.is_stream_consumed and response.content:
            try:
                body = response.json()
            except ValueError:
                body = None
        if hops:
            suggestion = final if permanent else None
            return Outcome(
                url, "redirected", status, final, detail=f"{hops} redirect(s)", suggestion=suggestion, body=body
            )
        return Outcome(url, "ok", status, final, body=body)


def run_sync(coro: Awaitable[list[Outcome]]) -> list[Outcome]:
    async def _main() -> list[Outcome]:
        return await coro

    return asyncio.run(_main())
