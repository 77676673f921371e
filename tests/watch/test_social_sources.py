# ruff: noqa: E501  (recorded payloads and feed snippets read best on one line)
"""Mastodon (the local Mastodon-shaped server), X (refusal and a local API), and the parsers of
platform JSON shaped as the official docs show."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from django.utils import timezone

from kaiku.channels.bluesky.reading import entry_from_feed_item
from kaiku.channels.mastodon.reading import entry_from_status
from kaiku.watch import services
from kaiku.watch.ingest.pipeline import run_once
from kaiku.watch.models import Item, Source, WatchSettings, XPlan
from tests.channels.mastodon.server import MastodonServer, start_server

pytestmark = pytest.mark.django_db


@pytest.fixture
def mastodon() -> Iterator[tuple[MastodonServer, str]]:
    server, base = start_server()
    yield server, base
    server.stop()


def post(base: str, token: str, text: str) -> None:
    response = httpx.post(
        f"{base}/api/v1/statuses",
        data={"status": text, "visibility": "public"},
        headers={"Authorization": f"Bearer {token}"},
    )
    response.raise_for_status()


def test_a_mastodon_account_is_polled_through_the_public_api(
    org: Any, mastodon: tuple[MastodonServer, str]
) -> None:
    server, base = mastodon
    token = server.issue_token()
    server.issue_token("mieli")
    post(base, token, "Hyvinvointialueiden päihdepalvelut puhuttavat. Terveisiä @mieli #sote")
    post(base, token, "Toinen päivitys mielenterveyspalveluista https://toivonpolku.example/a")
    services.seed_topics(org)
    source = services.add_source(org, f"{base}/@toivonpolku").source
    assert source.kind == "mastodon_account"
    summary = run_once()
    assert summary.new == 2 and not summary.errors
    item = Item.objects.get(text__contains="päihdepalvelut")
    assert item.platform == "mastodon"
    assert item.author_handle.startswith("@toivonpolku@")
    assert item.engagement == {"likes": 0, "reposts": 0, "replies": 0}
    assert any(m.startswith("mastodon:mieli@") for m in item.mentioned_accounts)
    assert {t.name for t, _ in services.topic_matches(item)} >= {"Päihdepalvelut"}
    source.refresh_from_db()
    assert source.state["account_id"] and source.state["since_id"]
    # The next poll asks only for newer statuses.
    post(base, token, "Kolmas: asunnottomuus väheni")
    Source.objects.update(next_poll_at=timezone.now() - timedelta(seconds=1))
    summary = run_once()
    assert (summary.new, summary.merged) == (1, 0)
    lookups = server.requests_to("GET", "/api/v1/accounts/lookup")
    assert len(lookups) == 1  # the account id is remembered


def test_a_mastodon_hashtag_is_polled(org: Any, mastodon: tuple[MastodonServer, str]) -> None:
    server, base = mastodon
    token = server.issue_token()
    post(base, token, "Päihdetyön päivät alkavat #paihdetyo")
    post(base, token, "Ei tägiä tässä")
    services.add_source(org, f"{base}/tags/paihdetyo", kind="mastodon_hashtag")
    assert run_once().new == 1


def test_an_unknown_mastodon_account_is_an_error_on_the_source(
    org: Any, mastodon: tuple[MastodonServer, str]
) -> None:
    _server, base = mastodon
    source = services.add_source(org, f"{base}/@eiole").source
    run_once()
    source.refresh_from_db()
    assert source.last_error_code == "unknown_account" and "@eiole" in source.last_error


def test_a_boost_is_stored_as_the_original_status_and_names_its_author() -> None:
    status = {
        "id": "2", "uri": "https://a.example/users/x/statuses/2", "url": None,
        "account": {"acct": "booster", "display_name": "B", "url": "https://a.example/@booster"},
        "content": "", "created_at": "2024-03-05T10:00:00.000Z", "mentions": [],
        "reblog": {
            "id": "1", "uri": "https://b.example/users/orig/statuses/1",
            "url": "https://b.example/@orig/1", "content": "<p>Alkuperäinen</p>",
            "spoiler_text": "Sisältövaroitus", "created_at": "2024-03-05T09:00:00.000Z",
            "account": {"acct": "orig@b.example", "display_name": "O", "url": ""},
            "mentions": [{"acct": "third"}], "favourites_count": 3, "reblogs_count": 2,
            "replies_count": 1, "language": "fi",
        },
    }  # fmt: skip
    entry = entry_from_status(status, "a.example")
    assert entry is not None
    assert entry.guid == "https://b.example/users/orig/statuses/1"
    assert entry.author_handle == "@orig@b.example"
    assert entry.mentions == ["mastodon:third@a.example", "mastodon:orig@b.example"]
    assert entry.engagement == {"likes": 3, "reposts": 2, "replies": 1}
    assert entry.html.startswith("<p>Sisältövaroitus</p>")
    assert entry_from_status({"id": "3"}, "a.example") is None


def test_a_bluesky_feed_item_with_facets_repost_and_link_card_is_read() -> None:
    item = {
        "post": {
            "uri": "at://did:plc:abc/app.bsky.feed.post/3kxyz", "cid": "bafy",
            "author": {"did": "did:plc:abc", "handle": "mieli.bsky.social", "displayName": "Mieli"},
            "record": {"text": "Mielenterveys <b>on</b> kaikkien asia @toinen.bsky.social",
                       "createdAt": "2024-03-05T10:00:00.000Z", "langs": ["fi"],
                       "facets": [{"features": [{"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:toinen"}]}]},
            "embed": {"$type": "app.bsky.embed.external#view",
                      "external": {"uri": "https://mieli.example/a", "title": "Artikkeli"}},
            "likeCount": 5, "repostCount": 2, "quoteCount": 1, "replyCount": 3,
        },
        "reason": {"$type": "app.bsky.feed.defs#reasonRepost", "by": {"handle": "x.bsky.social"}},
    }  # fmt: skip
    entry = entry_from_feed_item(item)
    assert entry is not None
    assert entry.url == "https://bsky.app/profile/mieli.bsky.social/post/3kxyz"
    assert "&lt;b&gt;on&lt;/b&gt;" in entry.html  # post text is text, never markup
    assert entry.engagement == {"likes": 5, "reposts": 3, "replies": 3}
    assert entry.mentions == ["bluesky:did:plc:toinen", "bluesky:mieli.bsky.social"]
    assert entry.links == ["https://mieli.example/a"]
    assert entry.language == "fi"


# X reading with the organisation's X account: tests/channels/x/test_x_reading.py.


def test_an_x_source_stops_with_the_cost_when_the_plan_is_dropped(org: Any) -> None:
    WatchSettings.objects.create(organisation=org, x_plan=XPlan.BASIC)
    source = services.add_source(org, "x-search:päihdetyö").source
    WatchSettings.objects.filter(organisation=org).update(x_plan=XPlan.NONE)
    run_once()
    source.refresh_from_db()
    assert source.last_error_code == "x_plan" and "0.005" in source.last_error
