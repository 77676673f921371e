"""A small, fast Mastodon-shaped endpoint for the publishing bench.

    python bench/endpoint.py --port 0 --token TOKEN     (prints "listening URL")

It answers only what publishing a plain post needs, shaped as Mastodon's API documents it:
``POST /api/v1/statuses`` (form body, ``Authorization: Bearer``, ``Idempotency-Key``; the
answer is a Status entity with the ``X-RateLimit-*`` headers), ``GET
/api/v1/accounts/verify_credentials``, and ``GET /api/v1/accounts/:id/statuses`` (newest
first, ``limit`` and ``max_id``), which the engine reads to reconcile a lost answer.
``GET /__bench/stats`` reports what arrived: requests, statuses created, and duplicates (the
same text created twice).

The full API double in ``tests/channels/mastodon/server.py`` runs a thread per connection and
does far more per request; the bench uses this one so that what it measures is Kaiku's engine,
not the test double (``--endpoint full`` in publish_bench.py measures with that one instead).
It is one asyncio process with keep-alive and nothing else.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from datetime import UTC, datetime
from urllib.parse import parse_qs

ACCOUNT = {
    "id": "109302",
    "username": "bench",
    "acct": "bench",
    "display_name": "Bench ry",
    "url": "http://127.0.0.1/@bench",
}


class Endpoint:
    def __init__(self, token: str, base: str) -> None:
        self.token = token
        self.base = base
        self.requests = 0
        self.next_id = 110_000_000_000_000_000
        self.by_key: dict[str, bytes] = {}
        self.texts: dict[str, int] = {}
        self.created: list[tuple[int, bytes]] = []  # (id, Status JSON), oldest first

    def stats(self) -> dict[str, int]:
        return {
            "requests": self.requests,
            "statuses": sum(self.texts.values()),
            "duplicates": sum(n - 1 for n in self.texts.values() if n > 1),
        }

    def status(self, text: str) -> bytes:
        self.next_id += 1
        sid = str(self.next_id)
        now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return json.dumps(
            {
                "id": sid,
                "created_at": now,
                "in_reply_to_id": None,
                "in_reply_to_account_id": None,
                "sensitive": False,
                "spoiler_text": "",
                "visibility": "public",
                "language": "fi",
                "uri": f"{self.base}/users/bench/statuses/{sid}",
                "url": f"{self.base}/@bench/{sid}",
                "replies_count": 0,
                "reblogs_count": 0,
                "favourites_count": 0,
                "content": f"<p>{text}</p>",
                "reblog": None,
                "account": ACCOUNT,
                "media_attachments": [],
                "mentions": [],
                "tags": [],
                "emojis": [],
                "card": None,
                "poll": None,
            }
        ).encode()

    def answer(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, bytes]:
        path, _, raw_query = target.partition("?")
        query = parse_qs(raw_query)
        self.requests += 1
        if path == "/__bench/stats":
            return 200, json.dumps(self.stats()).encode()
        if headers.get("authorization") != f"Bearer {self.token}":
            return 401, b'{"error":"The access token is invalid"}'
        if method == "GET" and path == "/api/v1/accounts/verify_credentials":
            return 200, json.dumps(ACCOUNT).encode()
        if method == "GET" and path == f"/api/v1/accounts/{ACCOUNT['id']}/statuses":
            limit = min(int((query.get("limit") or ["20"])[0]), 40)
            max_id = int((query.get("max_id") or [str(2**63)])[0])
            page = [body for sid, body in reversed(self.created) if sid < max_id][:limit]
            return 200, b"[" + b",".join(page) + b"]"
        if method != "POST" or path != "/api/v1/statuses":
            return 404, b'{"error":"Record not found"}'
        key = headers.get("idempotency-key", "")
        if key and key in self.by_key:
            return 200, self.by_key[key]
        form = parse_qs(body.decode("utf-8"))
        text = (form.get("status") or [""])[0]
        if not text.strip():
            return 422, b'{"error":"Validation failed: Text can\'t be blank"}'
        self.texts[text] = self.texts.get(text, 0) + 1
        answer = self.status(text)
        self.created.append((self.next_id, answer))
        if key:
            self.by_key[key] = answer
        return 200, answer


REASONS = {200: "OK", 401: "Unauthorized", 404: "Not Found", 422: "Unprocessable Entity"}


async def handle(
    endpoint: Endpoint, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, target, _version = lines[0].split(" ", 2)
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    name, value = line.split(":", 1)
                    headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0") or 0)
            body = await reader.readexactly(length) if length else b""
            status, payload = endpoint.answer(method, target, headers, body)
            writer.write(
                (
                    f"HTTP/1.1 {status} {REASONS.get(status, 'Error')}\r\n"
                    "Content-Type: application/json; charset=utf-8\r\n"
                    f"Content-Length: {len(payload)}\r\n"
                    "X-RateLimit-Limit: 300\r\nX-RateLimit-Remaining: 299\r\n"
                    "X-RateLimit-Reset: 2030-01-01T00:00:00.000Z\r\n\r\n"
                ).encode()
                + payload
            )
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, ValueError):
        pass
    finally:
        writer.close()


async def main(port: int, token: str) -> None:
    endpoint: Endpoint | None = None

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        assert endpoint is not None
        await handle(endpoint, reader, writer)

    server = await asyncio.start_server(on_connect, "127.0.0.1", port)
    bound = server.sockets[0].getsockname()[1]
    endpoint = Endpoint(token, f"http://127.0.0.1:{bound}")
    print(f"listening http://127.0.0.1:{bound}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    async with server:
        await stop.wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", required=True)
    args = parser.parse_args()
    asyncio.run(main(args.port, args.token))
    sys.exit(0)
