"""One way for the engine's fault tests to drive every platform's local server.

Each platform's test server module offers a ``Harness`` with this shape, and is listed in
``HARNESSES``; ``tests/posts/test_engine_every_connector.py`` runs the engine's fault tests
(429, 500, a lost answer, an expired token) for each of them.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any, ClassVar, Generic, Protocol, TypeVar

import httpx

from tests.servers.base import ScriptedServer


class Harness(Protocol):
    platform: str

    def start(self) -> None:
        """Start the platform's local server (on 127.0.0.1, a free port)."""

    def stop(self) -> None: ...

    def make_account(self, org: Any) -> Any:
        """A connected, working ChannelAccount of ``org`` pointed at the local server."""

    def script_publish(self, responses: list[int | str]) -> None:
        """The next publish requests answer with these, in order: an HTTP status (429 with the
        platform's own rate-limit headers, 500, 401 as an expired token), ``"drop"`` (nothing
        done, the connection closed without an answer), ``"drop_after_apply"`` (the post IS
        made, then the same), or ``"hang"`` / ``"hang_after_apply"`` (the same, but the
        connection is held until the client's read timeout: slow, for timeout tests only).
        Replaces whatever was scripted before; ``[]`` clears it."""

    def published_texts(self) -> list[str]:
        """The texts of the posts the server holds now (one per post, duplicates included)."""

    def prepare_engine_test(self, monkeypatch: Any) -> None:
        """Shorten the connector's timeouts and waits for tests (e.g. a 1 s read timeout)."""


S = TypeVar("S", bound=ScriptedServer[Any])


class ServerHarness(Generic[S]):
    """What every platform's harness does the same way: a local server whose "hang" holds
    for 3 s, publish requests scripted on ``publish_route``, the connector's read timeout cut
    to 1 s, accounts saved sealed. A platform's harness says how to start its server
    (``launch``), what an account holds and what the server shows as published."""

    platform: ClassVar[str]
    publish_route: ClassVar[str]
    connector_path: ClassVar[str]  # "module:Class", patched by ``prepare_engine_test``

    def __init__(self) -> None:
        self.server: S | None = None

    @property
    def live(self) -> S:
        assert self.server is not None, "start() first"
        return self.server

    def launch(self) -> S:
        raise NotImplementedError

    def start(self) -> None:
        self.server = self.launch()
        self.server.hang_seconds = 3.0

    def stop(self) -> None:
        self.live.stop()

    def script_publish(self, responses: list[int | str]) -> None:
        self.live.clear_scripts()
        if responses:
            self.live.script(self.publish_route, list(responses))

    def connector_class(self) -> Any:
        module, _, name = self.connector_path.partition(":")
        return getattr(import_module(module), name)

    def prepare_engine_test(self, monkeypatch: Any) -> None:
        monkeypatch.setattr(self.connector_class(), "timeout", httpx.Timeout(5.0, read=1.0))

    def save_account(
        self, org: Any, handle: str, credentials: dict[str, Any], **fields: Any
    ) -> Any:
        """A working ChannelAccount of ``org`` on this platform, its credentials sealed."""
        from kaiku.connections.models import ChannelAccount

        account = ChannelAccount(organisation=org, platform=self.platform, handle=handle, **fields)
        account.set_credentials(credentials)
        account.save()
        return account


HARNESSES = {
    "mastodon": "tests.channels.mastodon.harness:MastodonHarness",
    "facebook": "tests.channels.meta.harness:FacebookHarness",
    "instagram": "tests.channels.meta.harness:InstagramHarness",
    "threads": "tests.channels.meta.harness:ThreadsHarness",
    "x": "tests.channels.x.harness:XHarness",
    "linkedin": "tests.channels.linkedin.harness:LinkedInHarness",
}


def harness(platform: str) -> Harness:
    module, _, name = HARNESSES[platform].partition(":")
    cls: Any = getattr(import_module(module), name)
    instance: Harness = cls()
    return instance
