"""The Mastodon server as the engine's fault tests drive it (see tests/servers/harness.py)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.channels.mastodon.server import MastodonServer, start_server


class MastodonHarness:
    platform = "mastodon"

    def __init__(self) -> None:
        self.server: MastodonServer | None = None

    def start(self) -> None:
        self.server, _ = start_server()
        self.server.hang_seconds = 3.0
        # Prove the engine's own reconciliation, not the server's idempotency keys.
        self.server.api.idempotency_window = 0

    def stop(self) -> None:
        assert self.server is not None
        self.server.stop()

    def make_account(self, org: Any) -> Any:
        from kaiku.connections.models import ChannelAccount

        assert self.server is not None
        account = ChannelAccount(
            organisation=org,
            platform="mastodon",
            handle=f"@toivonpolku@{self.server.api.domain}",
            base_url=self.server.base_url,
            settings={"account_id": "109302", "max_characters": 500},
        )
        account.set_credentials({"access_token": self.server.issue_token()})
        account.save()
        return account

    def script_publish(self, responses: list[int | str]) -> None:
        assert self.server is not None
        self.server.clear_scripts()
        if responses:
            self.server.script("POST /api/v1/statuses", list(responses))

    def published_texts(self) -> list[str]:
        assert self.server is not None
        return [str(s["content"]) for s in self.server.statuses]

    def prepare_engine_test(self, monkeypatch: Any) -> None:
        from kaiku.channels.mastodon.connector import MastodonConnector

        monkeypatch.setattr(MastodonConnector, "timeout", httpx.Timeout(5.0, read=1.0))
