"""The local Meta server as the engine's fault tests drive it (see tests/servers/harness.py):
one harness per Meta platform, each scripting the request that makes the post visible."""

from __future__ import annotations

from typing import Any

from tests.channels.meta.api import IG_USER_ID, PAGE_ID, THREADS_USER_ID
from tests.channels.meta.server import MetaServer, start_server
from tests.servers.harness import ServerHarness


class _MetaHarness(ServerHarness[MetaServer]):
    @property
    def meta(self) -> MetaServer:
        return self.live

    def launch(self) -> MetaServer:
        return start_server()

    def prepare_engine_test(self, monkeypatch: Any) -> None:
        super().prepare_engine_test(monkeypatch)
        cls = self.connector_class()
        monkeypatch.setattr(cls, "poll_interval", 0.01)
        monkeypatch.setattr(cls, "poll_max_wait", 2.0)

    def _account(self, org: Any, handle: str, settings: dict[str, Any], token: str) -> Any:
        return self.save_account(org, handle, {"access_token": token}, settings=settings)


class FacebookHarness(_MetaHarness):
    platform = "facebook"
    publish_route = f"POST /v26.0/{PAGE_ID}/feed"
    connector_path = "kaiku.channels.facebook.connector:FacebookConnector"

    def start(self) -> None:
        super().start()
        # As Facebook does (error 506): the same message twice in a row is refused.
        self.meta.api.refuse_duplicates = True

    def make_account(self, org: Any) -> Any:
        settings = {"page_id": PAGE_ID, "graph_url": self.meta.graph_url}
        return self._account(org, "Toivon Polku ry", settings, self.meta.api.issue_page_token())

    def published_texts(self) -> list[str]:
        return [str(p["message"]) for p in self.meta.api.posts]


class InstagramHarness(_MetaHarness):
    """Instagram publishes nothing without an image: the engine test gives its Draft one when
    ``needs_image`` is set (and Kaiku a public address, so that the image has a URL)."""

    platform = "instagram"
    needs_image = True
    publish_route = f"POST /v26.0/{IG_USER_ID}/media_publish"
    connector_path = "kaiku.channels.instagram.connector:InstagramConnector"

    def make_account(self, org: Any) -> Any:
        settings = {"ig_user_id": IG_USER_ID, "page_id": PAGE_ID, "graph_url": self.meta.graph_url}
        return self._account(org, "@toivonpolku", settings, self.meta.api.issue_user_token())

    def published_texts(self) -> list[str]:
        return [str(m["caption"]) for m in self.meta.api.ig_media]


class ThreadsHarness(_MetaHarness):
    platform = "threads"
    publish_route = f"POST /v1.0/{THREADS_USER_ID}/threads_publish"
    connector_path = "kaiku.channels.threads.connector:ThreadsConnector"

    def make_account(self, org: Any) -> Any:
        settings = {
            "user_id": THREADS_USER_ID,
            "username": "toivonpolku",
            "graph_url": self.meta.threads_graph_url,
            "token_url": self.meta.base_url,
        }
        return self._account(org, "@toivonpolku", settings, self.meta.api.issue_threads_token())

    def published_texts(self) -> list[str]:
        return [str(t["text"]) for t in self.meta.api.threads]
