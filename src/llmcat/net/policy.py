"""Which URLs llmcat may fetch, and which addresses it may connect to.

Catalog files come from pull requests, so their URLs are untrusted: only http(s), and only hosts
whose every address is public, unless the user says otherwise (``--allow-private``) or names the
endpoint explicitly (``--endpoint``). The address test is llmcat's own list of non-public
networks, applied after unwrapping IPv4 embedded in IPv6, on top of ``ipaddress``'s ``is_global``
(whose answers changed between Python patch releases): an address must pass both.

Each host is resolved once per run (:class:`Resolver`); the same answer is vetted before a request
(:meth:`Policy.vet_url`) and again where the connection is made (:meth:`Policy.connectable`, called
by the network backend in ``llmcat.net.transport``), and the connection goes to a vetted address,
never to a name resolved again, so a DNS answer that changes in between (rebinding) cannot reach a
private address.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_V4_NOT_PUBLIC = [
    ipaddress.IPv4Network(n)
    for n in (
        "0.0.0.0/8",  # "this network"
        "10.0.0.0/8",
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, cloud metadata services
        "172.16.0.0/12",
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",
        "192.88.99.0/24",  # 6to4 relay anycast
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, broadcast
    )
]
_V6_NOT_PUBLIC = [
    ipaddress.IPv6Network(n)
    for n in (
        "::/128",
        "::1/128",
        "64:ff9b:1::/48",  # local-use NAT64
        "100::/64",  # discard
        "2001:db8::/32",  # documentation
        "3fff::/20",  # documentation
        "5f00::/16",  # segment routing
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local (deprecated, still routed by some stacks)
        "ff00::/8",  # multicast
    )
]
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_SIX_TO_FOUR = ipaddress.IPv6Network("2002::/16")
_TEREDO = ipaddress.IPv6Network("2001::/32")
_V4_COMPATIBLE = ipaddress.IPv6Network("::/96")


class Refused(Exception):
    """A URL or address llmcat will not fetch, with the reason."""


class Unresolvable(Exception):
    """A host name that does not resolve (or not in time)."""


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries: mapped, NAT64, 6to4, IPv4-compatible, Teredo."""
    packed = ip.packed
    if ip.ipv4_mapped is not None:
        return [ip.ipv4_mapped]
    if ip in _NAT64:
        return [ipaddress.IPv4Address(packed[12:])]
    if ip in _SIX_TO_FOUR:
        return [ipaddress.IPv4Address(packed[2:6])]
    if ip in _TEREDO:
        server = ipaddress.IPv4Address(packed[4:8])
        client = ipaddress.IPv4Address(bytes(b ^ 0xFF for b in packed[12:]))
        return [server, client]
    if ip in _V4_COMPATIBLE and int(ip) > 1:
        return [ipaddress.IPv4Address(packed[12:])]
    return []


def _public(ip: IPAddress) -> bool:
    networks: list[ipaddress.IPv4Network] | list[ipaddress.IPv6Network]
    networks = _V4_NOT_PUBLIC if isinstance(ip, ipaddress.IPv4Address) else _V6_NOT_PUBLIC
    return ip.is_global and not ip.is_multicast and not any(ip in n for n in networks)


def is_public(address: str) -> bool:
    """True when the address, and every IPv4 address embedded in it, is public."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        inner = embedded_ipv4(ip)
        if inner:
            return all(_public(v4) for v4 in inner)
    return _public(ip)


def check_scheme(url: str) -> tuple[str, int]:
    """The URL's host (lower case, no brackets) and port; Refused for other schemes or no host."""
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise Refused(f"URL is malformed ({exc})") from None
    if parts.scheme not in ("http", "https"):
        raise Refused(f"scheme '{parts.scheme or '(none)'}' is not fetched; only http and https")
    if not parts.hostname:
        raise Refused("URL has no host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise Refused("URL has an invalid port") from None
    return parts.hostname.lower(), port


Lookup = Callable[[str], Awaitable[list[str]]]


async def system_lookup(host: str) -> list[str]:
    """The addresses the system resolver gives for a host, in its order.

    ``getaddrinfo`` blocks, and without a DNS server it can block for many seconds; it runs in a
    daemon thread of its own rather than in the loop's executor, whose threads ``asyncio.run``
    waits for at the end: a run gives up on a look-up after the resolver's timeout and does not
    wait for it again on the way out.
    """
    loop = asyncio.get_running_loop()
    answer: asyncio.Future[list[str]] = loop.create_future()

    def settle(addresses: list[str] | None, error: Exception | None) -> None:
        if answer.done():
            return
        if error is not None:
            answer.set_exception(error)
        else:
            answer.set_result(addresses or [])

    def work() -> None:
        try:
            infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
            result: tuple[list[str] | None, Exception | None] = (
                list(dict.fromkeys(str(info[4][0]) for info in infos)),
                None,
            )
        except (OSError, UnicodeError) as exc:
            result = (None, Unresolvable(f"DNS lookup failed for {host}: {exc}"))
        with contextlib.suppress(RuntimeError):  # the run is over and its loop closed
            loop.call_soon_threadsafe(settle, *result)

    threading.Thread(target=work, name=f"llmcat-dns-{host}", daemon=True).start()
    return await answer


class Resolver:
    """Each host resolved once per run; failures are remembered too, and concurrent asks share one look-up.

    ``lookup`` is injectable so that tests can play a DNS server whose answers change.
    """

    def __init__(self, lookup: Lookup = system_lookup, timeout: float = 10.0) -> None:
        self._lookup = lookup
        self.timeout = timeout
        self._answers: dict[str, asyncio.Future[list[str]]] = {}

    async def addresses(self, host: str) -> list[str]:
        try:
            literal = ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            pass
        else:
            return [str(literal)]
        key = host.lower()
        if key not in self._answers:
            self._answers[key] = asyncio.ensure_future(self._ask(key))
        return list(await asyncio.shield(self._answers[key]))

    async def _ask(self, host: str) -> list[str]:
        try:
            found = await asyncio.wait_for(self._lookup(host), self.timeout)
        except asyncio.TimeoutError:
            raise Unresolvable(f"DNS lookup for {host} timed out after {self.timeout:g} s") from None
        if not found:
            raise Unresolvable(f"DNS lookup for {host} returned no address")
        return found


@dataclass
class Policy:
    """What a run may connect to: public addresses, or anything with ``allow_private``, or the
    origins (host, port) the user named."""

    allow_private: bool = False
    trusted: frozenset[tuple[str, int]] = frozenset()
    resolver: Resolver = field(default_factory=Resolver)

    def _allowed(self, host: str, port: int) -> bool:
        return self.allow_private or (host.lower().strip("[]"), port) in self.trusted

    async def vet_url(self, url: str) -> None:
        """Refused if the URL may not be fetched; Unresolvable if its host does not resolve (asked
        before any request, so that a host without DNS costs no pacing or retries)."""
        host, port = check_scheme(url)
        await self.connectable(host, port)

    async def connectable(self, host: str, port: int) -> list[str]:
        """The addresses a connection to host:port may go to. Every address the host resolves to
        must be public: a name that resolves to both a public and a private address is refused."""
        addresses = await self.resolver.addresses(host)
        if not self._allowed(host, port):
            private = [a for a in addresses if not is_public(a)]
            if private:
                found = "is" if private == [host.strip("[]")] else f"resolves to {private[0]},"
                raise Refused(f"{host} {found} a non-public address; use --allow-private to check it")
        return addresses
