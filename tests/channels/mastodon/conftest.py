"""A local Mastodon per test, and connectors pointed at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from kaiku.channels.base import Account, OutgoingImage, OutgoingPost
from kaiku.channels.mastodon.connector import MastodonConnector
from tests.channels.mastodon.server import MastodonServer, start_server

# The smallest valid PNG (1x1, transparent), with a CR LF pair in it on purpose.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6300010000050001d5a2c4a90000000049454e44ae426082"
)


class FastMastodon(MastodonConnector):
    """The production connector with test-sized waits: a 1 s read timeout makes "hang"
    scripts end quickly, and media polling does not sleep a second per poll."""

    timeout = httpx.Timeout(5.0, read=1.0)
    media_poll_interval = 0.01


@pytest.fixture
def mastodon() -> Iterator[MastodonServer]:
    server, _base_url = start_server()
    server.hang_seconds = 3.0
    yield server
    server.stop()


@pytest.fixture
def token(mastodon: MastodonServer) -> str:
    return mastodon.issue_token()


@pytest.fixture
def connector(mastodon: MastodonServer, token: str) -> FastMastodon:
    return FastMastodon(
        Account(
            handle=f"@toivonpolku@{mastodon.api.domain}",
            base_url=mastodon.base_url,
            credentials={"access_token": token},
            settings={"account_id": "109302", "max_characters": 500},
        )
    )


@pytest.fixture
def make_post() -> Callable[..., OutgoingPost]:
    counter = iter(range(1_000_000))

    def make(*parts: str, **kw: object) -> OutgoingPost:
        return OutgoingPost(key=f"delivery{next(counter):04d}", parts=parts, **kw)  # type: ignore[arg-type]

    return make


@pytest.fixture
def png(tmp_path: Path) -> Callable[[str], OutgoingImage]:
    def make(alt: str) -> OutgoingImage:
        path = tmp_path / f"kuva-{len(list(tmp_path.iterdir()))}.png"
        path.write_bytes(PNG)
        return OutgoingImage(path=path, mime="image/png", alt_text=alt, width=1, height=1)

    return make
