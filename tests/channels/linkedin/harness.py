"""The LinkedIn server as the engine's fault tests drive it (see tests/servers/harness.py).

The account is an organisation page: a page can list its own posts, so reconciling after a lost
answer is a real lookup (a personal profile falls back on LinkedIn's duplicate answer, which
tests/channels/linkedin covers).
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.channels.linkedin.server import ORG_URN, LinkedInServer, start_server

SCOPES = ("r_organization_social", "rw_organization_admin", "w_organization_social")


class LinkedInHarness:
    platform = "linkedin"

    def __init__(self) -> None:
        self.server: LinkedInServer | None = None

    def start(self) -> None:
        self.server = start_server()
        self.server.hang_seconds = 3.0

    def stop(self) -> None:
        assert self.server is not None
        self.server.stop()

    def make_account(self, org: Any) -> Any:
        from kaiku.channels.linkedin.client import DEFAULT_VERSION
        from kaiku.connections.models import ChannelAccount

        assert self.server is not None
        account = ChannelAccount(
            organisation=org,
            platform="linkedin",
            handle=ORG_URN,
            display_name="Toivon Polku ry",
            base_url=self.server.base_url,
            settings={
                "author": ORG_URN,
                "target": "organization",
                "linkedin_version": DEFAULT_VERSION,
            },
        )
        account.set_credentials(
            {
                "access_token": self.server.issue_token(scopes=SCOPES),
                "client_id": "kaiku-org-app",
                "client_secret": "org-app-secret",
            }
        )
        account.save()
        return account

    def script_publish(self, responses: list[int | str]) -> None:
        assert self.server is not None
        self.server.clear_scripts()
        if responses:
            self.server.script("POST /rest/posts", list(responses))

    def published_texts(self) -> list[str]:
        assert self.server is not None
        return self.server.visible_texts()

    def prepare_engine_test(self, monkeypatch: Any) -> None:
        from kaiku.channels.linkedin.connector import LinkedInConnector

        monkeypatch.setattr(LinkedInConnector, "timeout", httpx.Timeout(5.0, read=1.0))
