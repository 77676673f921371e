"""Instagram and Threads keep the container they are about to publish, and a lost answer is
resolved by that container's status, not guessed by text (issue 13.7)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from kaiku.channels.base import ChannelError, Connector, Failure
from kaiku.channels.instagram.connector import InstagramConnector
from kaiku.channels.threads.connector import ThreadsConnector
from tests.channels.meta.api import IG_USER_ID, THREADS_USER_ID
from tests.channels.meta.conftest import MakeImage, MakePost
from tests.channels.meta.server import MetaServer

IG_PUBLISH = f"/v26.0/{IG_USER_ID}/media_publish"
TH_PUBLISH = f"/v1.0/{THREADS_USER_ID}/threads_publish"


def keep_pending(connector: Connector) -> dict[tuple[str, int], str]:
    """A delivery's pending handles, as the ledger keeps them (kaiku.posts.models)."""
    store: dict[tuple[str, int], str] = {}

    def save(key: str, index: int, handle: str) -> None:
        store[(key, index)] = handle

    connector.account.save_pending = save
    connector.account.pending = lambda key, index: store.get((key, index), "")
    return store


def lose_the_answer(connector: Connector, post: object) -> None:
    with pytest.raises(ChannelError) as caught:
        connector.publish_part(post, 0, [])  # type: ignore[arg-type]
    assert caught.value.failure is Failure.UNKNOWN_OUTCOME


def test_an_instagram_post_published_but_not_yet_listed_is_never_published_again(
    meta: MetaServer, instagram: InstagramConnector, make_post: MakePost, png: MakeImage
) -> None:
    keep_pending(instagram)
    meta.api.listing_lag = 3600.0  # the media edge does not show it yet
    post = make_post("Syysretki", images=(png("Metsä"),), created_at=datetime.now(UTC))
    meta.script(f"POST {IG_PUBLISH}", ["drop_after_apply"])
    lose_the_answer(instagram, post)

    with pytest.raises(ChannelError) as looked:
        instagram.reconcile(post, 0)
    with pytest.raises(ChannelError) as sent:
        instagram.publish_part(post, 0, [])

    assert looked.value.failure is Failure.UNKNOWN_OUTCOME  # look again later
    assert sent.value.failure is Failure.UNKNOWN_OUTCOME
    assert len(meta.api.ig_media) == 1
    meta.api.listing_lag = 0.0
    part = instagram.reconcile(post, 0)
    assert part is not None and part.remote_id == meta.api.ig_media[0]["id"]


def test_an_instagram_container_never_published_is_published_after_a_lost_request(
    meta: MetaServer, instagram: InstagramConnector, make_post: MakePost, png: MakeImage
) -> None:
    store = keep_pending(instagram)
    post = make_post("Syysretki", images=(png("Metsä"),), created_at=datetime.now(UTC))
    meta.script(f"POST {IG_PUBLISH}", ["drop"])
    with pytest.raises(ChannelError):
        instagram.publish_part(post, 0, [])
    (container,) = meta.api.containers

    assert instagram.reconcile(post, 0) is None  # FINISHED: nothing went out
    part = instagram.publish_part(post, 0, [])

    assert store[(post.key, 0)].startswith(f"{container} ")
    assert list(meta.api.containers) == [container]  # the same container, published once
    (media,) = meta.api.ig_media
    assert part.remote_id == media["id"]


def test_a_threads_post_published_but_not_yet_listed_is_never_published_again(
    meta: MetaServer, threads: ThreadsConnector, make_post: MakePost
) -> None:
    keep_pending(threads)
    meta.api.listing_lag = 3600.0
    post = make_post("Vertaisryhmä alkaa.", created_at=datetime.now(UTC))
    meta.script(f"POST {TH_PUBLISH}", ["drop_after_apply"])
    lose_the_answer(threads, post)

    with pytest.raises(ChannelError) as looked:
        threads.reconcile(post, 0)
    with pytest.raises(ChannelError) as sent:
        threads.publish_part(post, 0, [])

    assert looked.value.failure is Failure.UNKNOWN_OUTCOME
    assert sent.value.failure is Failure.UNKNOWN_OUTCOME
    assert len(meta.api.threads) == 1


def test_a_threads_container_that_expired_is_made_anew(
    meta: MetaServer, threads: ThreadsConnector, make_post: MakePost
) -> None:
    keep_pending(threads)
    post = make_post("Vertaisryhmä alkaa.", created_at=datetime.now(UTC))
    meta.script(f"POST {TH_PUBLISH}", ["drop"])
    with pytest.raises(ChannelError):
        threads.publish_part(post, 0, [])
    (first,) = meta.api.containers
    meta.api.containers[first]["status"] = "EXPIRED"  # a day went by

    assert threads.reconcile(post, 0) is None
    threads.publish_part(post, 0, [])

    assert len(meta.api.containers) == 2
    assert len(meta.api.threads) == 1


def test_a_post_edited_after_a_failed_attempt_does_not_publish_the_old_container(
    meta: MetaServer, instagram: InstagramConnector, make_post: MakePost, png: MakeImage
) -> None:
    keep_pending(instagram)
    image = png("Metsä")
    before = make_post("Retki lauantaina.", images=(image,), created_at=datetime.now(UTC))
    meta.script(f"POST {IG_PUBLISH}", ["drop"])
    with pytest.raises(ChannelError):
        instagram.publish_part(before, 0, [])
    # The editor corrects the day before the next attempt; the delivery keeps its key.
    after = replace(before, parts=("Retki sunnuntaina.",))

    assert instagram.reconcile(after, 0) is None
    instagram.publish_part(after, 0, [])

    (media,) = meta.api.ig_media
    assert media["caption"] == "Retki sunnuntaina."


def test_an_old_containers_words_published_before_an_edit_are_a_key_clash(
    meta: MetaServer, threads: ThreadsConnector, make_post: MakePost
) -> None:
    keep_pending(threads)
    before = make_post("Retki lauantaina.", created_at=datetime.now(UTC))
    meta.script(f"POST {TH_PUBLISH}", ["drop_after_apply"])
    lose_the_answer(threads, before)
    after = replace(before, parts=("Retki sunnuntaina.",))

    with pytest.raises(ChannelError) as caught:
        threads.reconcile(after, 0)

    assert (caught.value.failure, caught.value.code) == (Failure.PERMANENT, "key_clash")
    assert len(meta.api.threads) == 1
