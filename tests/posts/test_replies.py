"""A reply from the field watch goes where it is meant to, or not at all (issue 13.6): each
platform resolves the address to its own id against its local server, and a platform that
cannot reply, or an address of another platform, is refused, never posted on its own."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from kaiku.connections.models import ChannelAccount
from kaiku.posts import services
from kaiku.posts.models import Post
from kaiku.publishing.models import Delivery
from kaiku.site.models import FeedEntry
from tests.channels.mastodon.harness import MastodonHarness
from tests.channels.meta.harness import ThreadsHarness
from tests.posts.conftest import settle
from tests.servers.harness import Harness, harness

pytestmark = pytest.mark.django_db

REMOTE = "https://toinen.example/@vertainen/112233"


def _reply(org: Any, members: Any, rf_request: Any, account: Any, url: str) -> Delivery:
    """A reply saved past the compose form (an older draft, the API): the publish path must
    refuse it on its own."""
    post = services.save_draft(
        org,
        members["editor"],
        services.Draft(text="Hyvä huomio, kiitos!", accounts=[account], reply_to_url=url),
    )
    services.submit(post, rf_request)
    settle()
    return Delivery.objects.get(post=post)


@pytest.fixture
def mastodon(monkeypatch: pytest.MonkeyPatch) -> Iterator[MastodonHarness]:
    h = MastodonHarness()
    h.start()
    h.prepare_engine_test(monkeypatch)
    yield h
    h.stop()


def test_a_mastodon_reply_goes_to_the_status_id_the_own_instance_resolves(
    mastodon: MastodonHarness, org: Any, members: Any, rf_request: Any
) -> None:
    """The watch gives the post's address on its home server; the id there means nothing on
    the account's instance, which fetches the post with a resolving search."""
    assert mastodon.server is not None
    api = mastodon.server.api
    api.remote[REMOTE] = ("Miten vertaistuki auttoi sinua?", "vertainen")
    account = mastodon.make_account(org)
    delivery = _reply(org, members, rf_request, account, REMOTE)
    assert delivery.state == Delivery.State.PUBLISHED, delivery.last_error_code
    federated = next(s for s in api.statuses if s["url"] == REMOTE)
    reply = next(s for s in api.statuses if s["url"] != REMOTE)
    assert reply["in_reply_to_id"] == federated["id"]


def test_a_mastodon_reply_to_a_post_the_instance_cannot_find_is_not_published(
    mastodon: MastodonHarness, org: Any, members: Any, rf_request: Any
) -> None:
    account = mastodon.make_account(org)
    delivery = _reply(org, members, rf_request, account, "https://toinen.example/@ei/404")
    assert delivery.state == Delivery.State.FAILED
    assert delivery.last_error_code == "reply_not_found"
    assert mastodon.published_texts() == []


def test_a_threads_reply_goes_to_the_media_id_of_the_profile_s_own_post(
    org: Any, members: Any, rf_request: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = ThreadsHarness()
    h.start()
    try:
        h.prepare_engine_test(monkeypatch)
        account = h.make_account(org)
        first = services.save_draft(
            org, members["editor"], services.Draft(text="Aloitus.", accounts=[account])
        )
        services.submit(first, rf_request)
        settle()
        (parent,) = h.meta.api.threads
        delivery = _reply(org, members, rf_request, account, parent["permalink"])
        assert delivery.state == Delivery.State.PUBLISHED, delivery.last_error_code
        reply = h.meta.api.threads[-1]
        assert reply["reply_to"] == parent["id"]
        # Someone else's post cannot be found through the API: refused, not posted on its own.
        other = _reply(
            org, members, rf_request, account, "https://www.threads.com/@joku/post/C0ffee"
        )
        assert other.state == Delivery.State.FAILED
        assert other.last_error_code == "reply_not_found"
        assert len(h.meta.api.threads) == 2
    finally:
        h.stop()


@pytest.mark.parametrize(
    ("platform", "url", "code"),
    [
        ("x", REMOTE, "reply_wrong_platform"),
        ("mastodon", "https://x.com/joku/status/1234567890", "reply_wrong_platform"),
        ("threads", REMOTE, "reply_wrong_platform"),
        ("facebook", "https://www.facebook.com/123/posts/456", "reply_not_supported"),
        ("instagram", "https://www.instagram.com/p/C0ffee/", "reply_not_supported"),
        ("linkedin", "https://www.linkedin.com/feed/update/urn:li:share:1/", "reply_not_supported"),
    ],
)
def test_a_reply_that_cannot_go_where_it_is_meant_is_refused_at_publish_time(
    org: Any,
    members: Any,
    rf_request: Any,
    monkeypatch: pytest.MonkeyPatch,
    platform: str,
    url: str,
    code: str,
) -> None:
    h: Harness = harness(platform)
    h.start()
    try:
        h.prepare_engine_test(monkeypatch)
        account = h.make_account(org)
        if getattr(h, "needs_image", False):
            monkeypatch.setattr("django.conf.settings.PUBLIC_URL", "https://kaiku.example")
        delivery = _reply(org, members, rf_request, account, url)
        assert delivery.state == Delivery.State.FAILED
        assert delivery.last_error_code == code
        assert h.published_texts() == []
    finally:
        h.stop()


def test_a_reply_is_never_put_on_the_own_feed_as_a_post_of_its_own(
    org: Any, members: Any, rf_request: Any, feed_account: ChannelAccount
) -> None:
    delivery = _reply(org, members, rf_request, feed_account, REMOTE)
    assert delivery.state == Delivery.State.FAILED
    assert delivery.last_error_code == "reply_not_supported"
    assert not FeedEntry.objects.exists()
    assert Post.objects.get().reply_to_url == REMOTE
