"""Ranking (relevance × recency × engagement × weight, with reasons) and the e-mail digest."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kaiku.watch.features import digest
from kaiku.watch.ingest import rank
from kaiku.watch.models import Item, Topic
from tests.watch.test_views import link_topic, make_item, make_source

pytestmark = pytest.mark.django_db


def titles(org: Any, **filters: Any) -> list[str]:
    page = digest.digest_page(org, digest.Filters(**filters))
    return [row.item.title for row in page.items]


def test_the_score_multiplies_relevance_recency_engagement_and_weight() -> None:
    base = rank.score(points=2, age_hours=0, total=9, weight=1.0)
    assert base == pytest.approx(rank.relevance(2) * 2.0)
    assert rank.score(2, 36, 9, 1.0) == pytest.approx(base / 2)
    assert rank.score(2, 0, 9, 3.0) == pytest.approx(base * 3)
    assert rank.score(0, 0, 9, 1.0) < rank.score(1, 0, 9, 1.0)
    assert rank.engagement_factor(99) == pytest.approx(3.0)


def test_a_topic_match_ranks_above_an_off_topic_item_of_the_same_age(org: Any) -> None:
    source = make_source(org)
    topic = Topic.objects.create(organisation=org, name="Päihteet", slug="p")
    make_item(org, source, 1, title="Muuta")
    on = make_item(org, source, 2, title="Aiheesta")
    link_topic(on, topic, 1.0)
    assert titles(org) == ["Aiheesta", "Muuta"]


def test_a_newer_item_ranks_above_an_older_one_with_the_same_reactions(org: Any) -> None:
    source = make_source(org)
    now = timezone.now()
    make_item(org, source, 1, title="Vanha", published_at=now - timedelta(hours=50))
    make_item(org, source, 2, title="Uusi", published_at=now - timedelta(hours=2))
    assert titles(org) == ["Uusi", "Vanha"]


def test_engagement_lifts_an_item_but_only_logarithmically(org: Any) -> None:
    source = make_source(org)
    now = timezone.now()
    make_item(
        org,
        source,
        1,
        title="Suosittu",
        engagement_total=999,
        published_at=now - timedelta(hours=30),
    )
    make_item(org, source, 2, title="Tuore", published_at=now - timedelta(hours=1))
    # 1 + log10(1000) = 4 against a 30-hour decay of ~0.56: the popular one wins...
    assert titles(org)[0] == "Suosittu"
    make_item(
        org,
        source,
        3,
        title="Ikivanha",
        engagement_total=10**6,
        published_at=now - timedelta(days=8),
    )
    # ...but a week-old post needs far more than a million reactions.
    assert titles(org)[-1] == "Ikivanha"


def test_a_heavier_source_lifts_its_items(org: Any) -> None:
    light, heavy = make_source(org, "kevyt"), make_source(org, "painava", weight=3.0)
    now = timezone.now()
    make_item(org, light, 1, title="Kevyt", published_at=now)
    make_item(org, heavy, 2, title="Painava", published_at=now - timedelta(hours=24))
    assert titles(org) == ["Painava", "Kevyt"]


def test_the_sql_order_agrees_with_the_python_scores(org: Any) -> None:
    sources = [make_source(org, f"s{w}", weight=w) for w in (0.5, 1.0, 2.0)]
    topic = Topic.objects.create(organisation=org, name="T", slug="t")
    now = timezone.now()
    for n in range(24):
        item = make_item(
            org,
            sources[n % 3],
            n,
            engagement_total=(n * 37) % 200,
            published_at=now - timedelta(hours=(n * 7) % 90),
        )
        if n % 4:
            link_topic(item, topic, float(n % 4))
    page = digest.digest_page(org, digest.Filters(), page_size=24)
    scores = [row.reasons.score for row in page.items]
    assert scores == sorted(scores, reverse=True)


def test_the_reasons_name_topics_age_engagement_and_weight(org: Any) -> None:
    source = make_source(org, weight=2.0)
    topic = Topic.objects.create(organisation=org, name="Asunnottomuus", slug="a")
    item = make_item(
        org,
        source,
        1,
        engagement_total=5,
        published_at=timezone.now() - timedelta(hours=5, minutes=10),
    )
    link_topic(item, topic, 2.0)
    from django.utils import translation

    with translation.override("fi"):
        reasons = digest.digest_page(org, digest.Filters()).items[0].reasons
        text = reasons.title
    assert reasons.topics == [("Asunnottomuus", 2.0)]
    assert reasons.weight == 2.0 and reasons.engagement == 5
    assert "Asunnottomuus" in text and "5" in text


def test_every_item_takes_part_not_only_the_newest_fetched(org: Any) -> None:
    """The stored key ranks all items: one fetched long ago but published recently, with many
    reactions, still tops a page of items fetched after it."""
    source = make_source(org)
    now = timezone.now()
    for n in range(30):
        make_item(org, source, n, title=f"Tuore {n}", published_at=now - timedelta(hours=20))
    make_item(
        org,
        source,
        99,
        title="Vanhempi haku",
        engagement_total=5000,
        published_at=now - timedelta(hours=3),
        fetched_at=now - timedelta(days=2),
    )
    assert titles(org)[0] == "Vanhempi haku"


def test_a_search_ranks_its_newest_stored_matches(
    org: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = make_source(org)
    now = timezone.now()
    for n in range(5):  # stored in this order; the later ones are fresher too
        make_item(
            org,
            source,
            n,
            title=f"Päihdetyö {n}",
            lemmas=" päihdetyö päihde työ ",
            published_at=now - timedelta(hours=10 - n),
            engagement_total=1000 if n == 2 else 0,
        )
    make_item(org, source, 9, title="Muuta", lemmas=" kevät ")
    assert titles(org, query="päihdetyötä") == [f"Päihdetyö {n}" for n in (2, 4, 3, 1, 0)]
    monkeypatch.setattr(digest, "SEARCH_POOL", 3)
    assert titles(org, query="päihdetyötä") == ["Päihdetyö 2", "Päihdetyö 4", "Päihdetyö 3"]


# --- the e-mail digest ---------------------------------------------------------------------------


@pytest.fixture
def daily(members: Any, monkeypatch: Any) -> Any:
    """The viewer chose a daily digest (the Membership field is the lead's to add)."""
    monkeypatch.setattr(
        digest, "preference", lambda m: "daily" if m.user.username == "viewer" else "none"
    )
    monkeypatch.setattr(digest, "can_store_preference", lambda: False)
    return members["viewer"]


def test_the_daily_digest_is_sent_in_finnish_with_the_top_new_items(org: Any, daily: Any) -> None:
    source = make_source(org)
    topic = Topic.objects.create(organisation=org, name="Sote", slug="sote")
    item = make_item(org, source, 1, title="Hyvinvointialueet leikkaavat")
    link_topic(item, topic, 2.0)
    make_item(org, source, 2, title="Vanha juttu", fetched_at=timezone.now() - timedelta(days=3))
    sent = digest.send_due_digests(
        timezone.now().astimezone(ZoneInfo("Europe/Helsinki")).replace(hour=7, minute=5)
    )
    assert sent == 1
    message = mail.outbox[0]
    assert message.to == [daily.email]
    assert "Hyvinvointialueet leikkaavat" in message.body
    assert "Vanha juttu" not in message.body
    assert "kooste" in message.subject.lower() or "digest" in message.subject.lower()
    assert "/o/toivon-polku/watch/" in message.body


def test_a_digest_goes_out_once_a_day_after_the_send_hour_and_only_with_news(
    org: Any, daily: Any
) -> None:
    local = timezone.now().astimezone(ZoneInfo("Europe/Helsinki"))
    assert digest.send_due_digests(local.replace(hour=7, minute=1)) == 0  # nothing new
    make_item(org, make_source(org), 1)
    assert digest.send_due_digests(local.replace(hour=6, minute=30)) == 0  # too early
    assert digest.send_due_digests(local.replace(hour=9, minute=0)) == 1  # catches up
    assert digest.send_due_digests(local.replace(hour=10, minute=0)) == 0  # once a day
    assert len(mail.outbox) == 1


def test_a_weekly_digest_goes_out_on_mondays_only(org: Any, members: Any) -> None:
    from kaiku.organisations.models import Membership

    membership = Membership.objects.select_related("user").get(user=members["viewer"])
    monday = datetime(2026, 3, 2, 7, 30, tzinfo=ZoneInfo("Europe/Helsinki"))
    assert digest.is_due(membership, "weekly", monday)
    assert not digest.is_due(membership, "weekly", monday + timedelta(days=1))
    assert not digest.is_due(membership, "none", monday)


def test_the_email_digest_job_is_registered_as_periodic() -> None:
    import kaiku.watch.jobs  # noqa: F401
    from kaiku.jobs.services import PERIODIC

    assert PERIODIC["watch.email_digest"] == timedelta(hours=1)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    ages=st.lists(
        st.tuples(st.integers(0, 300), st.integers(0, 300), st.integers(0, 500)), max_size=10
    ),
    since_hours=st.integers(0, 300),
    pool=st.integers(1, 6),
    limit=st.integers(1, 4),
)
def test_the_top_new_items_are_the_best_ranked_of_those_fetched_since(
    org: Any,
    monkeypatch: pytest.MonkeyPatch,
    ages: list[tuple[int, int, int]],
    since_hours: int,
    pool: int,
    limit: int,
) -> None:
    """top_new_items looks for the best new items among the NEW_POOL best-ranked ones and
    ranks every new item only when too few are there (reqcpu2): whatever the pool's size,
    the answer is the plain query's, the best ``limit`` items fetched since, best first."""
    monkeypatch.setattr(digest, "NEW_POOL", pool)
    now = timezone.now()
    with transaction.atomic():
        source = make_source(org)
        for n, (fetched, published, reactions) in enumerate(ages):
            make_item(
                org,
                source,
                n,
                fetched_at=now - timedelta(hours=fetched),
                published_at=now - timedelta(hours=published),
                engagement_total=reactions,
            )
        since = now - timedelta(hours=since_hours)
        new = Item.objects.filter(organisation=org, fetched_at__gte=since)
        expected = [i.pk for i in digest.ranked(new)[:limit]]
        assert [r.item.pk for r in digest.top_new_items(org, since, limit=limit)] == expected
        transaction.set_rollback(True)
