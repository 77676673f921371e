"""Reconciling after an unknown outcome, and LinkedIn's duplicate answer: never twice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from kaiku.channels.base import ChannelError, Failure, OutgoingImage, OutgoingPost
from kaiku.channels.linkedin.connector import LinkedInConnector
from tests.channels.linkedin.server import LinkedInServer, Reply, fixture

MakePost = Callable[..., OutgoingPost]
TEXT = "Syksyn vertaisryhmät (avoin kaikille) alkavat #vertaistuki"


def now() -> datetime:
    return datetime.now(UTC)


def test_reconcile_finds_a_post_made_before_the_answer_was_lost(
    linkedin: LinkedInServer, page: LinkedInConnector, make_post: MakePost
) -> None:
    post = make_post(TEXT, created_at=now())
    linkedin.script("POST /rest/posts", ["drop_after_apply"])
    with pytest.raises(ChannelError):
        page.publish_part(post, 0, [])
    posts_before = len(linkedin.requests_to("POST", "/rest/posts"))

    part = page.reconcile(post, 0, [])

    (stored,) = linkedin.live_posts()
    assert part is not None
    assert part.remote_id == stored["id"]
    assert len(linkedin.requests_to("POST", "/rest/posts")) == posts_before  # never posts
    (listing,) = linkedin.requests_to("GET", "/rest/posts")
    assert listing.query["q"] == ["author"]
    assert listing.query["sortBy"] == ["LAST_MODIFIED"]


def test_reconcile_finds_nothing_when_the_request_never_arrived(
    linkedin: LinkedInServer, page: LinkedInConnector, make_post: MakePost
) -> None:
    post = make_post(TEXT, created_at=now())
    linkedin.script("POST /rest/posts", ["drop"])
    with pytest.raises(ChannelError):
        page.publish_part(post, 0, [])

    assert page.reconcile(post, 0, []) is None
    assert page.publish_part(post, 0, []).remote_id == linkedin.live_posts()[0]["id"]


def test_reconcile_ignores_the_same_text_posted_before_the_first_attempt(
    linkedin: LinkedInServer, page: LinkedInConnector, make_post: MakePost
) -> None:
    page.publish_part(make_post(TEXT), 0, [])
    linkedin.live_posts()[0]["createdAt"] -= 7 * 24 * 3600 * 1000

    assert page.reconcile(make_post(TEXT, created_at=now()), 0, []) is None


def test_reconcile_wants_the_same_images_too(
    linkedin: LinkedInServer,
    page: LinkedInConnector,
    make_post: MakePost,
    png: Callable[[str], OutgoingImage],
) -> None:
    page.publish_part(make_post(TEXT), 0, [])

    with_image = make_post(TEXT, images=(png("kuva"),), created_at=now() - timedelta(minutes=1))
    assert page.reconcile(with_image, 0, []) is None


def test_a_duplicate_answer_for_our_own_earlier_attempt_counts_as_published(
    linkedin: LinkedInServer, page: LinkedInConnector, make_post: MakePost
) -> None:
    post = make_post(TEXT, created_at=now())
    first = page.publish_part(post, 0, [])

    again = page.publish_part(post, 0, [])

    assert again.remote_id == first.remote_id
    assert len(linkedin.live_posts()) == 1
    assert linkedin.requests_to("GET", f"/rest/posts/{first.remote_id}")


def test_a_duplicate_of_an_older_post_is_a_permanent_duplicate(
    linkedin: LinkedInServer, page: LinkedInConnector, make_post: MakePost
) -> None:
    page.publish_part(make_post(TEXT), 0, [])
    linkedin.live_posts()[0]["createdAt"] -= 3600 * 1000  # published an hour ago

    with pytest.raises(ChannelError) as caught:
        page.publish_part(make_post(TEXT, created_at=now()), 0, [])

    assert (caught.value.failure, caught.value.code) == (Failure.PERMANENT, "duplicate")
    assert len(linkedin.live_posts()) == 1


def test_a_duplicate_naming_a_deleted_post_is_a_permanent_duplicate(
    linkedin: LinkedInServer, page: LinkedInConnector, make_post: MakePost
) -> None:
    body = fixture("error_422_duplicate.json")
    linkedin.script("POST /rest/posts", [Reply(422, body)])

    with pytest.raises(ChannelError) as caught:
        page.publish_part(make_post(TEXT, created_at=now()), 0, [])

    assert caught.value.code == "duplicate"
    assert "urn:li:share:7141138937766391808" in caught.value.detail


def test_a_profile_that_cannot_list_its_posts_relies_on_the_duplicate_answer(
    linkedin: LinkedInServer, profile: LinkedInConnector, make_post: MakePost
) -> None:
    post = make_post(TEXT, created_at=now())
    linkedin.script("POST /rest/posts", ["drop_after_apply"])
    with pytest.raises(ChannelError):
        profile.publish_part(post, 0, [])

    assert profile.reconcile(post, 0, []) is None  # 403: r_member_social is restricted
    part = profile.publish_part(post, 0, [])

    (stored,) = linkedin.live_posts()
    assert part.remote_id == stored["id"]


def test_a_profile_duplicate_without_a_lost_answer_is_not_taken_as_ours(
    linkedin: LinkedInServer, profile: LinkedInConnector, make_post: MakePost
) -> None:
    profile.publish_part(make_post(TEXT), 0, [])

    with pytest.raises(ChannelError) as caught:
        profile.publish_part(make_post(TEXT, created_at=now()), 0, [])

    assert caught.value.code == "duplicate"


def test_a_profile_granted_r_member_social_reconciles_by_listing(
    linkedin: LinkedInServer, profile: LinkedInConnector, make_post: MakePost
) -> None:
    linkedin.member_reads = True  # a profile app granted r_member_social
    post = make_post(TEXT, created_at=now())
    part = profile.publish_part(post, 0, [])

    found = profile.reconcile(post, 0, [])

    assert found is not None
    assert found.remote_id == part.remote_id


def test_reconcile_finds_a_lost_image_post_and_a_lost_article_post(
    linkedin: LinkedInServer,
    page: LinkedInConnector,
    make_post: MakePost,
    png: Callable[[str], OutgoingImage],
) -> None:
    from kaiku.channels.base import LinkCard

    card = LinkCard(url="https://toivonpolku.example/", title="Toivon Polku")
    posts = [
        make_post("Kuvan kanssa", images=(png("kuvateksti"),), created_at=now()),
        make_post("Linkin kanssa", link=card.url, link_card=card, created_at=now()),
    ]
    for post in posts:
        linkedin.script("POST /rest/posts", ["drop_after_apply"])
        with pytest.raises(ChannelError):
            page.publish_part(post, 0, [])

    found = [page.reconcile(post, 0, []) for post in posts]

    assert [f.remote_id if f else None for f in found] == [p["id"] for p in linkedin.live_posts()]
