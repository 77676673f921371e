"""One post, composed once, goes out to all seven platforms and the own feed: exactly once each.

Six platforms answer from their local servers (shaped as their APIs document); Bluesky is the
real reference PDS; the own feed is Kaiku's own. Then the worker runs again, and nothing more
goes out."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.base import ContentFile

from kaiku.channels.bluesky import client as bsky
from kaiku.channels.bluesky.connector import BlueskyConnector
from kaiku.connections.models import ChannelAccount
from kaiku.posts import services
from kaiku.posts.models import PostImage
from kaiku.publishing.models import Delivery
from kaiku.site.models import FeedEntry
from tests.posts.conftest import settle
from tests.posts.test_engine_every_connector import PNG
from tests.servers.harness import HARNESSES, Harness, harness

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

TEXT = "Syysretki Nuuksioon lauantaina! Lähtö toimistolta klo 10. #retki"


@pytest.fixture
def platforms(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Harness]]:
    started = []
    for name in sorted(HARNESSES):
        h = harness(name)
        h.start()
        h.prepare_engine_test(monkeypatch)
        started.append(h)
    yield started
    for h in started:
        h.stop()


def test_a_post_composed_once_goes_out_once_to_every_platform_and_the_own_feed(
    platforms: list[Harness], bluesky_pds: Any, org: Any, members: Any, rf_request: Any
) -> None:
    accounts = [h.make_account(org) for h in platforms]
    local = bluesky_pds.create_account("kaikkialle")
    setup = BlueskyConnector.start_connect(
        {"handle": local.handle, "app_password": local.password, "pds_url": bluesky_pds.pds_url},
        "",
    )
    bluesky = ChannelAccount(
        organisation=org, platform="bluesky", handle=setup.handle, base_url=setup.base_url
    )
    bluesky.set_credentials(setup.credentials)
    bluesky.save()
    feed = ChannelAccount.objects.create(
        organisation=org, platform="feed", handle=org.slug, settings={"organisation": org.slug}
    )
    every = [*accounts, bluesky, feed]
    assert {a.platform for a in every} == {
        "facebook",
        "instagram",
        "threads",
        "x",
        "linkedin",
        "mastodon",
        "bluesky",
        "feed",
    }

    post = services.save_draft(org, members["editor"], services.Draft(text=TEXT, accounts=every))
    PostImage.objects.create(
        post=post,
        file=ContentFile(PNG, name="retki.png"),
        mime="image/png",
        size_bytes=len(PNG),
        width=1,
        height=1,
        alt_text="Metsäpolku syksyllä",
    )
    services.submit(post, rf_request)
    settle()
    settle()

    states = {d.account.platform: (d.state, d.last_error_detail) for d in Delivery.objects.all()}
    assert all(state == Delivery.State.PUBLISHED for state, _ in states.values()), states
    for h in platforms:
        texts = h.published_texts()
        assert len(texts) == 1, (h.platform, texts)
        assert "Syysretki Nuuksioon" in texts[0], (h.platform, texts)
    with bsky.BlueskyClient(bluesky_pds.pds_url) as client:
        records = client.list_records(local.did, bsky.POST_COLLECTION).records
    assert [r.value["text"] for r in records] == [TEXT]
    assert records[0].value["embed"]["images"][0]["alt"] == "Metsäpolku syksyllä"
    assert [e.text for e in FeedEntry.objects.all()] == [TEXT]
