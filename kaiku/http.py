"""The only way out to the network: one User-Agent, timeouts, bounded redirects, and refusal of
private, loopback and link-local addresses unless ``KAIKU_ALLOW_PRIVATE_ADDRESSES`` is on.

Connectors take an ``httpx.Client`` from ``client()``; tests point connectors at servers on
127.0.0.1 with the setting on.
"""

from __future__ import annotations

import functools
import ipaddress
import os
import socket
import ssl
from typing import Any
from urllib.parse import urlsplit

import httpx

from kaiku import __version__

USER_AGENT = f"Kaiku/{__version__} (+https://kaiku.invalid/bot)"
DEFAULT_TIMEOUT = httpx.Timeout(20.0, connect=10.0)
MAX_REDIRECTS = 5


class BlockedAddress(httpx.TransportError):
    """The URL points at an address Kaiku may not reach (a private network, say)."""


def private_addresses_allowed() -> bool:
    try:
        from django.conf import settings

        return bool(settings.KAIKU_ALLOW_PRIVATE_ADDRESSES)
    except Exception:  # outside Django (the language CLI, scripts)
        return os.environ.get("KAIKU_ALLOW_PRIVATE_ADDRESSES", "").lower() in {"1", "true"}


def is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_host(host: str, port: int = 443) -> None:
    """Raise BlockedAddress when any address ``host`` resolves to is not public."""
    if private_addresses_allowed():
        return
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise httpx.ConnectError(f"cannot resolve {host}: {exc}") from None
    for info in infos:
        ip = ipaddress.ip_address(info[4][0])
        if not is_public(ip):
            raise BlockedAddress(f"{host} resolves to a non-public address ({ip})")


class _GuardedTransport(httpx.HTTPTransport):
    def handle_request(self, request: httpx.Request) -> httpx.Response:
        check_host(request.url.host, request.url.port or 443)
        return super().handle_request(request)


@functools.cache
def _tls() -> ssl.SSLContext:
    # Loading the certificate store takes ~20 ms: once per process, not once per client.
    return httpx.create_ssl_context()


def client(
    *, base_url: str = "", timeout: httpx.Timeout | float | None = None, **kw: Any
) -> httpx.Client:
    """An httpx client with Kaiku's policy. Every redirect target is checked again."""
    headers = {"User-Agent": USER_AGENT, **kw.pop("headers", {})}
    transport = kw.pop("transport", None) or _GuardedTransport(retries=0, verify=_tls())
    return httpx.Client(
        base_url=base_url,
        timeout=timeout or DEFAULT_TIMEOUT,
        headers=headers,
        follow_redirects=kw.pop("follow_redirects", False),
        max_redirects=MAX_REDIRECTS,
        transport=transport,
        **kw,
    )


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
