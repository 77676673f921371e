"""The Mastodon server as the engine's fault tests drive it (see tests/servers/harness.py)."""

from __future__ import annotations

from typing import Any

from tests.channels.mastodon.server import MastodonServer, start_server
from tests.servers.harness import ServerHarness


class MastodonHarness(ServerHarness[MastodonServer]):
    platform = "mastodon"
    publish_route = "POST /api/v1/statuses"
    connector_path = "kaiku.channels.mastodon.connector:MastodonConnector"

    def launch(self) -> MastodonServer:
        server, _ = start_server()
        # Prove the engine's own reconciliation, not the server's idempotency keys.
        server.api.idempotency_window = 0
        return server

    def make_account(self, org: Any) -> Any:
        return self.save_account(
            org,
            f"@toivonpolku@{self.live.api.domain}",
            {"access_token": self.live.issue_token()},
            base_url=self.live.base_url,
            settings={"account_id": "109302", "max_characters": 500},
        )

    def published_texts(self) -> list[str]:
        return [str(s["content"]) for s in self.live.statuses]
