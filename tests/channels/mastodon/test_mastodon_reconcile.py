"""Unknown outcomes: the status may exist; reconcile looks, and never posts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from kaiku.channels.base import ChannelError, Failure, OutgoingImage, OutgoingPost
from tests.channels.mastodon.conftest import FastMastodon
from tests.channels.mastodon.server import MastodonServer

MakePost = Callable[..., OutgoingPost]


class QuickMastodon(FastMastodon):
    timeout = httpx.Timeout(5.0, read=0.2)


def unknown_outcome(connector: FastMastodon, post: OutgoingPost, index: int, earlier: list) -> None:  # type: ignore[type-arg]
    with pytest.raises(ChannelError) as caught:
        connector.publish_part(post, index, earlier)
    assert caught.value.failure is Failure.UNKNOWN_OUTCOME


@pytest.mark.parametrize("action", ["hang_after_apply", "drop_after_apply"])
def test_lost_answer_is_unknown_outcome_and_reconcile_finds_the_status(
    mastodon: MastodonServer, connector: FastMastodon, make_post: MakePost, action: str
) -> None:
    post = make_post(
        "Tärkeä tiedote: https://example.org/a/very/long/path/to/the/announcement #tiedote\n\n"
        f"Terveisin @toivonpolku@{mastodon.api.domain}",
        created_at=datetime.now(UTC),
    )
    mastodon.script("POST /api/v1/statuses", [action])
    # "hang" is a real read timeout, made short on a connector of its own: the post is its only
    # request, and it never answers; the reconcile goes through the usual one.
    sender = QuickMastodon(connector.account) if action.startswith("hang") else connector

    unknown_outcome(sender, post, 0, [])
    assert [(r.method, r.path) for r in mastodon.requests] == [("POST", "/api/v1/statuses")]
    posts_before = len(mastodon.requests_to("POST", "/api/v1/statuses"))
    found = connector.reconcile(post, 0)

    (status,) = mastodon.statuses
    assert "@<span>toivonpolku</span></a>" in status["content"]  # rendered without the domain
    assert found is not None
    assert (found.index, found.remote_id, found.url) == (0, status["id"], status["url"])
    assert len(mastodon.requests_to("POST", "/api/v1/statuses")) == posts_before


def test_reconcile_returns_none_when_the_post_never_arrived(
    mastodon: MastodonServer, connector: FastMastodon, make_post: MakePost
) -> None:
    post = make_post("Katosi matkalla", created_at=datetime.now(UTC))
    mastodon.script("POST /api/v1/statuses", ["drop"])

    unknown_outcome(connector, post, 0, [])

    assert connector.reconcile(post, 0) is None
    assert mastodon.statuses == []
    # Then the engine publishes again, and there is exactly one status.
    connector.publish_part(post, 0, [])
    assert len(mastodon.statuses) == 1


def test_reconcile_finds_a_thread_part_by_its_parent_without_being_told_it(
    mastodon: MastodonServer, connector: FastMastodon, make_post: MakePost
) -> None:
    # The same middle text twice in the account's timeline: only the reply to our part 0 counts.
    post = make_post("Ketju alkaa", "Sama teksti", created_at=datetime.now(UTC))
    connector.publish_part(make_post("Joku muu"), 0, [])
    decoy_parent = mastodon.statuses[0]["id"]
    connector.publish_part(make_post("x", "Sama teksti"), 1, [_part(decoy_parent)])
    first = connector.publish_part(post, 0, [])
    mastodon.script("POST /api/v1/statuses", ["drop_after_apply"])

    unknown_outcome(connector, post, 1, [first])
    found = connector.reconcile(post, 1)

    assert found is not None
    assert mastodon.api.status(found.remote_id)["in_reply_to_id"] == first.remote_id  # type: ignore[index]
    assert connector.reconcile(post, 1, [first]) == found


def test_reconcile_ignores_the_same_text_posted_before_the_post_existed(
    mastodon: MastodonServer, connector: FastMastodon, make_post: MakePost
) -> None:
    connector.publish_part(make_post("Viikkotiedote"), 0, [])
    later = datetime.now(UTC) + timedelta(hours=1)

    assert connector.reconcile(make_post("Viikkotiedote", created_at=later), 0) is None


def test_reconcile_requires_the_images_of_the_first_part(
    mastodon: MastodonServer,
    connector: FastMastodon,
    make_post: MakePost,
    png: Callable[[str], OutgoingImage],
) -> None:
    connector.publish_part(make_post("Kuvan kanssa"), 0, [])  # same text, no image

    post = make_post("Kuvan kanssa", images=(png("alt"),), created_at=datetime.now(UTC))

    assert connector.reconcile(post, 0) is None


def test_reconcile_pages_back_through_the_account_timeline(
    mastodon: MastodonServer, connector: FastMastodon, make_post: MakePost
) -> None:
    post = make_post("Kaukana menneisyydessä", created_at=datetime.now(UTC))
    target = connector.publish_part(post, 0, [])
    for number in range(45):
        connector.publish_part(make_post(f"Myöhempi {number}"), 0, [])

    assert connector.reconcile(post, 0) == target
    assert len(mastodon.requests_to("GET", "/api/v1/accounts/:id/statuses")) == 2


def _part(remote_id: str):  # type: ignore[no-untyped-def]
    from kaiku.channels.base import PublishedPart

    return PublishedPart(index=0, remote_id=remote_id)


def test_a_status_made_earlier_under_this_key_with_another_text_is_a_key_clash(
    mastodon: MastodonServer, connector: FastMastodon
) -> None:
    # The part went out, its answer was lost, and then the text was changed: Mastodon answers
    # the same Idempotency-Key with the first status, which says something else.
    first = OutgoingPost(key="a" * 32, parts=("Ryhmä alkaa maanantaina.",))
    connector.publish_part(first, 0, [])
    changed = OutgoingPost(key="a" * 32, parts=("Ryhmä alkaa tiistaina.",))

    with pytest.raises(ChannelError) as caught:
        connector.publish_part(changed, 0, [])

    assert (caught.value.failure, caught.value.code) == (Failure.PERMANENT, "key_clash")
    (status,) = mastodon.statuses
    assert status["id"] in caught.value.detail
