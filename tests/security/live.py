"""A live ``kaiku serve`` process and browser-like HTTP sessions against it."""

from __future__ import annotations

import json
import re
import socket
import time
from typing import Any

import httpx

from tests.jobs.procs import Proc, Procs

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def serve(procs: Procs, *, threads: int = 8, port: int | None = None) -> tuple[Proc, str]:
    """Start ``kaiku serve`` and wait until it answers; returns the process and its base URL."""
    port = port or free_port()
    proc = procs.kaiku("serve", "--port", str(port), "--threads", str(threads), name="serve")
    proc.wait_for_line("Kaiku: ", timeout=90)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/accounts/login/", timeout=5).status_code == 200:
                return proc, url
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"kaiku serve did not answer: {proc.stderr()}")


def csrf_of(page: str) -> str:
    found = CSRF_INPUT.search(page)
    assert found, page[:500]
    return found.group(1)


def post_form(session: httpx.Client, path: str, data: dict[str, str]) -> httpx.Response:
    """GET the page for its CSRF token, then POST the form as a browser would."""
    page = session.get(path)
    return session.post(
        path,
        data={"csrfmiddlewaretoken": csrf_of(page.text), **data},
        headers={"Referer": str(page.url)},
    )


def logged_in(base_url: str, username: str, password: str) -> httpx.Client:
    session = httpx.Client(base_url=base_url, timeout=30)
    response = post_form(session, "/accounts/login/", {"username": username, "password": password})
    assert response.status_code == 302, response.text[:500]
    return session


def django(procs: Procs, code: str) -> Any:
    """Run ``code`` in a Django shell on the processes' database; it sets ``result`` (JSON)."""
    done = procs.run_kaiku("shell", "-c", code + "\nimport json; print(json.dumps(result))")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])
