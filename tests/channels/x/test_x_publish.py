"""Publishing to X: text, threads, images with alt text, duplicates, replies, delete, metrics."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kaiku.channels.base import ChannelError, Failure, OutgoingImage, OutgoingPost, PublishedPart
from kaiku.channels.x.connector import tweet_id_from
from tests.channels.x.conftest import FastX, make_account
from tests.channels.x.server import XServer

Make = Callable[..., OutgoingPost]


def publish_all(connector: FastX, post: OutgoingPost) -> list[PublishedPart]:
    done: list[PublishedPart] = []
    for index in range(len(post.parts)):
        done.append(connector.publish_part(post, index, list(done)))
    return done


def test_a_text_post_goes_out_with_its_link_appended(
    connector: FastX, x: XServer, make_post: Make
) -> None:
    post = make_post("Syksyn vertaisryhmät alkavat.", link="https://toivonpolku.example/ryhmat")

    (part,) = publish_all(connector, post)

    (tweet,) = x.own_tweets()
    assert part.remote_id == tweet["id"]
    assert part.url == f"https://x.com/toivonpolku/status/{tweet['id']}"
    assert tweet["_source"] == "Syksyn vertaisryhmät alkavat.\n\nhttps://toivonpolku.example/ryhmat"
    assert (x.requests_to("POST", "/2/tweets")[0].json) == {"text": tweet["_source"]}


def test_a_thread_is_a_chain_of_replies(connector: FastX, x: XServer, make_post: Make) -> None:
    post = make_post("1/3 Ensimmäinen", "2/3 Toinen", "3/3 Kolmas")

    parts = publish_all(connector, post)

    bodies = [r.json for r in x.requests_to("POST", "/2/tweets")]
    assert "reply" not in bodies[0]
    assert bodies[1]["reply"] == {"in_reply_to_tweet_id": parts[0].remote_id}
    assert bodies[2]["reply"] == {"in_reply_to_tweet_id": parts[1].remote_id}
    assert x.texts() == ["1/3 Ensimmäinen", "2/3 Toinen", "3/3 Kolmas"]


def test_an_image_is_uploaded_with_its_alt_text_before_the_post(
    connector: FastX, x: XServer, make_post: Make, image: Callable[..., OutgoingImage]
) -> None:
    post = make_post("Kuva ryhmästä", images=(image("Kuusi ihmistä istuu piirissä"),))

    publish_all(connector, post)

    (upload,) = x.requests_to("POST", "/2/media/upload")
    assert upload.form == {"media_category": "tweet_image", "media_type": "image/png"}
    assert upload.files["media"][2].startswith(b"\x89PNG")
    (media,) = x.media.values()
    assert media["alt"] == "Kuusi ihmistä istuu piirissä"
    (metadata,) = x.requests_to("POST", "/2/media/metadata")
    assert metadata.json == {
        "id": media["id"],
        "metadata": {"alt_text": {"text": "Kuusi ihmistä istuu piirissä"}},
    }
    (create,) = x.requests_to("POST", "/2/tweets")
    assert create.json["media"] == {"media_ids": [media["id"]]}
    order = [r.path for r in x.requests]
    assert order.index("/2/media/metadata") < order.index("/2/tweets")


def test_a_gif_goes_through_the_chunked_upload_and_processing(
    connector: FastX, x: XServer, make_post: Make, image: Callable[..., OutgoingImage]
) -> None:
    post = make_post("Liikkuva kuva", images=(image("Vilkuttava käsi", gif=True),))

    publish_all(connector, post)

    (media,) = x.media.values()
    assert media["category"] == "tweet_gif" and media["state"] == "succeeded"
    assert len(x.requests_to("POST", "/2/media/upload/initialize")) == 1
    assert len(x.requests_to("POST", "/2/media/upload/:id/append")) == 1
    assert len(x.requests_to("POST", "/2/media/upload/:id/finalize")) == 1
    assert len(x.requests_to("GET", "/2/media/upload")) == 1  # one STATUS poll
    assert media["alt"] == "Vilkuttava käsi"


def test_a_failed_alt_text_stops_the_post(
    connector: FastX, x: XServer, make_post: Make, image: Callable[..., OutgoingImage]
) -> None:
    x.script("POST /2/media/metadata", [400])
    post = make_post("Kuva", images=(image("Kuvaus"),))

    with pytest.raises(ChannelError) as caught:
        publish_all(connector, post)

    assert caught.value.code == "media"
    assert x.own_tweets() == []


def test_a_repeat_of_an_earlier_post_is_a_permanent_duplicate(
    connector: FastX, x: XServer, make_post: Make
) -> None:
    publish_all(
        connector, make_post("Sama teksti", created_at=datetime.now(UTC) - timedelta(days=1))
    )
    # A new delivery with the same words, first attempted now: X refuses it.
    post = make_post("Sama teksti", created_at=datetime.now(UTC) + timedelta(minutes=10))

    with pytest.raises(ChannelError) as caught:
        publish_all(connector, post)

    assert caught.value.failure is Failure.PERMANENT
    assert caught.value.code == "duplicate"
    assert "duplicate content" in caught.value.detail
    assert len(x.own_tweets()) == 1


def test_a_duplicate_that_is_this_very_part_is_recorded_not_failed(
    connector: FastX, x: XServer, make_post: Make
) -> None:
    post = make_post("Osa, jonka vastaus katosi")
    x.script("POST /2/tweets", ["drop_after_apply"])
    with pytest.raises(ChannelError) as lost:
        publish_all(connector, post)
    assert lost.value.failure is Failure.UNKNOWN_OUTCOME

    # Say the timeline lagged and reconcile missed it: publishing again meets X's duplicate
    # check, and the part turns out to be there.
    (part,) = publish_all(connector, post)

    (tweet,) = x.own_tweets()
    assert part.remote_id == tweet["id"]


def test_a_reply_to_a_post_that_did_not_summon_us_is_refused_before_posting(
    connector: FastX, x: XServer, make_post: Make
) -> None:
    other = x.add_tweet("ystava", "Hyvää huomenta kaikille")
    post = make_post("Kiitos!", reply_to=f"https://x.com/ystava/status/{other}")

    with pytest.raises(ChannelError) as caught:
        publish_all(connector, post)

    assert caught.value.failure is Failure.PERMANENT
    assert caught.value.code == "reply_not_allowed"
    assert "@toivonpolku" in caught.value.detail
    assert x.requests_to("POST", "/2/tweets") == []


@pytest.mark.parametrize("how", ["mention", "quote"])
def test_a_reply_is_allowed_where_the_author_mentioned_or_quoted_us(
    connector: FastX, x: XServer, make_post: Make, how: str
) -> None:
    if how == "mention":
        other = x.add_tweet("ystava", "Kiitos @toivonpolku tuesta!")
    else:
        ours = x.add_tweet("toivonpolku", "Vertaistukea joka keskiviikko")
        other = x.add_tweet("ystava", "Tärkeää työtä", quote_of=ours)
    post = make_post("Kiitos itsellesi!", reply_to=f"https://twitter.com/ystava/status/{other}")

    (part,) = publish_all(connector, post)

    assert x.requests_to("POST", "/2/tweets")[-1].json["reply"] == {"in_reply_to_tweet_id": other}
    assert part.remote_id == x.own_tweets()[-1]["id"]


def test_x_own_reply_refusal_is_understood_when_the_check_is_off(
    x: XServer, saved: list[dict[str, Any]], make_post: Make
) -> None:
    connector = FastX(make_account(x, saved, reply_policy="unrestricted"))
    other = x.add_tweet("ystava", "Hyvää huomenta")
    post = make_post("Huomenta!", reply_to=other)

    with pytest.raises(ChannelError) as caught:
        publish_all(connector, post)

    assert caught.value.code == "reply_not_allowed"
    assert caught.value.status == 403
    assert x.requests_to("GET", "/2/tweets/:id") == []  # no check was made


def test_a_reply_to_a_missing_post_is_not_found(
    connector: FastX, x: XServer, make_post: Make
) -> None:
    post = make_post("Hei", reply_to="https://x.com/ystava/status/1234567890123")

    with pytest.raises(ChannelError) as caught:
        publish_all(connector, post)

    assert caught.value.code == "not_found"


def test_reply_addresses_are_read_from_x_and_twitter_links() -> None:
    assert tweet_id_from("https://x.com/ystava/status/20?s=20") == "20"
    assert tweet_id_from("https://twitter.com/i/web/status/21") == "21"
    assert tweet_id_from("22") == "22"
    with pytest.raises(ChannelError):
        tweet_id_from("https://example.com/status/23")


def test_a_text_over_the_limit_is_too_long(connector: FastX, make_post: Make) -> None:
    with pytest.raises(ChannelError) as caught:
        publish_all(connector, make_post("ä" * 281))
    assert caught.value.code == "too_long"
    assert caught.value.failure is Failure.PERMANENT


def test_delete_removes_the_post_and_a_missing_one_is_fine(
    connector: FastX, x: XServer, make_post: Make
) -> None:
    (part,) = publish_all(connector, make_post("Poistettava"))

    connector.delete(part.remote_id)
    connector.delete(part.remote_id)

    assert x.own_tweets() == []
