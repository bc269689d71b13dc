"""Network checks against a real server on 127.0.0.1; nothing here touches the internet."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from llmcat.net.client import Checker, Options, Outcome
from llmcat.net.states import STATES
from tests.conftest import Result
from tests.netserver import State, serve

Run = Callable[..., Result]


@pytest.fixture
def server() -> Iterator[tuple[str, State]]:
    with serve() as running:
        yield running


def check(urls: list[str], **kw: object) -> dict[str, Outcome]:
    options = Options(allow_private=True, timeout=1.0, retries=2, backoff=0.05, **kw)  # type: ignore[arg-type]
    return {o.url: o for o in asyncio.run(Checker(options).run(urls))}


def test_states_against_a_real_server(server: tuple[str, State]) -> None:
    base, state = server
    state.slow = 3.0
    paths = [
        "/ok",
        "/r301",
        "/r302",
        "/loop-a",
        "/missing",
        "/no-head",
        "/rate-limited",
        "/flaky",
        "/slow",
        "/reset",
        "/always-500",
    ]
    got = check([base + p for p in paths])
    states = {p: got[base + p].state for p in paths}
    assert states == {
        "/ok": "ok",
        "/r301": "redirected",
        "/r302": "redirected",
        "/loop-a": "unreachable",
        "/missing": "broken",
        "/no-head": "ok",
        "/rate-limited": "ok",
        "/flaky": "ok",
        "/slow": "timeout",
        "/reset": "unreachable",
        "/always-500": "server_error",
    }
    assert got[base + "/r301"].suggestion == base + "/ok"
    assert got[base + "/r302"].suggestion is None and got[base + "/r302"].final_url == base + "/ok"
    assert got[base + "/loop-a"].detail == "redirect loop"
    assert got[base + "/missing"].status_code == 404
    assert got[base + "/rate-limited"].attempts == 2 and got[base + "/flaky"].attempts == 2
    assert got[base + "/always-500"].attempts == 3 and state.hits["/always-500"] == 3


def test_retry_after_is_honoured(server: tuple[str, State]) -> None:
    base, _ = server
    started = time.monotonic()
    assert check([base + "/rate-limited"])[base + "/rate-limited"].state == "ok"
    assert time.monotonic() - started >= 0.9


def test_deadline_ends_a_run_against_a_server_that_never_answers(server: tuple[str, State]) -> None:
    base, _ = server
    started = time.monotonic()
    options = Options(allow_private=True, timeout=20, deadline=1.0, retries=0)
    result = asyncio.run(Checker(options).run([base + "/hang", base + "/ok"]))
    assert time.monotonic() - started < 5
    assert {o.url: o.state for o in result} == {base + "/hang": "timeout", base + "/ok": "ok"}


def test_a_redirect_to_a_private_address_is_refused(server: tuple[str, State]) -> None:
    base, _ = server
    port = int(base.rsplit(":", 1)[1])
    options = Options(timeout=1, trusted=frozenset({("127.0.0.1", port)}))
    (outcome,) = asyncio.run(Checker(options).run([base + "/to-private"]))
    assert outcome.state == "refused" and "10.255.255.1" in (outcome.detail or "")


def test_per_host_limit_is_respected() -> None:
    active = 0
    peak = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        await asyncio.sleep(0.02)
        active -= 1
        return httpx.Response(200)

    options = Options(concurrency=20, per_host=3, allow_private=True)
    urls = [f"http://203.0.113.1/{i}" for i in range(30)]
    outcomes = asyncio.run(Checker(options, transport=httpx.MockTransport(handler)).run(urls))
    assert {o.state for o in outcomes} == {"ok"} and peak == 3


def _net_catalog(root: Path, base: str) -> Path:
    model = (root / "models" / "base-7b.yaml").read_text(encoding="utf-8")
    model = model.replace("https://example.org/base-7b", f"{base}/ok")
    model += f"links:\n  repo: {base}/r301\n  homepage: {base}/missing\n  huggingface: org/good-model\n"
    (root / "models" / "base-7b.yaml").write_text(model, encoding="utf-8")
    data = (
        (root / "datasets" / "web-data.yaml")
        .read_text(encoding="utf-8")
        .replace("https://example.org/web-data", f"{base}/ok")
    )
    (root / "datasets" / "web-data.yaml").write_text(data, encoding="utf-8")
    return root


def test_links_command_end_to_end(
    run: Run, mini_catalog: Callable[[str | None], Path], server: tuple[str, State]
) -> None:
    base, state = server
    root = _net_catalog(mini_catalog(None), base)
    result = run("links", "base-7b", "web-data", "--catalog", str(root), "--allow-private", "--json", "--timeout", "2")
    assert result.exit_code == 1, result
    report = json.loads(result.stdout)
    by_url = {r["url"]: r for r in report["results"]}
    assert by_url[f"{base}/ok"]["entries"] == ["base-7b", "web-data"]
    assert by_url[f"{base}/missing"]["state"] == "broken"
    assert by_url[f"{base}/r301"]["state"] == "redirected"
    assert set(by_url[f"{base}/ok"]) == {
        *("url", "state", "status_code", "final_url", "elapsed_ms", "detail", "suggestion", "attempts"),
        *("cached", "entries"),
    }
    assert set(report["summary"]) == {*STATES, "checked", "cached"}
    assert state.hits["/ok"] == 2  # once for the URL two entries cite, once at the end of /r301
    assert report["summary"]["broken"] == 1

    again = json.loads(run("links", "base-7b", "--catalog", str(root), "--allow-private", "--json").stdout)
    assert again["summary"]["cached"] == 3 and state.hits["/ok"] == 2


def test_links_refuses_local_urls_by_default(
    run: Run, mini_catalog: Callable[[str | None], Path], server: tuple[str, State]
) -> None:
    base, state = server
    root = _net_catalog(mini_catalog(None), base)
    result = run("links", "web-data", "--catalog", str(root), "--format", "github")
    assert result.exit_code == 1
    assert "::error title=llmcat links::refused" in result.stdout
    assert state.hits["/ok"] == 0


def test_audit_reports_drift_from_a_fake_hub(
    run: Run, mini_catalog: Callable[[str | None], Path], server: tuple[str, State]
) -> None:
    base, state = server
    root = _net_catalog(mini_catalog(None), base)
    ok = run("audit", "base-7b", "--catalog", str(root), "--endpoint", base, "--json")
    assert ok.exit_code == 0, ok
    assert json.loads(ok.stdout)["drift"] == []

    path = root / "models" / "base-7b.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("org/good-model", "org/drifted-model"), encoding="utf-8")
    drifted = run(
        "audit", "base-7b", "--catalog", str(root), "--endpoint", base, "--json", env={"HF_TOKEN": "secret-token"}
    )
    assert drifted.exit_code == 1
    fields = {d["field"] for d in json.loads(drifted.stdout)["drift"]}
    assert fields == {"license.weights", "languages", "status"}
    assert state.auth["/api/models/org/drifted-model"] == "Bearer secret-token"

    path.write_text(path.read_text(encoding="utf-8").replace("org/drifted-model", "org/gone"), encoding="utf-8")
    gone = json.loads(run("audit", "base-7b", "--catalog", str(root), "--endpoint", base, "--json").stdout)
    assert [d["field"] for d in gone["drift"]] == ["links.huggingface"]


def test_audit_honours_hf_endpoint(
    run: Run, mini_catalog: Callable[[str | None], Path], server: tuple[str, State]
) -> None:
    base, state = server
    root = _net_catalog(mini_catalog(None), base)
    result = run("audit", "base-7b", "--catalog", str(root), "--json", env={"HF_ENDPOINT": base})
    assert result.exit_code == 0, result
    assert state.hits["/api/models/org/good-model"] == 1
