"""Smoke test of the full local network (``bluesky_full``): the AppView indexes our posts.

The field-watch feature reads through the AppView; this proves the fixture serves it.
"""

from __future__ import annotations

import time

import httpx
import pytest

from kaiku.channels.bluesky.client import BlueskyClient
from tests.bluesky_local.fixtures import LocalNetwork

pytestmark = pytest.mark.slow


def test_appview_shows_a_post_made_on_the_pds(bluesky_full: LocalNetwork) -> None:
    account = bluesky_full.create_account("carol")
    with BlueskyClient(bluesky_full.pds_url) as client:
        session = client.create_session(account.handle, account.password)
        ref = client.create_post(session, "Näkyykö tämä syötteessä? #kaiku")
    assert bluesky_full.appview_url
    deadline = time.monotonic() + 30
    uris: list[str] = []
    # https://docs.bsky.app/docs/api/app-bsky-feed-get-author-feed (public, no login).
    # The AppView indexes with some lag: poll, don't sleep a fixed time.
    while time.monotonic() < deadline and ref.uri not in uris:
        feed = httpx.get(
            f"{bluesky_full.appview_url}/xrpc/app.bsky.feed.getAuthorFeed",
            params={"actor": account.did},
            timeout=10,
        )
        # 400 (actor not found) until the new account itself is indexed.
        if feed.status_code != 400:
            feed.raise_for_status()
            uris = [item["post"]["uri"] for item in feed.json()["feed"]]
        time.sleep(0.2)
    assert ref.uri in uris
