"""kaiku.http_lite against real HTTP servers on 127.0.0.1: what it sends, what it keeps alive,
and how each kind of failure is told apart (nothing sent / answer lost)."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from kaiku import http_lite
from kaiku.http import USER_AGENT, BlockedAddress


class Recorder(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.requests: list[dict[str, object]] = []
        self.connections = 0
        self.close_after_answer = False
        self.big = 0
        self.idle_timeout: float | None = None

    def get_request(self) -> tuple[socket.socket, object]:
        conn, address = super().get_request()
        self.connections += 1
        return conn, address


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Recorder

    def log_message(self, *args: object) -> None:
        pass

    def setup(self) -> None:
        self.timeout = self.server.idle_timeout
        super().setup()

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.requests.append(
            {
                "method": self.command,
                "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body,
            }
        )
        if self.server.big:
            payload = b"x" * self.server.big
        else:
            payload = json.dumps({"path": self.path, "n": len(self.server.requests)}).encode()
        self.send_response(201 if self.command == "POST" else 200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("X-RateLimit-Remaining", "299")
        self.send_header("Content-Length", str(len(payload)))
        if self.server.close_after_answer:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_DELETE = _answer


@pytest.fixture
def server() -> Iterator[Recorder]:
    srv = Recorder()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def base(srv: Recorder) -> str:
    return f"http://127.0.0.1:{srv.server_address[1]}"


def test_get_with_params_and_headers(server: Recorder) -> None:
    with http_lite.Client(base(server) + "/api") as client:
        answer = client.request(
            "GET", "/v1/statuses", params={"limit": 40, "max_id": "9"}, headers={"X-A": "b"}
        )
    assert answer.status_code == 200 and answer.is_success
    assert answer.headers["x-ratelimit-remaining"] == "299"  # any case
    assert answer.json()["path"] == "/api/v1/statuses?limit=40&max_id=9"
    sent = server.requests[0]
    headers = sent["headers"]
    assert isinstance(headers, dict)
    assert headers["user-agent"] == USER_AGENT
    assert headers["x-a"] == "b"
    assert headers["host"] == f"127.0.0.1:{server.server_address[1]}"


def test_post_form_with_a_list_and_an_idempotency_key(server: Recorder) -> None:
    with http_lite.Client(base(server)) as client:
        answer = client.request(
            "POST",
            "/api/v1/statuses",
            data={"status": "Hei ääkköset & muut", "media_ids[]": ["1", "2"]},
            headers={"Idempotency-Key": "k-1"},
        )
    assert answer.status_code == 201
    sent = server.requests[0]
    headers = sent["headers"]
    assert isinstance(headers, dict) and isinstance(sent["body"], bytes)
    assert headers["content-type"] == "application/x-www-form-urlencoded"
    assert headers["idempotency-key"] == "k-1"
    assert parse_qs(sent["body"].decode()) == {
        "status": ["Hei ääkköset & muut"],
        "media_ids[]": ["1", "2"],
    }


def test_multipart_upload_carries_the_file_and_the_fields(server: Recorder) -> None:
    image = bytes(range(256)) * 4
    with http_lite.Client(base(server)) as client:
        client.request(
            "POST",
            "/api/v2/media",
            data={"description": 'Kuvassa "kaksi" ihmistä'},
            files={"file": ("kuva.png", image, "image/png")},
        )
    sent = server.requests[0]
    headers = sent["headers"]
    assert isinstance(headers, dict) and isinstance(sent["body"], bytes)
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {headers['content-type']}\r\n\r\n".encode() + sent["body"]
    )
    parts = {part.get_param("name", header="content-disposition"): part for part in message.walk()}
    assert parts["file"].get_content_type() == "image/png"
    assert parts["file"].get_filename() == "kuva.png"
    assert parts["file"].get_payload(decode=True) == image
    assert parts["description"].get_payload(decode=True).decode() == 'Kuvassa "kaksi" ihmistä'


def test_one_connection_is_kept_alive_across_requests(server: Recorder) -> None:
    with http_lite.Client(base(server)) as client:
        for _ in range(20):
            assert client.request("GET", "/x").status_code == 200
    assert server.connections == 1
    assert len(server.requests) == 20


def test_threads_get_a_connection_each_and_give_them_back(server: Recorder) -> None:
    with http_lite.Client(base(server)) as client:

        def send() -> None:
            for _ in range(10):
                client.request("POST", "/p", data={"a": "b"})

        threads = [threading.Thread(target=send) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(server.requests) == 40
    assert server.connections <= 4


def test_a_server_that_closes_gets_a_new_connection_and_no_error(server: Recorder) -> None:
    server.close_after_answer = True
    with http_lite.Client(base(server)) as client:
        for _ in range(3):
            assert client.request("GET", "/x").status_code == 200
    assert server.connections == 3


def test_an_idle_connection_the_server_dropped_is_not_reused(server: Recorder) -> None:
    server.idle_timeout = 0.3  # the server closes a kept-alive connection idle this long
    with http_lite.Client(base(server)) as client:
        assert client.request("GET", "/x").status_code == 200
        time.sleep(0.8)
        assert client.request("POST", "/y", data={"a": "b"}).status_code == 201
    assert server.connections == 2
    assert [r["path"] for r in server.requests] == ["/x", "/y"]


def test_private_addresses_are_refused_before_connecting(
    server: Recorder, settings: object
) -> None:
    settings.KAIKU_ALLOWED_PRIVATE_HOSTS = ()  # type: ignore[attr-defined]
    with http_lite.Client(base(server)) as client, pytest.raises(BlockedAddress):
        client.request("POST", "/api/v1/statuses", data={"status": "x"})
    with http_lite.Client("http://localhost:9") as client, pytest.raises(BlockedAddress):
        client.request("GET", "/")
    assert server.connections == 0


def test_bad_addresses_fail_at_the_first_request() -> None:
    client = http_lite.Client("ftp://example.invalid")
    with pytest.raises(httpx.UnsupportedProtocol):
        client.request("GET", "/")
    with pytest.raises(httpx.InvalidURL):
        http_lite.Client("http://:80").request("GET", "/")


def test_another_origin_is_refused(server: Recorder) -> None:
    with http_lite.Client(base(server)) as client, pytest.raises(httpx.InvalidURL):
        client.request("GET", "http://127.0.0.2:1/elsewhere")
    assert server.connections == 0


def test_nothing_listening_is_a_connect_error() -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    with pytest.raises(httpx.ConnectError):
        http_lite.Client(f"http://127.0.0.1:{port}").request("GET", "/")


class RawServer:
    """Accepts connections and does what ``behaviour`` says with each request."""

    def __init__(self, behaviour: str) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.behaviour = behaviour
        self.received = b""
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def _serve(self) -> None:
        conn, _ = self.sock.accept()
        with conn:
            while b"\r\n\r\n" not in self.received:
                self.received += conn.recv(65536)
            # The body too: closing with unread bytes makes the kernel answer with a reset,
            # and the client would see "connection reset" instead of the behaviour under test.
            head, _, body = self.received.partition(b"\r\n\r\n")
            length = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", head)
            while length and len(body) < int(length.group(1)):
                chunk = conn.recv(65536)
                if not chunk:
                    break
                body += chunk
                self.received += chunk
            if self.behaviour == "close":
                return
            if self.behaviour == "hang":
                time.sleep(3)
                return
            if self.behaviour == "garbage":
                conn.sendall(b"NOT HTTP AT ALL\r\n\r\n")
            if self.behaviour == "truncated":
                conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"id":')


@pytest.mark.parametrize(
    ("behaviour", "error"),
    [
        ("close", httpx.RemoteProtocolError),
        ("hang", httpx.ReadTimeout),
        ("garbage", httpx.RemoteProtocolError),
        ("truncated", httpx.RemoteProtocolError),
    ],
)
def test_a_lost_answer_is_a_read_side_error(behaviour: str, error: type[Exception]) -> None:
    raw = RawServer(behaviour)
    client = http_lite.Client(raw.url, timeout=httpx.Timeout(5.0, read=0.5))
    with pytest.raises(error) as caught:
        client.request("POST", "/api/v1/statuses", data={"status": "x"})
    # The request went out whole: these are "the answer was lost", not "nothing was sent".
    assert not isinstance(caught.value, httpx.ConnectError)
    assert raw.received.startswith(b"POST /api/v1/statuses HTTP/1.1\r\n")


def test_an_oversized_answer_is_refused(server: Recorder) -> None:
    server.big = 2000
    with http_lite.Client(base(server), max_body=1000) as client:
        with pytest.raises(httpx.RemoteProtocolError, match="larger than 1000"):
            client.request("GET", "/big")
        server.big = 0
        assert client.request("GET", "/small").status_code == 200
    assert server.connections == 2  # the connection with the unread rest was not reused


def test_text_follows_the_declared_charset() -> None:
    headers = httpx.Headers({"Content-Type": "text/plain; charset=iso-8859-1"})
    answer = http_lite.Response(200, headers, "päivää".encode("latin-1"), "http://x/")
    assert answer.text == "päivää"
    assert http_lite.Response(500, httpx.Headers(), b"{}", "http://x/").is_success is False
    assert urlsplit(answer.url).path == "/"
