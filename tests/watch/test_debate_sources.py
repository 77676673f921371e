"""The debate view covers every source: news and opinion items from feeds appear when they are
rising (carried by several of the organisation's sources) or use labels worth answering, and
the page says which sources it covers, in the reader's language."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from kaiku.watch.features import debate
from kaiku.watch.models import Item, Topic
from tests.watch.test_views import link_topic, make_item, make_source, url

pytestmark = pytest.mark.django_db


def test_a_feed_opinion_piece_with_stigmatising_labels_is_worth_answering(org: Any) -> None:
    source = make_source(org, "Mielipiteet")
    piece = make_item(
        org,
        source,
        1,
        title="Mielipide: narkkarit pois puistoista",
        text="Narkkarit ja hullut pilaavat kaupungin.",
        stigma_findings_count=2,
    )
    assert list(debate.stigma(org)) == [piece]


def test_a_news_item_carried_by_several_sources_is_rising(org: Any) -> None:
    topic = Topic.objects.create(organisation=org, name="Päihteet", slug="paihteet")
    first, second, third = (make_source(org, name) for name in ("Yle", "HS", "Järjestö"))
    story = make_item(org, first, 1, title="Päihdepalvelujen rahoitus leikkautuu")
    for other in (second, third):
        story.seen_in.create(source=other)
    alone = make_item(org, first, 2, title="Yksittäinen uutinen")
    for item in (story, alone):
        link_topic(item, topic, 1.0)
    rows = debate.debate_items(org, debate.rising(org))
    assert [row.item for row in rows] == [story]
    assert rows[0].sources == 3
    assert rows[0].per_hour == pytest.approx(2 * debate.SOURCE_POINTS / 3.0, rel=0.05)


def test_rising_still_ranks_social_posts_by_their_reactions(org: Any) -> None:
    topic = Topic.objects.create(organisation=org, name="Päihteet", slug="paihteet")
    social = make_source(
        org, kind="mastodon_account", url="https://m.example/@a", identifier="a@m.example"
    )
    busy = make_item(org, social, 1, platform="mastodon", engagement_total=90)
    old = make_item(
        org,
        social,
        2,
        platform="mastodon",
        engagement_total=500,
        published_at=timezone.now() - timedelta(days=5),
    )
    for item in (busy, old):
        link_topic(item, topic, 1.0)
    assert list(debate.rising(org)) == [busy]


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("fi", ["Tämä näkymä kattaa kaikki lähteesi", "uutis- ja blogisyötteet", "Mastodon"]),
        ("sv", ["Den här vyn omfattar alla dina källor", "nyhets- och bloggflöden", "Mastodon"]),
        ("en", ["This view covers every one of your sources", "news and blog feeds", "Mastodon"]),
    ],
)
def test_the_page_says_which_sources_it_covers(
    client_for: Any, members: Any, org: Any, language: str, words: list[str]
) -> None:
    members["viewer"].language = language
    members["viewer"].save(update_fields=["language"])
    make_source(org, "Uutiset")
    make_source(org, kind="mastodon_account", url="https://m.example/@a", identifier="a@m.example")
    body = client_for("viewer").get(url(org, "debate/")).content.decode()
    for word in words:
        assert word in body, word
    assert "Bluesky" not in body  # no Bluesky source: not claimed


def test_the_page_shows_a_feed_item_with_a_reply_draft(client_for: Any, org: Any) -> None:
    source = make_source(org, "Mielipiteet")
    make_item(
        org, source, 7, title="Mielipide", text="Hullut ja narkkarit", stigma_findings_count=1
    )
    body = client_for("editor").get(url(org, "debate/")).content.decode()
    assert "Hullut ja narkkarit" in body
    assert "reply_to=https%3A%2F%2Fexample.test" in body
    assert Item.objects.count() == 1
