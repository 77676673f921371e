"""The local Mastodon as a separate process, the way the engine's crash test uses it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from kaiku.channels.base import ChannelError, Failure
from kaiku.channels.mastodon.client import MastodonClient

ROOT = Path(__file__).resolve().parents[3]


@contextmanager
def standalone(state: Path, *extra: str) -> Iterator[str]:
    process = subprocess.Popen(
        [
            sys.executable,
            *("-m", "tests.channels.mastodon.server", "--port", "0", "--state", str(state)),
            *("--token", "crash-token", *extra),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("READY "), line
        yield line.split()[1]
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_standalone_server_keeps_statuses_and_idempotency_keys_across_restarts(
    tmp_path: Path,
) -> None:
    state = tmp_path / "mastodon.json"
    with standalone(state) as base_url, MastodonClient(base_url, "crash-token") as client:
        first = client.create_status("Ennen kaatumista", idempotency_key="delivery-0")

    with standalone(state) as base_url, MastodonClient(base_url, "crash-token") as client:
        again = client.create_status("Ennen kaatumista", idempotency_key="delivery-0")
        seen = httpx.get(f"{base_url}/__control/state").json()

    assert again.id == first.id
    assert [s["id"] for s in seen["statuses"]] == [first.id]
    assert seen["requests"] == [{"method": "POST", "path": "/api/v1/statuses"}]


def test_standalone_server_takes_scripts_over_http(tmp_path: Path) -> None:
    with standalone(tmp_path / "m.json") as base_url:
        script = {"route": "POST /api/v1/statuses", "responses": [503, "drop_after_apply"]}
        assert httpx.post(f"{base_url}/__control/script", json=script).status_code == 200
        with MastodonClient(base_url, "crash-token") as client:
            with pytest.raises(ChannelError) as unavailable:
                client.create_status("Yksi", idempotency_key="k")
            with pytest.raises(ChannelError) as dropped:
                client.create_status("Yksi", idempotency_key="k")
            kept = client.create_status("Yksi", idempotency_key="k")
        statuses = httpx.get(f"{base_url}/__control/state").json()["statuses"]

    assert unavailable.value.failure is Failure.TRANSIENT
    assert dropped.value.failure is Failure.UNKNOWN_OUTCOME
    assert [s["id"] for s in statuses] == [kept.id]
