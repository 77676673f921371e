"""A local X per test, and connectors pointed at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from kaiku.channels.base import Account, OutgoingImage, OutgoingPost
from kaiku.channels.x.connector import XConnector
from tests.channels.x.harness import account_settings, user_credentials
from tests.channels.x.server import (
    USERNAME,
    XServer,
    start_server,
)

# The smallest valid PNG (1x1, transparent).
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6300010000050001d5a2c4a90000000049454e44ae426082"
)
# The smallest GIF (1x1).
GIF = bytes.fromhex(
    "47494638396101000100800000000000ffffff21f90401000000002c000000000100010000020144003b"
)


class FastX(XConnector):
    """The production connector with test-sized waits: a 1 s read timeout makes "hang"
    scripts end quickly, and media polling does not sleep a second per poll."""

    timeout = httpx.Timeout(5.0, read=1.0)
    media_poll_interval = 0.01


@pytest.fixture
def x() -> Iterator[XServer]:
    server, _base_url = start_server(hang_seconds=3.0)
    yield server
    server.stop()


@pytest.fixture
def saved() -> list[dict[str, Any]]:
    """Every credentials dict the connector saved, in order."""
    return []


def make_account(x: XServer, saved: list[dict[str, Any]], **settings: Any) -> Account:
    return Account(
        handle=f"@{USERNAME}",
        base_url="https://x.com",
        credentials=user_credentials(x),
        settings={**account_settings(x), **settings},
        save_credentials=saved.append,
    )


@pytest.fixture
def connector(x: XServer, saved: list[dict[str, Any]]) -> FastX:
    return FastX(make_account(x, saved))


@pytest.fixture
def make_post() -> Callable[..., OutgoingPost]:
    counter = iter(range(1_000_000))

    def make(*parts: str, **kw: Any) -> OutgoingPost:
        kw.setdefault("created_at", datetime.now(UTC))
        return OutgoingPost(key=f"delivery{next(counter):04d}", parts=parts, **kw)

    return make


@pytest.fixture
def image(tmp_path: Path) -> Callable[..., OutgoingImage]:
    def make(alt: str, *, gif: bool = False) -> OutgoingImage:
        path = tmp_path / f"kuva-{len(list(tmp_path.iterdir()))}.{'gif' if gif else 'png'}"
        path.write_bytes(GIF if gif else PNG)
        mime = "image/gif" if gif else "image/png"
        return OutgoingImage(path=path, mime=mime, alt_text=alt, width=1, height=1)

    return make
