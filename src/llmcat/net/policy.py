"""Which URLs llmcat may fetch. Catalog files come from pull requests, so their URLs are
untrusted: only http(s), and only hosts that resolve to public addresses, unless the user
says otherwise (``--allow-private``) or names the endpoint explicitly (``--endpoint``)."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit


class Refused(Exception):
    """A URL llmcat will not fetch, with the reason."""


def check_scheme(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise Refused(f"scheme '{parts.scheme or '(none)'}' is not fetched; only http and https")
    if not parts.hostname:
        raise Refused("URL has no host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise Refused("URL has an invalid port") from None
    return parts.hostname, port


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


async def resolve(host: str, port: int) -> list[str]:
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise LookupError(f"DNS lookup failed for {host}: {exc}") from None
    return sorted({str(info[4][0]) for info in infos})


async def vet(url: str, allow_private: bool, trusted_hosts: frozenset[str] = frozenset()) -> None:
    """Raise Refused if the URL may not be fetched; LookupError if its host does not resolve.

    Every address the host resolves to must be public: a name that resolves to both a public
    and a private address is refused. (The client connects by name afterwards, so a DNS answer
    that changes between the two look-ups is not covered; pinning the address would break TLS
    name checks for https.)
    """
    host, port = check_scheme(url)
    if allow_private or host.lower() in trusted_hosts:
        return
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        literal = None
    addresses = [str(literal)] if literal is not None else await resolve(host, port)
    private = [a for a in addresses if not is_public(a)]
    if private:
        raise Refused(f"{host} resolves to a non-public address ({private[0]}); use --allow-private to check it")
