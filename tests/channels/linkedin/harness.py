"""The LinkedIn server as the engine's fault tests drive it (see tests/servers/harness.py).

The account is an organisation page: a page can list its own posts, so reconciling after a lost
answer is a real lookup (a personal profile falls back on LinkedIn's duplicate answer, which
tests/channels/linkedin covers).
"""

from __future__ import annotations

from typing import Any

from tests.channels.linkedin.server import ORG_URN, LinkedInServer, start_server
from tests.servers.harness import ServerHarness

SCOPES = ("r_organization_social", "rw_organization_admin", "w_organization_social")


class LinkedInHarness(ServerHarness[LinkedInServer]):
    platform = "linkedin"
    publish_route = "POST /rest/posts"
    connector_path = "kaiku.channels.linkedin.connector:LinkedInConnector"

    def launch(self) -> LinkedInServer:
        return start_server()

    def make_account(self, org: Any) -> Any:
        from kaiku.channels.linkedin.client import DEFAULT_VERSION

        credentials = {
            "access_token": self.live.issue_token(scopes=SCOPES),
            "client_id": "kaiku-org-app",
            "client_secret": "org-app-secret",
        }
        return self.save_account(
            org,
            ORG_URN,
            credentials,
            display_name="Toivon Polku ry",
            base_url=self.live.base_url,
            settings={
                "author": ORG_URN,
                "target": "organization",
                "linkedin_version": DEFAULT_VERSION,
            },
        )

    def published_texts(self) -> list[str]:
        return self.live.visible_texts()
