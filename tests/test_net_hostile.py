"""Network checks against hostile and rate-limiting servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import math
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from llmcat.net.audit import api_url
from llmcat.net.client import Checker, Options, Outcome
from llmcat.net.links import urls_of
from llmcat.net.pacing import HostPacer, parse_host_interval, retry_after_seconds
from llmcat.net.policy import Resolver, Unresolvable
from llmcat.net.states import STATES
from tests.conftest import Result
from tests.netserver import State, serve, serve_raw

Run = Callable[..., Result]


@pytest.fixture
def server() -> Iterator[tuple[str, State]]:
    with serve() as running:
        yield running


def check(urls: list[str], want_json: bool = False, resolver: Resolver | None = None, **kw: object) -> list[Outcome]:
    defaults: dict[str, object] = {"allow_private": True, "timeout": 1.0, "retries": 1, "backoff": 0.01}
    options = Options(**{**defaults, **kw})  # type: ignore[arg-type]
    return asyncio.run(Checker(options, resolver=resolver).run(urls, want_json=want_json))


def _links_catalog(root: Path, *urls: str) -> Path:
    """The mini catalog with web-data citing these URLs and nothing else."""
    path = root / "datasets" / "web-data.yaml"
    text = path.read_text(encoding="utf-8").split("sources:")[0]
    text += "sources:\n" + "".join(f"  - url: {url}\n    primary: true\n    about: [license]\n" for url in urls)
    path.write_text(text, encoding="utf-8")
    return root


# --- rate limits ---------------------------------------------------------------------------


def test_a_429_that_persists_is_rate_limited_not_broken(server: tuple[str, State]) -> None:
    base, state = server
    (outcome,) = check([base + "/always-429"], retries=2)
    assert (outcome.state, outcome.status_code, outcome.attempts) == ("rate_limited", 429, 3)
    assert state.hits["/always-429"] == 3


def test_rate_limited_is_not_a_failure_nor_cached_unless_asked(
    run: Run, mini_catalog: Callable[[str | None], Path], server: tuple[str, State]
) -> None:
    base, state = server
    root = _links_catalog(mini_catalog(None), base + "/always-429")
    args = ("links", "web-data", "--catalog", str(root), "--allow-private", "--retries", "0", "--json")
    first = run(*args)
    assert first.exit_code == 0, first
    assert json.loads(first.stdout)["summary"]["rate_limited"] == 1
    strict = run(*args, "--fail-on-rate-limit")
    assert strict.exit_code == 1, strict
    assert json.loads(strict.stdout)["summary"]["cached"] == 0 and state.hits["/always-429"] == 2


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("7", 7.0),
        (" 12 ", 12.0),
        ("1.5", 1.5),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 10.0),
        ("Wed, 21 Oct 2015 07:28:00", 10.0),  # no zone: read as GMT
        ("Wed, 21 Oct 2015 07:27:00 GMT", 0.0),  # in the past
        ("9" * 400, math.inf),
    ],
)
def test_retry_after_reads_seconds_and_http_dates(header: str, seconds: float) -> None:
    assert retry_after_seconds(header, now=1445412470.0) == pytest.approx(seconds)


@pytest.mark.parametrize(
    "header",
    [
        "²",
        "١٢",
        "-5",
        "1e3",
        "soon",
        "",
        "   ",
        "Wed, 99 Foo 2015 99:99:99 GMT",
        "Mon, 1 Jan 99999 00:00:00 GMT",
        "\x00",
    ],
)
def test_retry_after_that_is_not_a_number_or_date_is_ignored(header: str) -> None:
    assert retry_after_seconds(header, now=0.0) is None


def test_requests_to_one_host_are_spaced_by_its_interval(server: tuple[str, State]) -> None:
    base, _ = server
    started = time.monotonic()
    outcomes = check([f"{base}/latency/{i}" for i in range(4)], concurrency=4, per_host=4, min_interval=0.2)
    assert {o.state for o in outcomes} == {"ok"}
    # The fourth request cannot start before three intervals have passed.
    assert time.monotonic() - started >= 0.6


def test_host_intervals_cover_subdomains_and_parse_from_the_command_line() -> None:
    pacer = HostPacer(0.0, {"github.com": 0.25, "huggingface.co": 0.5})
    assert pacer.interval("github.com") == 0.25 and pacer.interval("api.github.com") == 0.25
    assert pacer.interval("notgithub.com") == 0.0 and pacer.interval("cdn-lfs.huggingface.co") == 0.5
    assert parse_host_interval("GitHub.com=0.5") == ("github.com", 0.5)
    for bad in ("github.com", "=1", "github.com=-1", "github.com=fast"):
        with pytest.raises(ValueError):
            parse_host_interval(bad)


def test_retry_after_holds_off_the_whole_host() -> None:
    pacer = HostPacer(0.0, {})
    pacer.defer("github.com", 5)
    assert 4 < pacer.ready_in("github.com") <= 5 and pacer.ready_in("example.org") == 0
    pacer.defer("github.com", 1)  # a shorter wait does not shorten the one in force
    assert pacer.ready_in("github.com") > 4


def test_a_429_with_retry_after_defers_its_host(server: tuple[str, State]) -> None:
    base, _ = server
    checker = Checker(Options(allow_private=True, timeout=1, retries=0))
    (outcome,) = asyncio.run(checker.run([base + "/slow-down"]))
    # Held off for the Retry-After, bounded by max_retry_after (30 s).
    assert outcome.state == "rate_limited" and 20 < checker.pacer.ready_in("127.0.0.1") <= 30


def test_a_worker_keeps_its_connection_alive_across_head_requests(server: tuple[str, State]) -> None:
    base, state = server
    outcomes = check([f"{base}/latency/{i}" for i in range(5)] + [base + "/no-head"], concurrency=1)
    assert {o.state for o in outcomes} == {"ok"}
    assert len(state.connections) == 1


def test_a_bad_host_interval_is_a_usage_error(run: Run, mini_catalog: Callable[[str | None], Path]) -> None:
    result = run("links", "web-data", "--catalog", str(mini_catalog(None)), "--host-interval", "github.com")
    assert result.exit_code == 2 and "HOST=SECONDS" in result.stderr, result


class CountingLookup:
    """A DNS server: 127.0.0.1 for names ending in .test, nothing (after a hang) for the rest."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    async def __call__(self, host: str) -> list[str]:
        self.asked.append(host)
        if host.endswith(".test"):
            return ["127.0.0.1"]
        await asyncio.sleep(3600)
        raise Unresolvable(host)


def test_each_host_is_resolved_once_per_run(server: tuple[str, State]) -> None:
    base, _ = server
    port = base.rsplit(":", 1)[1]
    lookup = CountingLookup()
    urls = [f"http://files.test:{port}{path}" for path in ("/ok", "/r301", "/r302", "/missing", "/no-head")]
    outcomes = check(urls, resolver=Resolver(lookup), concurrency=5)
    assert [o.state for o in outcomes] == ["ok", "redirected", "redirected", "broken", "ok"]
    assert lookup.asked == ["files.test"]


def test_hosts_that_do_not_resolve_cost_one_lookup_each_not_one_per_url() -> None:
    lookup = CountingLookup()
    urls = [f"https://host{h}.invalid/{i}" for h in range(3) for i in range(4)]
    outcomes = check(urls, resolver=Resolver(lookup, timeout=0.3), allow_private=False, concurrency=12, deadline=20)
    assert {o.state for o in outcomes} == {"unreachable"}
    assert "timed out" in (outcomes[0].detail or "")
    assert sorted(lookup.asked) == ["host0.invalid", "host1.invalid", "host2.invalid"]


def test_a_trusted_host_without_dns_fails_before_any_pacing() -> None:
    lookup = CountingLookup()
    options = Options(timeout=0.2, trusted=frozenset({("hub.invalid", 443)}), host_intervals={"hub.invalid": 10})
    checker = Checker(options, resolver=Resolver(lookup, timeout=0.2))
    outcomes = asyncio.run(checker.run([f"https://hub.invalid/api/models/{i}" for i in range(3)]))
    assert {o.state for o in outcomes} == {"unreachable"}
    assert checker.pacer.ready_in("hub.invalid") == 0 and lookup.asked == ["hub.invalid"]


def test_a_hung_system_lookup_does_not_hold_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    release, returned = threading.Event(), threading.Event()

    def hung(*args: object, **kwargs: object) -> list[object]:
        release.wait(10)
        returned.set()
        raise socket.gaierror("no DNS server")

    monkeypatch.setattr(socket, "getaddrinfo", hung)
    try:
        outcomes = check(["https://a.invalid/x", "https://b.invalid/y"], allow_private=False, timeout=0.2, deadline=5)
        assert [o.state for o in outcomes] == ["unreachable", "unreachable"]
        assert not returned.is_set()  # the run ended without waiting for the blocked look-ups
    finally:
        release.set()


# --- one bad response --------------------------------------------------------------------


def test_one_bad_response_never_silences_a_worker(server: tuple[str, State]) -> None:
    base, _ = server
    paths = ["/bad-gzip", "/bad-retry-after", "/bad-location", "/api/models/org/good-model", "/ok"]
    outcomes = check([base + p for p in paths], want_json=True, concurrency=1, retries=1)
    by_path = {o.url.removeprefix(base): o for o in outcomes}
    assert {p: o.state for p, o in by_path.items()} == {
        "/bad-gzip": "error",
        "/bad-retry-after": "rate_limited",
        "/bad-location": "error",
        "/api/models/org/good-model": "ok",
        "/ok": "error",  # "hello" is not JSON
    }
    assert "DecodingError" in (by_path["/bad-gzip"].detail or "")
    assert by_path["/api/models/org/good-model"].body["id"] == "org/good-model"


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n{}",
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\n{}",
        b"HTTP/1.1 200 OK\r\nContent-Encoding: br, zstd, nonsense\r\nContent-Length: 2\r\n\r\n{}",
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=nonsense\r\nContent-Length: 2\r\n\r\n{}",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
        b'HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n\xff\xfe\x00{"a":1}',
        b"HTTP/1.1 200 OK\r\nContent-Length: 4001\r\n\r\n" + b"[" * 4000 + b"1",
        b"HTTP/1.1 302 Found\r\nLocation: \x01\x02javascript:alert(1)\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 302 Found\r\nLocation: http://user:pw@[::1]:99999/\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 429 Too Many\r\nRetry-After: \xb2\xb3\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 999 Whatever\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nX-\xff\xfe: \xff\r\nContent-Length: 2\r\n\r\n{}",
        b"SSH-2.0-OpenSSH_9.6\r\n",
        b"HTTP/1.1 200 OK\r\n" + b"X-Long: " + b"a" * 200_000 + b"\r\n\r\n",
        b"",
    ],
)
def test_any_answer_ends_in_a_state_and_the_next_url_is_still_checked(server: tuple[str, State], answer: bytes) -> None:
    base, _ = server
    with serve_raw(answer) as raw:
        for want_json in (False, True):
            urls = [raw + "/x", base + ("/api/models/org/good-model" if want_json else "/ok")]
            first, second = check(urls, want_json=want_json, concurrency=1, retries=0)
            assert first.state in STATES, first
            assert second.state == "ok", second


def test_a_bad_gzip_body_fails_one_entry_of_an_audit(
    run: Run, mini_catalog: Callable[[str | None], Path], server: tuple[str, State]
) -> None:
    base, _ = server
    root = mini_catalog(None)
    path = root / "models" / "base-7b.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "links:\n  huggingface: org/good-model\n", encoding="utf-8")
    result = run("audit", "base-7b", "--catalog", str(root), "--endpoint", base + "/bad-gzip", "--json")
    assert result.exit_code == 1, result
    (error,) = json.loads(result.stdout)["errors"]
    assert error["state"] == "error" and "DecodingError" in error["detail"]


# --- bounded work --------------------------------------------------------------------------


@pytest.mark.parametrize("route", ["/huge/x", "/endless/x"])
def test_a_body_over_the_cap_is_cut_off(server: tuple[str, State], route: str) -> None:
    base, state = server
    (outcome,) = check([base + route], want_json=True, max_body=1024 * 1024)
    assert outcome.state == "error" and "1048576-byte cap" in (outcome.detail or ""), outcome
    assert outcome.attempts == 1
    # Either refused on the declared length or read only up to the cap (plus what was in flight).
    assert state.sent[route] < 2 * 1024**3


def test_timeout_bounds_a_whole_request_not_each_read(
    run: Run, mini_catalog: Callable[[str | None], Path], server: tuple[str, State]
) -> None:
    base, _ = server
    root = mini_catalog(None)
    path = root / "models" / "base-7b.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "links:\n  huggingface: org/good-model\n", encoding="utf-8")
    args = ("audit", "base-7b", "--catalog", str(root), "--endpoint", base + "/drip", "--json")
    result = run(*args, "--timeout", "1", "--retries", "0")
    assert result.exit_code == 1, result
    (error,) = json.loads(result.stdout)["errors"]
    assert error["state"] == "timeout" and "within 1 s" in error["detail"]


def test_audit_of_an_entry_without_a_hub_link_says_it_was_skipped(
    run: Run, mini_catalog: Callable[[str | None], Path], server: tuple[str, State]
) -> None:
    base, state = server
    root = mini_catalog(None)
    text = run("audit", "web-data", "--catalog", str(root), "--endpoint", base)
    assert text.exit_code == 0, text
    assert "audited 0 entries" in text.stderr and "skipped 1 without a Hugging Face link (web-data)" in text.stderr
    report = json.loads(run("audit", "--catalog", str(root), "--endpoint", base, "--json").stdout)
    # Licenses have no links: they are not entries to audit, skipped or not.
    assert sorted(report["skipped"]) == ["base-7b", "web-data"] and report["summary"]["entries"] == 0
    assert set(report) == {"checked", "skipped", "drift", "errors", "summary"}
    assert set(report["summary"]) == {"entries", "skipped", "drift", "errors"}
    assert sum(state.hits.values()) == 0


def test_a_toolkits_hub_link_is_a_model_repository() -> None:
    toolkit: Any = {"id": "lora", "kind": "toolkit", "links": {"huggingface": "org/adapter"}}
    dataset: Any = {"id": "data", "kind": "dataset", "links": {"huggingface": "org/data"}}
    assert urls_of(toolkit) == ["https://huggingface.co/org/adapter"]
    assert api_url("http://hub", toolkit) == "http://hub/api/models/org/adapter"
    assert urls_of(dataset) == ["https://huggingface.co/datasets/org/data"]
    assert api_url("http://hub", dataset) == "http://hub/api/datasets/org/data"
