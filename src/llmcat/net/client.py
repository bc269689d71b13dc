"""A polite, bounded HTTP checker on httpx.

``concurrency`` workers; at most ``per_host`` requests at once to one host, and request starts to
one host spaced by a minimum interval (github.com and huggingface.co have defaults); HEAD first,
GET where HEAD is refused; redirects followed by hand so that every hop passes the URL policy and
loops are caught; connections only to vetted addresses (``llmcat.net.transport``), each host
resolved once per run; ``429``/``503`` honour ``Retry-After`` (bounded); connection errors,
timeouts and 5xx are retried with exponential backoff and jitter; ``timeout`` bounds each request
as a whole (connect, headers and body), bodies are read only up to a cap, and an overall deadline
ends the run whatever the servers do. Whatever goes wrong with one URL ends as that URL's state;
the other URLs are still checked.
"""

from __future__ import annotations

import asyncio
import json
import random
import ssl
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from urllib.parse import urljoin, urlsplit

import certifi
import httpx

from llmcat import __version__
from llmcat.net.pacing import HostPacer, retry_after_seconds
from llmcat.net.policy import Policy, Refused, Resolver, Unresolvable, check_scheme
from llmcat.net.states import HOST_INTERVALS
from llmcat.net.transport import VettingTransport

__all__ = ["Checker", "Credential", "Options", "Outcome", "authorization"]

USER_AGENT = f"llmcat/{__version__} (+catalog link check)"
HEAD_REFUSED = {403, 405, 501}
REDIRECTS = {301, 302, 303, 307, 308}
PERMANENT = {301, 308}
MAX_REDIRECTS = 10
MAX_BODY = 16 * 1024 * 1024


class Credential(NamedTuple):
    """An Authorization value and the one origin (scheme, host, port) it may be sent to."""

    origin: tuple[str, str, int]
    value: str


def origin_of(url: str) -> tuple[str, str, int]:
    host, port = check_scheme(url)
    return urlsplit(url).scheme, host, port


def authorization(credential: Credential | None, url: str) -> dict[str, str] | None:
    """The Authorization header for a URL: only at the credential's exact scheme, host and port."""
    if credential is None or origin_of(url) != credential.origin:
        return None
    return {"Authorization": credential.value}


@dataclass
class Options:
    concurrency: int = 16
    per_host: int = 4
    timeout: float = 10.0  # one request as a whole: connect, headers and body
    retries: int = 2
    deadline: float = 300.0
    max_retry_after: float = 30.0
    backoff: float = 0.5
    max_body: int = MAX_BODY
    min_interval: float = 0.0  # for hosts not in host_intervals
    host_intervals: dict[str, float] = field(default_factory=lambda: dict(HOST_INTERVALS))
    allow_private: bool = False
    trusted: frozenset[tuple[str, int]] = frozenset()  # (host, port) origins the user named
    headers: dict[str, str] = field(default_factory=dict)
    auth: Credential | None = None


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
    """A failure worth another try; its state is the URL's if the tries run out."""

    def __init__(self, state: str, detail: str, status: int | None = None, wait: float | None = None) -> None:
        super().__init__(detail)
        self.state, self.detail, self.status, self.wait = state, detail, status, wait


class _Unusable(Exception):
    """An answer that came but cannot be used (too large, not JSON): the URL's ``error``."""

    def __init__(self, detail: str, status: int | None = None) -> None:
        super().__init__(detail)
        self.status = status


def interleave_hosts(urls: list[str]) -> list[str]:
    """Round-robin over hosts, so that workers waiting on one busy host do not starve the rest."""
    by_host: dict[str, list[str]] = defaultdict(list)
    for url in urls:
        by_host[_host(url)].append(url)
    queues = list(by_host.values())
    out: list[str] = []
    for i in range(max((len(q) for q in queues), default=0)):
        out.extend(q[i] for q in queues if i < len(q))
    return out


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    reason = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return reason if len(reason) <= 300 else reason[:299] + "…"


class Checker:
    """``concurrency`` workers, each with a client of its own.

    One shared httpx client would do too, but httpcore's pool scans all its connections for
    every request, which costs more CPU than the requests themselves at 50 connections; small
    pools keep the client's CPU time small beside the network time.

    ``transport`` replaces the vetting transport (tests use a mock one); ``resolver`` replaces
    the run's DNS resolver.
    """

    def __init__(
        self,
        options: Options,
        transport: httpx.AsyncBaseTransport | None = None,
        resolver: Resolver | None = None,
    ) -> None:
        self.options = options
        self.policy = Policy(options.allow_private, options.trusted, resolver or Resolver(timeout=options.timeout))
        self.pacer = HostPacer(options.min_interval, options.host_intervals)
        self._transport = transport
        self._hosts: dict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(options.per_host))
        self._ssl: ssl.SSLContext | None = None

    def _client(self) -> httpx.AsyncClient:
        if self._ssl is None:
            # Loading the CA bundle costs ~35 ms; do it once, not once per worker.
            self._ssl = ssl.create_default_context(cafile=certifi.where())
        limits = httpx.Limits(max_connections=4, max_keepalive_connections=4)
        return httpx.AsyncClient(
            timeout=httpx.Timeout(self.options.timeout),
            headers={"User-Agent": USER_AGENT, **self.options.headers},
            follow_redirects=False,
            transport=self._transport or VettingTransport(self.policy, self._ssl, limits),
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
        setup_errors: list[str] = []

        async def worker() -> None:
            try:
                client = self._client()
            except Exception as exc:  # a proxy setting httpx cannot use, for instance
                setup_errors.append(f"no HTTP client: {_reason(exc)}")
                return
            async with client:
                while True:
                    try:
                        url = queue.get_nowait()
                    except asyncio.QueueEmpty:
                        return
                    results[url] = await self._check(client, url, want_json)
                    if progress:
                        progress(results[url])

        workers = [asyncio.create_task(worker()) for _ in range(min(self.options.concurrency, len(unique)))]
        pending: set[asyncio.Task[None]] = set()
        if workers:
            _, pending = await asyncio.wait(workers, timeout=self.options.deadline)
            for task in pending:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
        for url in unique:
            if url not in results:
                results[url] = (
                    Outcome(url, "error", detail=setup_errors[0])
                    if setup_errors and not pending
                    else Outcome(url, "timeout", detail=f"overall deadline of {self.options.deadline:g} s reached")
                )
                if progress:
                    progress(results[url])
        return [results[url] for url in unique]

    async def _check(self, client: httpx.AsyncClient, url: str, want_json: bool) -> Outcome:
        started = time.monotonic()
        try:
            outcome = await self._with_retries(client, url, want_json)
        except Exception as exc:  # a bug of ours must not silence the worker either
            outcome = Outcome(url, "error", detail=_reason(exc))
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
            except Unresolvable as exc:
                return Outcome(url, "unreachable", detail=str(exc), attempts=attempt)
            except _Transient as exc:
                if attempt > self.options.retries:
                    detail = exc.detail if attempt == 1 else f"{exc.detail}; {attempt} tries"
                    return Outcome(url, exc.state, exc.status, detail=detail, attempts=attempt)
                await asyncio.sleep(self._delay(attempt, exc.wait))
            except _Unusable as exc:
                return Outcome(url, "error", exc.status, detail=str(exc), attempts=attempt)
            except Exception as exc:  # a bad gzip body, a header httpx rejects, ...
                return Outcome(url, "error", detail=_reason(exc), attempts=attempt)

    def _delay(self, attempt: int, wait: float | None) -> float:
        if wait is not None:
            return min(wait, self.options.max_retry_after)
        base = self.options.backoff * (2 ** (attempt - 1))
        return float(base + random.uniform(0, base))

    async def _follow(self, client: httpx.AsyncClient, url: str, want_json: bool) -> Outcome:
        current, seen, first_permanent = url, [url], None
        hops = 0
        while True:
            await self.policy.vet_url(current)
            response, body = await self._request(client, current, want_json)
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
            return self._classify(url, current, response, body, hops, first_permanent, want_json)

    async def _request(self, client: httpx.AsyncClient, url: str, want_json: bool) -> tuple[httpx.Response, bytes]:
        host = _host(url)
        headers = authorization(self.options.auth, url)
        async with self._hosts[host]:
            if not want_json:
                response, _ = await self._exchange(client, "HEAD", url, headers, read=False)
                if response.status_code not in HEAD_REFUSED:
                    return response, b""
            return await self._exchange(client, "GET", url, headers, read=want_json)

    async def _exchange(
        self, client: httpx.AsyncClient, method: str, url: str, headers: dict[str, str] | None, read: bool
    ) -> tuple[httpx.Response, bytes]:
        """One request, paced, bounded by the timeout as a whole; the body read (up to the cap) if asked."""
        await self.pacer.wait(_host(url))

        async def exchange() -> tuple[httpx.Response, bytes]:
            async with client.stream(method, url, headers=headers) as response:
                if method == "HEAD":
                    await response.aread()  # nothing to read, but a finished answer keeps the connection alive
                body = await self._read_capped(response) if read and response.status_code == 200 else b""
                return response, body

        try:
            return await asyncio.wait_for(exchange(), self.options.timeout)
        except (asyncio.TimeoutError, httpx.TimeoutException) as exc:
            raise _Transient(
                "timeout", f"no complete answer within {self.options.timeout:g} s ({type(exc).__name__})"
            ) from None
        except httpx.RemoteProtocolError as exc:  # retried: a closed keep-alive connection looks the same
            raise _Transient("error", f"the answer is not valid HTTP ({exc})") from None
        except httpx.TransportError as exc:
            raise _Transient("unreachable", f"{type(exc).__name__}: {exc or 'connection failed'}") from None

    async def _read_capped(self, response: httpx.Response) -> bytes:
        cap = self.options.max_body
        declared = response.headers.get("content-length", "")
        if declared.isascii() and declared.isdigit() and int(declared) > cap:
            raise _Unusable(f"the answer is {int(declared)} bytes, over the {cap}-byte cap")
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > cap:
                raise _Unusable(f"the answer is over the {cap}-byte cap; reading stopped there")
            chunks.append(chunk)
        return b"".join(chunks)

    def _classify(
        self,
        url: str,
        final: str,
        response: httpx.Response,
        raw: bytes,
        hops: int,
        permanent: str | None,
        want_json: bool,
    ) -> Outcome:
        status = response.status_code
        if status == 429 or status == 503:
            wait = retry_after_seconds(response.headers.get("retry-after"))
            if wait is not None:  # every worker holds off that host, not only this URL's
                self.pacer.defer(_host(final), min(wait, self.options.max_retry_after))
            state = "rate_limited" if status == 429 else "server_error"
            raise _Transient(state, f"HTTP {status}", status, wait)
        if status >= 500:
            raise _Transient("server_error", f"HTTP {status}", status)
        if status >= 400:
            return Outcome(url, "broken", status, final, detail=f"HTTP {status}")
        body = None
        if want_json and status == 200:
            try:
                body = json.loads(raw)
            except (ValueError, RecursionError):
                raise _Unusable(f"HTTP {status} but the answer is not JSON", status) from None
        if hops:
            suggestion = final if permanent else None
            return Outcome(
                url, "redirected", status, final, detail=f"{hops} redirect(s)", suggestion=suggestion, body=body
            )
        return Outcome(url, "ok", status, final, body=body)
