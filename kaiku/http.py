"""Kaiku's network policy: one User-Agent, timeouts, bounded redirects, and refusal of private,
loopback, link-local and cloud-metadata addresses (in every spelling), but for the hosts listed
in ``KAIKU_ALLOWED_PRIVATE_HOSTS`` (``host`` or ``host:port``; the cloud-metadata address is
refused even then). The exception belongs to the host and port the request names: a redirect
from an allowed host to any other private address is refused like any request. A host name is
resolved once, checked, and only the checked addresses are connected to, so a second DNS answer
cannot smuggle in another one. (``KAIKU_ALLOW_PRIVATE_ADDRESSES``, deprecated, still lifts the
policy for every host.)

One policy, three clients: each exists for a reason of its own, and all three take the policy
from here (``allowed_addresses()`` or ``PinnedBackend``, ``USER_AGENT``, the limits below):

- ``client()`` (httpx): the default, for every platform client (X, LinkedIn, Meta's Graph API,
  Bluesky) and anything else. No redirects unless asked, at most ``MAX_REDIRECTS``, each target
  checked again; ``DEFAULT_TIMEOUT``.
- ``kaiku.http_lite`` (http.client, kept-alive): only for the Mastodon client, whose publishing
  is the hot path, where httpx costs about three times the CPU per request. Same addresses,
  User-Agent and timeout; no redirects; answers over ``MAX_ANSWER_BYTES`` are refused.
- ``kaiku.watch.fetch.Fetcher``: only for the field watch, which reads feeds from anyone and so
  is stricter: a total deadline per fetch, a size cap on the inflated body, conditional GET. It
  connects through a ``PinnedBackend`` subclass (``guarded_transport(backend=...)``).

All three raise httpx's exception types, so ``kaiku.channels.transport`` maps a failure to a
``ChannelError`` the same way whichever client sent the request. Tests point clients at servers
on 127.0.0.1 with the setting on.
"""

from __future__ import annotations

import functools
import ipaddress
import os
import socket
import ssl
import time
from typing import Any

import httpcore
import httpx
from django.conf import settings

from kaiku import __version__, redact
from kaiku.conf import HostPort, SettingError, host_ports

# httpx logs every request's full URL at INFO: hide secret-named parameters in it, also when
# this module is used outside Django (scripts, the language CLI).
redact.install()

USER_AGENT = f"Kaiku/{__version__} (+https://kaiku.invalid/bot)"
DEFAULT_TIMEOUT = httpx.Timeout(20.0, connect=10.0)
MAX_REDIRECTS = 5
# An API answer larger than this is refused (kaiku.http_lite; the watch has its own, smaller).
MAX_ANSWER_BYTES = 32 * 1024 * 1024


class BlockedAddress(httpx.TransportError):
    """The URL points at an address Kaiku may not reach (a private network, say)."""

    def __init__(self, message: str, *, address: str = "") -> None:
        super().__init__(message)
        self.address = address


def private_addresses_allowed() -> bool:
    try:
        return bool(settings.KAIKU_ALLOW_PRIVATE_ADDRESSES)
    except Exception:  # outside Django (the language CLI, scripts)
        return os.environ.get("KAIKU_ALLOW_PRIVATE_ADDRESSES", "").lower() in {"1", "true"}


def allowed_private_hosts() -> tuple[HostPort, ...]:
    """The ``KAIKU_ALLOWED_PRIVATE_HOSTS`` entries, normalised as ``private_host_allowed``
    compares them."""
    try:
        entries: tuple[HostPort, ...] = tuple(settings.KAIKU_ALLOWED_PRIVATE_HOSTS)
    except Exception:  # outside Django (the language CLI, scripts)
        try:
            entries = host_ports(os.environ.get("KAIKU_ALLOWED_PRIVATE_HOSTS", ""))
        except SettingError:
            entries = ()
    return tuple((_host_key(host), port) for host, port in entries)


def _host_key(host: str) -> str:
    """A host as compared with the allowed list: lower case, no brackets or final dot, and an
    address literal in its one canonical spelling (so ``0x7f.1`` is not ``127.0.0.1``'s
    exception unless it is spelt the same way once canonical)."""
    bare = host.strip().strip("[]").rstrip(".").lower()
    literal = literal_address(bare)
    return str(literal) if literal is not None else bare


def private_host_allowed(host: str, port: int | None) -> bool:
    """Whether a request to ``host:port`` may reach a private address."""
    if private_addresses_allowed():
        return True
    entries = allowed_private_hosts()
    if not entries:
        return False
    key = _host_key(host)
    return any(name == key and (allowed is None or allowed == port) for name, allowed in entries)


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_METADATA = frozenset(
    {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
)


def is_public(ip: IPAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def address_allowed(ip: IPAddress) -> bool:
    """True for a public unicast address, looking inside addresses that embed an IPv4 one."""
    if ip in _METADATA:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded: ipaddress.IPv4Address | None = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip.teredo is not None:
            embedded = ip.teredo[1]
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None and not address_allowed(embedded):
            return False
    return is_public(ip) and not ip.is_reserved and not ip.is_unspecified


def literal_address(host: str) -> IPAddress | None:
    """The address a host literal means, in any spelling inet_aton accepts; None for names."""
    bare = host.strip("[]").rstrip(".")
    try:
        return ipaddress.ip_address(bare.split("%")[0])
    except ValueError:
        pass
    if bare and all(c in "0123456789abcdefxABCDEFX." for c in bare):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(bare))
        except OSError:
            return None
    return None


def allowed_addresses(host: str, port: int) -> list[str]:
    """Resolve ``host`` once; every address must pass the policy. The caller connects to
    these addresses and no others, so a second DNS answer cannot bring in another one."""
    bare = host.strip("[]").rstrip(".")
    enforce = not private_host_allowed(bare, port)
    # An allowed host may be private, but never the cloud-metadata service.
    metadata_refused = enforce or not private_addresses_allowed()
    literal = literal_address(bare)
    if literal is not None:
        if (enforce and not address_allowed(literal)) or (
            metadata_refused and literal in _METADATA
        ):
            raise BlockedAddress(
                f"{host} is a non-public address ({literal})", address=str(literal)
            )
        return [str(literal)]
    try:
        infos = socket.getaddrinfo(bare, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise httpx.ConnectError(f"cannot resolve {host}: {exc}") from None
    addresses: list[str] = []
    for info in infos:
        ip = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if (enforce and not address_allowed(ip)) or (metadata_refused and ip in _METADATA):
            raise BlockedAddress(f"{host} resolves to a non-public address ({ip})", address=str(ip))
        if str(ip) not in addresses:
            addresses.append(str(ip))
    if not addresses:
        raise httpx.ConnectError(f"cannot resolve {host}")
    return addresses


class PinnedBackend(httpcore.NetworkBackend):
    """httpx connects through this: to an address that passed the policy, resolved here once
    (TLS still checks the certificate against the host name). The field watch's fetcher
    refines how addresses are found, how long a connect may take and what the stream is."""

    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()

    def addresses(self, host: str, port: int) -> list[str]:
        return allowed_addresses(host, port)

    def connect_timeout(self, timeout: float | None) -> float | None:
        return timeout

    def wrap(self, stream: httpcore.NetworkStream) -> httpcore.NetworkStream:
        return stream

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        last: Exception = httpcore.ConnectError(f"cannot connect to {host}")
        for address in self.addresses(host, port):
            try:
                stream = self._inner.connect_tcp(
                    address, port, self.connect_timeout(timeout), local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
                continue
            return self.wrap(stream)
        raise last

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are not used")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


def guarded_transport(*, backend: PinnedBackend | None = None, **kw: Any) -> httpx.HTTPTransport:
    """An httpx transport that connects only to addresses the policy allows (through
    ``backend``, a ``PinnedBackend`` by default)."""
    transport = httpx.HTTPTransport(**kw)
    # httpx has no public hook for the network backend; the pool keeps it here.
    transport._pool._network_backend = backend or PinnedBackend()
    return transport


@functools.cache
def _tls() -> ssl.SSLContext:
    # Loading the certificate store takes ~20 ms: once per process, not once per client.
    return httpx.create_ssl_context()


def client(
    *, base_url: str = "", timeout: httpx.Timeout | float | None = None, **kw: Any
) -> httpx.Client:
    """An httpx client with Kaiku's policy. Every redirect target is checked again."""
    headers = {"User-Agent": USER_AGENT, **kw.pop("headers", {})}
    transport = kw.pop("transport", None) or guarded_transport(retries=0, verify=_tls())
    return httpx.Client(
        base_url=base_url,
        timeout=timeout or DEFAULT_TIMEOUT,
        headers=headers,
        follow_redirects=kw.pop("follow_redirects", False),
        max_redirects=MAX_REDIRECTS,
        transport=transport,
        **kw,
    )
