"""Every HTTP client of Kaiku (kaiku.http for httpx, kaiku.http_lite) checks the addresses a
host resolves to and connects only to those: a second DNS answer cannot point it elsewhere."""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from kaiku import http, http_lite
from kaiku.http import BlockedAddress


class _Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.server.hits += 1  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def loopback_server() -> Iterator[Any]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    server.hits = 0  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def _get_httpx(url: str) -> None:
    with http.client() as client:
        client.get(url)


def _get_lite(url: str) -> None:
    with http_lite.Client(url) as client:
        client.request("GET", "/")


CLIENTS: list[Callable[[str], None]] = [_get_httpx, _get_lite]


@pytest.mark.parametrize("get", CLIENTS, ids=["httpx", "http_lite"])
def test_a_rebinding_dns_answer_cannot_reach_loopback(
    get: Callable[[str], None], loopback_server: Any, settings: Any, monkeypatch: Any
) -> None:
    """The name first resolves to a public address (allowed), then to 127.0.0.1. The client
    must connect to the address it checked, never look the name up again."""
    settings.KAIKU_ALLOWED_PRIVATE_HOSTS = ()
    port = loopback_server.server_address[1]
    lookups: list[str] = []
    public = "93.184.215.14"  # a global address; only the first answer gives it

    def fake_getaddrinfo(host: str, *args: Any, **kw: Any) -> list[Any]:
        try:  # a numeric address is no DNS question (socket.create_connection asks it)
            address = str(ipaddress.ip_address(host))
        except ValueError:
            lookups.append(host)
            address = public if len(lookups) == 1 else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    # tests/conftest.py refuses connections to anything but loopback: reaching for the public
    # address the client checked is the right behaviour, and fails here with that refusal.
    with pytest.raises((RuntimeError, httpx.TransportError)):
        get(f"http://rebind.example:{port}/")
    assert lookups == ["rebind.example"]
    assert loopback_server.hits == 0


@pytest.mark.parametrize("get", CLIENTS, ids=["httpx", "http_lite"])
@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "2130706433", "0x7f.1", "[::ffff:127.0.0.1]", "169.254.169.254", "localhost"],
)
def test_private_spellings_are_refused(
    get: Callable[[str], None], host: str, loopback_server: Any, settings: Any
) -> None:
    settings.KAIKU_ALLOWED_PRIVATE_HOSTS = ()
    with pytest.raises(BlockedAddress):
        get(f"http://{host}:{loopback_server.server_address[1]}/")
    assert loopback_server.hits == 0


@pytest.mark.parametrize("get", CLIENTS, ids=["httpx", "http_lite"])
def test_loopback_is_reached_when_the_setting_allows_it(
    get: Callable[[str], None], loopback_server: Any, settings: Any
) -> None:
    port = loopback_server.server_address[1]
    settings.KAIKU_ALLOWED_PRIVATE_HOSTS = (("localhost", port),)
    get(f"http://localhost:{port}/")
    assert loopback_server.hits == 1
    with pytest.raises(BlockedAddress):  # the same server by another name is not allowed
        get(f"http://127.0.0.1:{port}/")
    assert loopback_server.hits == 1
