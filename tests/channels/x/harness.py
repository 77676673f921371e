"""The X server as the engine's fault tests drive it (see tests/servers/harness.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.channels.x.server import (
    CLIENT_ID,
    CLIENT_SECRET,
    USER_ID,
    USERNAME,
    XServer,
    start_server,
)


class XHarness:
    platform = "x"

    def __init__(self) -> None:
        self.server: XServer | None = None

    def start(self) -> None:
        self.server, _ = start_server(hang_seconds=3.0)

    def stop(self) -> None:
        assert self.server is not None
        self.server.stop()

    def make_account(self, org: Any) -> Any:
        from kaiku.connections.models import ChannelAccount

        assert self.server is not None
        access, refresh = self.server.issue_tokens()
        account = ChannelAccount(
            organisation=org,
            platform="x",
            handle=f"@{USERNAME}",
            base_url="https://x.com",
            settings={"user_id": USER_ID, "username": USERNAME, "api_url": self.server.base_url},
        )
        account.set_credentials(
            {
                "access_token": access,
                "refresh_token": refresh,
                "access_expires_at": (datetime.now(UTC) + timedelta(hours=2)).isoformat(),
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
            }
        )
        account.save()
        return account

    def script_publish(self, responses: list[int | str]) -> None:
        assert self.server is not None
        self.server.clear_scripts()
        if responses:
            self.server.script("POST /2/tweets", list(responses))

    def published_texts(self) -> list[str]:
        assert self.server is not None
        return self.server.texts()

    def prepare_engine_test(self, monkeypatch: Any) -> None:
        from kaiku.channels.x.connector import XConnector

        monkeypatch.setattr(XConnector, "timeout", httpx.Timeout(5.0, read=1.0))
