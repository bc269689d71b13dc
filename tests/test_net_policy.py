"""Where llmcat may connect (SSRF policy) and where a token may go, against servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpcore
import pytest

from llmcat.net import client, policy
from llmcat.net.client import Checker, Credential, Options, authorization
from llmcat.net.policy import Resolver
from llmcat.net.transport import VettingBackend, connect_order
from tests.conftest import Result
from tests.netserver import CERTS, State, serve

Run = Callable[..., Result]


@pytest.fixture
def server() -> Iterator[tuple[str, State]]:
    with serve() as running:
        yield running


@pytest.mark.parametrize(
    "address",
    [
        "8.8.8.8",
        "2606:4700:4700::1111",
        "64:ff9b::808:808",  # NAT64 of 8.8.8.8
        "2002:808:808::1",  # 6to4 of 8.8.8.8
        "::ffff:8.8.8.8",
    ],
)
def test_public_addresses_pass(address: str) -> None:
    assert policy.is_public(address)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.0.0.1",
        "100.64.0.1",
        "192.168.1.1",
        "172.16.0.1",
        "169.254.169.254",
        "0.0.0.0",
        "224.0.0.1",
        "255.255.255.255",
        "::",
        "::1",
        "fc00::1",
        "fe80::1%eth0",
        "fec0::1",  # site-local
        "ff02::1",
        "::ffff:127.0.0.1",  # IPv4-mapped
        "::127.0.0.1",  # IPv4-compatible
        "::a9fe:a9fe",
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "64:ff9b::7f00:1",
        "64:ff9b:1::a00:1",  # local-use NAT64
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "2002:a9fe:a9fe::1",
        "2001:0:4136:e378:8000:63bf:f5ff:fffe",  # Teredo, client 10.0.0.1
        "2001:0:7f00:1:8000:63bf:f7f7:f7f7",  # Teredo, server 127.0.0.1
        "2001:db8::1",
    ],
)
def test_non_public_addresses_are_refused_also_inside_ipv6(address: str) -> None:
    assert not policy.is_public(address)


def test_private_addresses_and_other_schemes_are_refused_without_a_request(server: tuple[str, State]) -> None:
    base, state = server
    urls = [
        base + "/ok",
        "file:///etc/passwd",
        "ftp://example.org/x",
        "http://10.1.2.3/",
        "http://[::1]/",
        "http://localhost:1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[64:ff9b::a9fe:a9fe]/",
        "http://[2002:7f00:1::]/",
        "http://[fec0::1]/",
    ]
    got = {o.url: o for o in asyncio.run(Checker(Options(timeout=1)).run(urls))}
    assert {u: o.state for u, o in got.items()} == dict.fromkeys(urls, "refused")
    assert sum(state.hits.values()) == 0


class Rebinding(Resolver):
    """A DNS answer that is public when llmcat checks the URL and 127.0.0.1 when it connects."""

    def __init__(self) -> None:
        super().__init__()
        self.answers = [["93.184.215.14"], ["127.0.0.1"]]

    async def addresses(self, host: str) -> list[str]:
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


def test_dns_rebinding_is_refused_where_the_connection_is_made(server: tuple[str, State]) -> None:
    base, state = server
    port = base.rsplit(":", 1)[1]
    resolver = Rebinding()
    (outcome,) = asyncio.run(
        Checker(Options(timeout=1, retries=0), resolver=resolver).run([f"http://rebind.test:{port}/ok"])
    )
    assert resolver.answers == [["127.0.0.1"]]  # the pre-check took the public answer
    assert outcome.state == "refused" and "127.0.0.1" in (outcome.detail or ""), outcome
    assert state.hits["/ok"] == 0


def test_a_trusted_origin_is_trusted_on_its_port_only(server: tuple[str, State]) -> None:
    base, state = server
    port = int(base.rsplit(":", 1)[1])
    options = Options(timeout=1, retries=0, trusted=frozenset({("127.0.0.1", port)}))
    urls = [base + "/ok", f"http://127.0.0.1:{port + 1}/ok"]
    got = [o.state for o in asyncio.run(Checker(options).run(urls))]
    assert got == ["ok", "refused"] and state.hits["/ok"] == 1


def test_a_token_goes_only_to_its_exact_scheme_host_and_port() -> None:
    token = Credential(("https", "hub.example", 443), "Bearer t")
    assert authorization(token, "https://hub.example/api/models/x") == {"Authorization": "Bearer t"}
    assert authorization(token, "https://HUB.example:443/x") == {"Authorization": "Bearer t"}
    for url in ("http://hub.example/x", "https://hub.example:8443/x", "https://cdn.hub.example/x", "https://evil/x"):
        assert authorization(token, url) is None, url
    assert authorization(None, "https://hub.example/x") is None


def test_a_redirect_to_another_port_gets_no_token(
    run: Run, mini_catalog: Callable[[str | None], Path], server: tuple[str, State]
) -> None:
    base, state = server
    root = mini_catalog(None)
    path = root / "models" / "base-7b.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "links:\n  huggingface: org/good-model\n", encoding="utf-8")
    with serve() as (other, other_state):
        port = other.rsplit(":", 1)[1]
        endpoint = f"{base}/hop/{port}"
        args = ("audit", "base-7b", "--catalog", str(root), "--endpoint", endpoint, "--allow-private", "--json")
        result = run(*args, env={"HF_TOKEN": "secret-token"})
        assert result.exit_code == 0, result
        assert json.loads(result.stdout)["drift"] == []
        assert state.auth[f"/hop/{port}/api/models/org/good-model"] == "Bearer secret-token"
        assert other_state.hits["/api/models/org/good-model"] == 1
        assert other_state.auth["/api/models/org/good-model"] is None


def test_connections_take_address_families_in_turn_each_with_a_share_of_the_timeout() -> None:
    assert connect_order(["::1", "::2", "10.0.0.1", "10.0.0.2", "10.0.0.3"]) == [
        *("::1", "10.0.0.1", "::2", "10.0.0.2", "10.0.0.3"),
    ]
    assert connect_order(["10.0.0.1", "::1"]) == ["10.0.0.1", "::1"]
    tried: list[tuple[str, float | None]] = []

    class Blackhole(httpcore.AsyncNetworkBackend):
        async def connect_tcp(self, host: str, port: int, timeout: float | None = None, *args: Any) -> Any:
            tried.append((host, timeout))
            raise httpcore.ConnectTimeout(host)

    class Fixed(Resolver):
        async def addresses(self, host: str) -> list[str]:
            return ["2001:db8::1", "2001:db8::2", "192.0.2.1", "192.0.2.2"]

    backend = VettingBackend(policy.Policy(allow_private=True, resolver=Fixed()), inner=Blackhole())
    with pytest.raises(httpcore.ConnectTimeout):
        asyncio.run(backend.connect_tcp("dual.test", 443, timeout=8.0))
    assert tried == [("2001:db8::1", 2.0), ("192.0.2.1", 2.0), ("2001:db8::2", 2.0), ("192.0.2.2", 2.0)]


def test_https_to_a_vetted_address_still_checks_the_certificate_against_the_host_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(client.certifi, "where", lambda: str(CERTS / "ca.pem"))

    async def local(host: str) -> list[str]:
        return ["127.0.0.1"]

    with serve(tls=True) as (base, state):
        port = base.rsplit(":", 1)[1]
        urls = [f"https://secure.test:{port}/ok", f"https://other.test:{port}/ok"]
        options = Options(allow_private=True, timeout=2, retries=0)
        good, wrong_name = asyncio.run(Checker(options, resolver=Resolver(local)).run(urls))
    assert good.state == "ok", good
    assert wrong_name.state == "unreachable" and "certificate" in (wrong_name.detail or "").lower(), wrong_name
    assert state.hits["/ok"] == 1
