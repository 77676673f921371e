"""``kaiku serve`` keeps its data directory to its owner and refuses oversized request bodies."""

from __future__ import annotations

import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.jobs.procs import ROOT, base_env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _wait_healthy(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "health", timeout=5):
                return
        except urllib.error.HTTPError:
            return  # answering (503 until the worker beats) is enough here
        except OSError:
            time.sleep(0.2)
    raise AssertionError("kaiku serve did not answer")


@pytest.mark.slow
def test_serve_creates_a_private_data_directory_and_refuses_a_body_over_the_cap(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"  # not there yet: serve creates it, under a lax umask
    port = _free_port()
    env = base_env(data_dir, None, KAIKU_MAX_REQUEST_BYTES="1000000")
    stderr = (tmp_path / "serve.stderr").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "kaiku", "serve", "--port", str(port), "--threads", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        umask=0o022,
    )
    try:
        url = f"http://127.0.0.1:{port}/"
        _wait_healthy(url)
        assert _mode(data_dir) == 0o700
        for name in ("kaiku.sqlite3", "secret_key", "encryption_key"):
            assert _mode(data_dir / name) == 0o600, name
        for sub in ("media", "static"):
            if (data_dir / sub).exists():
                assert _mode(data_dir / sub) & 0o077 == 0, sub

        # Only the headers and the start of the body go out: the server answers 413 from the
        # Content-Length alone (sending the whole body races its closing of the connection).
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(
                b"POST /api/v1/check HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/json\r\nContent-Length: 1500000\r\n\r\n" + b"x" * 1000
            )
            status_line = sock.recv(200).split(b"\r\n", 1)[0]
        assert status_line.split()[1] == b"413", status_line
    finally:
        server.terminate()
        server.wait(30)
        stderr.close()
