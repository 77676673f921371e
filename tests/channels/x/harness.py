"""The X server as the engine's fault tests drive it (see tests/servers/harness.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.channels.x.server import (
    CLIENT_ID,
    CLIENT_SECRET,
    USER_ID,
    USERNAME,
    XServer,
    start_server,
)
from tests.servers.harness import ServerHarness


def user_credentials(x: XServer) -> dict[str, Any]:
    """A working user token pair of the X app, as the connect flow stores it."""
    access, refresh = x.issue_tokens()
    return {
        "access_token": access,
        "refresh_token": refresh,
        "access_expires_at": (datetime.now(UTC) + timedelta(hours=2)).isoformat(),
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }


def account_settings(x: XServer) -> dict[str, Any]:
    return {"user_id": USER_ID, "username": USERNAME, "api_url": x.base_url}


class XHarness(ServerHarness[XServer]):
    platform = "x"
    publish_route = "POST /2/tweets"
    connector_path = "kaiku.channels.x.connector:XConnector"

    def launch(self) -> XServer:
        server, _ = start_server()
        return server

    def make_account(self, org: Any) -> Any:
        return self.save_account(
            org,
            f"@{USERNAME}",
            user_credentials(self.live),
            base_url="https://x.com",
            settings=account_settings(self.live),
        )

    def published_texts(self) -> list[str]:
        return self.live.texts()
