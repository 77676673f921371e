"""Reconciling after a lost answer: a pure lookup in the account's own posts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from kaiku.channels.base import ChannelError, OutgoingImage, OutgoingPost
from tests.channels.x.conftest import FastX
from tests.channels.x.server import XServer

Make = Callable[..., OutgoingPost]


def lose(connector: FastX, x: XServer, post: OutgoingPost, index: int = 0, earlier=()) -> None:  # type: ignore[no-untyped-def]
    x.script("POST /2/tweets", ["drop_after_apply"])
    with pytest.raises(ChannelError):
        connector.publish_part(post, index, list(earlier))


def test_a_post_with_a_link_is_found_though_x_shows_it_as_t_co(
    connector: FastX, x: XServer, make_post: Make
) -> None:
    post = make_post("Ryhmä & kahvit <3 alkavat.", link="https://example.org/ryhmat/")
    lose(connector, x, post)
    (tweet,) = x.own_tweets()
    assert "https://t.co/" in tweet["text"] and "&amp;" in tweet["text"]

    part = connector.reconcile(post, 0)

    assert part is not None and part.remote_id == tweet["id"]
    assert all(r.method == "GET" for r in x.requests[-1:])
    assert len(x.requests_to("POST", "/2/tweets")) == 1  # reconciling never posts


def test_nothing_found_when_the_post_never_arrived(
    connector: FastX, x: XServer, make_post: Make
) -> None:
    x.script("POST /2/tweets", ["drop"])
    post = make_post("Ei perillä")
    with pytest.raises(ChannelError):
        connector.publish_part(post, 0, [])

    assert connector.reconcile(post, 0) is None
    assert x.own_tweets() == []


def test_a_post_with_other_text_or_another_link_is_not_a_match(
    connector: FastX, x: XServer, make_post: Make
) -> None:
    lose(connector, x, make_post("Lue lisää https://toivonpolku.example/a"))

    assert connector.reconcile(make_post("Lue lisää https://toivonpolku.example/b"), 0) is None
    assert connector.reconcile(make_post("Lue enemmän https://toivonpolku.example/a"), 0) is None


def test_a_post_older_than_the_first_attempt_is_not_a_match(
    connector: FastX, x: XServer, make_post: Make
) -> None:
    lose(connector, x, make_post("Joka viikko sama"))
    later = make_post("Joka viikko sama", created_at=datetime.now(UTC) + timedelta(minutes=30))

    assert connector.reconcile(later, 0) is None


def test_a_thread_part_is_found_under_the_right_parent(
    connector: FastX, x: XServer, make_post: Make
) -> None:
    post = make_post("1/2 Alku", "2/2 Loppu")
    first = connector.publish_part(post, 0, [])
    lose(connector, x, post, 1, [first])

    with_ledger = connector.reconcile(post, 1, [first])
    without_ledger = connector.reconcile(post, 1)

    assert with_ledger is not None and without_ledger == with_ledger
    assert with_ledger.remote_id == x.own_tweets()[1]["id"]


def test_the_same_text_under_another_parent_is_not_the_part(
    connector: FastX, x: XServer, make_post: Make
) -> None:
    x.duplicate_window = 0
    other = make_post("1/2 Eri alku", "2/2 Loppu")
    first = connector.publish_part(other, 0, [])
    connector.publish_part(other, 1, [first])
    post = make_post("1/2 Alku", "2/2 Loppu")
    mine = connector.publish_part(post, 0, [])

    assert connector.reconcile(post, 1, [mine]) is None


def test_the_first_part_must_carry_the_images(
    connector: FastX, x: XServer, make_post: Make, image: Callable[..., OutgoingImage]
) -> None:
    post = make_post("Kuvan kanssa", images=(image("Kuvaus"),))
    lose(connector, x, post)
    assert "pic.x.com" in str(x.own_tweets()[0]["_urls"])

    assert connector.reconcile(post, 0) is not None
    assert connector.reconcile(make_post("Kuvan kanssa"), 0) is None


def test_reconcile_reads_only_since_the_first_attempt(
    connector: FastX, x: XServer, make_post: Make
) -> None:
    post = make_post("Hei")
    lose(connector, x, post)

    connector.reconcile(post, 0)

    (read,) = x.requests_to("GET", "/2/users/:id/tweets")
    start = datetime.fromisoformat(read.query["start_time"][0].replace("Z", "+00:00"))
    assert post.created_at is not None
    assert post.created_at - timedelta(minutes=6) < start <= post.created_at
    assert read.query["max_results"] == ["20"]


def test_an_address_that_x_does_not_make_a_link_is_matched_as_plain_text(
    connector: FastX, x: XServer, make_post: Make
) -> None:
    # ".example" is no top-level domain X knows (twitter-text): X leaves it as text, no t.co.
    post = make_post("Ryhmät: https://toivonpolku.example/ryhmat ja www.example.org/kahvit")
    lose(connector, x, post)
    (tweet,) = x.own_tweets()
    assert "toivonpolku.example/ryhmat" in tweet["text"]
    assert tweet["text"].count("https://t.co/") == 1

    part = connector.reconcile(post, 0)

    assert part is not None and part.remote_id == tweet["id"]
