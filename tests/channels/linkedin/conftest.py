"""A local LinkedIn per test, and connectors pointed at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest

from kaiku.channels.base import Account, OutgoingImage, OutgoingPost
from kaiku.channels.linkedin.client import DEFAULT_VERSION, ORGANIZATION_SCOPES, PERSON_SCOPES
from kaiku.channels.linkedin.connector import LinkedInConnector
from tests.channels.linkedin.server import ORG_URN, PERSON_URN, LinkedInServer, start_server

# The smallest valid PNG (1x1, transparent).
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6300010000050001d5a2c4a90000000049454e44ae426082"
)
CALLBACK = "https://kaiku.example/o/toivon-polku/channels/linkedin/callback/"


def connector_class(server: LinkedInServer) -> type[LinkedInConnector]:
    """The production connector pointed at ``server``, with a 1 s read timeout so "hang"
    scripts end quickly."""

    class Local(LinkedInConnector):
        api_base: ClassVar[str] = server.base_url
        oauth_base: ClassVar[str] = server.base_url
        timeout = httpx.Timeout(5.0, read=1.0)

    return Local


@pytest.fixture
def linkedin() -> Iterator[LinkedInServer]:
    server = start_server()
    server.hang_seconds = 3.0
    yield server
    server.stop()


@pytest.fixture
def local(linkedin: LinkedInServer) -> type[LinkedInConnector]:
    return connector_class(linkedin)


def make_connector(
    cls: type[LinkedInConnector], server: LinkedInServer, *, page: bool, **creds: Any
) -> LinkedInConnector:
    scopes = ORGANIZATION_SCOPES if page else PERSON_SCOPES
    client_id = "kaiku-org-app" if page else "kaiku-profile-app"
    author = ORG_URN if page else PERSON_URN
    return cls(
        Account(
            handle=author,
            base_url=server.base_url,
            credentials={
                "access_token": server.issue_token(scopes=scopes, client_id=client_id),
                "client_id": client_id,
                "client_secret": "org-app-secret" if page else "profile-app-secret",
                **creds,
            },
            settings={
                "author": author,
                "target": "organization" if page else "person",
                "linkedin_version": DEFAULT_VERSION,
            },
        )
    )


@pytest.fixture
def page(local: type[LinkedInConnector], linkedin: LinkedInServer) -> LinkedInConnector:
    """A connected organisation page."""
    return make_connector(local, linkedin, page=True)


@pytest.fixture
def profile(local: type[LinkedInConnector], linkedin: LinkedInServer) -> LinkedInConnector:
    """A connected personal profile."""
    return make_connector(local, linkedin, page=False)


@pytest.fixture
def make_post() -> Callable[..., OutgoingPost]:
    counter = iter(range(1_000_000))

    def make(*parts: str, **kw: Any) -> OutgoingPost:
        return OutgoingPost(key=f"delivery{next(counter):04d}", parts=parts, **kw)

    return make


@pytest.fixture
def png(tmp_path: Path) -> Callable[[str], OutgoingImage]:
    def make(alt: str) -> OutgoingImage:
        path = tmp_path / f"kuva-{len(list(tmp_path.iterdir()))}.png"
        path.write_bytes(PNG)
        return OutgoingImage(path=path, mime="image/png", alt_text=alt, width=1, height=1)

    return make
