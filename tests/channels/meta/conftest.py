"""A local Meta server per test, and the production connectors pointed at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from kaiku.channels.base import Account, OutgoingImage, OutgoingPost, Redirect
from kaiku.channels.facebook.connector import FacebookConnector
from kaiku.channels.instagram.connector import InstagramConnector
from kaiku.channels.threads.connector import ThreadsConnector
from tests.channels.meta.api import IG_USER_ID, PAGE_ID, THREADS_USER_ID
from tests.channels.meta.server import MetaServer, start_server

CALLBACK = "https://kaiku.example/o/toivon-polku/channels/{platform}/callback/"
TIMEOUT = httpx.Timeout(5.0, read=1.0)

# The smallest valid PNG (1x1, transparent).
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6300010000050001d5a2c4a90000000049454e44ae426082"
)


@pytest.fixture
def meta() -> Iterator[MetaServer]:
    server = start_server()
    server.hang_seconds = 3.0
    yield server
    server.stop()


def fast(cls: type, server: MetaServer) -> type:
    """The production connector with the local server's addresses and test-sized waits."""
    attrs: dict[str, object] = {"timeout": TIMEOUT, "poll_interval": 0.01, "poll_max_wait": 2.0}
    if cls is ThreadsConnector:
        attrs.update(
            graph_url=server.threads_graph_url,
            token_url=server.base_url,
            authorize_url=server.threads_authorize_url,
        )
    else:
        attrs.update(graph_url=server.graph_url, dialog_url=server.dialog_url)
    return type(f"Fast{cls.__name__}", (cls,), attrs)


@pytest.fixture
def facebook_cls(meta: MetaServer) -> type[FacebookConnector]:
    return fast(FacebookConnector, meta)


@pytest.fixture
def instagram_cls(meta: MetaServer) -> type[InstagramConnector]:
    return fast(InstagramConnector, meta)


@pytest.fixture
def threads_cls(meta: MetaServer) -> type[ThreadsConnector]:
    return fast(ThreadsConnector, meta)


@pytest.fixture
def facebook(meta: MetaServer, facebook_cls: type[FacebookConnector]) -> FacebookConnector:
    return facebook_cls(
        Account(
            handle="Toivon Polku ry",
            base_url=f"https://www.facebook.com/{PAGE_ID}",
            credentials={"access_token": meta.api.issue_page_token()},
            settings={"page_id": PAGE_ID, "graph_url": meta.graph_url},
        )
    )


@pytest.fixture
def instagram(meta: MetaServer, instagram_cls: type[InstagramConnector]) -> InstagramConnector:
    return instagram_cls(
        Account(
            handle="@toivonpolku",
            base_url="https://www.instagram.com/toivonpolku",
            credentials={"access_token": meta.api.issue_user_token(), "token_kind": "user"},
            settings={"ig_user_id": IG_USER_ID, "page_id": PAGE_ID, "graph_url": meta.graph_url},
        )
    )


@pytest.fixture
def saved() -> list[dict[str, object]]:
    return []


@pytest.fixture
def threads(
    meta: MetaServer, threads_cls: type[ThreadsConnector], saved: list[dict[str, object]]
) -> ThreadsConnector:
    return threads_cls(
        Account(
            handle="@toivonpolku",
            base_url="https://www.threads.com/@toivonpolku",
            credentials={"access_token": meta.api.issue_threads_token()},
            settings={"user_id": THREADS_USER_ID, "graph_url": meta.threads_graph_url},
            save_credentials=saved.append,
        )
    )


@pytest.fixture
def make_post() -> Callable[..., OutgoingPost]:
    counter = iter(range(1_000_000))

    def make(*parts: str, **kw: object) -> OutgoingPost:
        return OutgoingPost(key=f"delivery{next(counter):04d}", parts=parts, **kw)  # type: ignore[arg-type]

    return make


@pytest.fixture
def png(tmp_path: Path) -> Callable[..., OutgoingImage]:
    def make(alt: str, *, public: bool = True) -> OutgoingImage:
        path = tmp_path / f"kuva-{len(list(tmp_path.iterdir()))}.png"
        path.write_bytes(PNG)
        url = f"https://kaiku.example/media/signed/{path.name}" if public else ""
        return OutgoingImage(
            path=path, mime="image/png", alt_text=alt, width=1, height=1, public_url=url
        )

    return make


def follow_dialog(redirect: Redirect, callback: str) -> dict[str, str]:
    """Play the browser: open the consent page, return the query it sends us back with."""
    response = httpx.get(redirect.url, follow_redirects=False)
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(callback + "?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


MakePost = Callable[..., OutgoingPost]
MakeImage = Callable[..., OutgoingImage]
