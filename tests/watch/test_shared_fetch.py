"""One fetch per feed address for every organisation that follows it (issue 16, item 6).

An instance hosting many organisations reads each feed address once per poll; each
organisation still gets the items as its own: its topic matches, its weights, its read
state, its validators, errors and redirects. Against the real feed server on 127.0.0.1,
which counts the requests it gets.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kaiku.jobs.models import Job
from kaiku.jobs.worker import run_due_jobs
from kaiku.organisations.models import Organisation
from kaiku.watch import services
from kaiku.watch.ingest.pipeline import poll_sources, run_once
from kaiku.watch.models import Item, ItemSource, ItemState, ItemTopic, Source, Topic
from kaiku.watch.sources import SourceSnapshot
from tests.conftest import make_user
from tests.watch.server import FeedServer
from tests.watch.test_worker_processes import FIELDS

pytestmark = pytest.mark.django_db

TITLES = (
    "Vertaistuki auttaa toipumisessa",
    "Asunto ensin -malli laajenee uusiin kuntiin",
    "Päihdetyön rahoitus puhuttaa järjestöjä",
)


def rss(name: str, titles: tuple[str, ...] = TITLES) -> str:
    """A feed whose items have local ids (keyed per source) and links of their own."""
    items = "".join(
        f"<item><title>{title}</title><link>https://{name}.example/{n}</link>"
        f'<guid isPermaLink="false">{name}-{n}</guid>'
        f"<description>{title}. Lisää tietoa järjestön sivuilla.</description></item>"
        for n, title in enumerate(titles)
    )
    channel = f"<channel><title>{name}</title>{items}</channel>"
    return f'<?xml version="1.0"?><rss version="2.0">{channel}</rss>'


def organisations(count: int) -> list[Organisation]:
    return [
        Organisation.objects.create(name=f"Jäsenjärjestö {n} ry", slug=f"jasen-{n}")
        for n in range(count)
    ]


def follow(organisation: Organisation, url: str, weight: float = 1.0) -> Source:
    return Source.objects.create(organisation=organisation, kind="feed", url=url, weight=weight)


def due_again() -> None:
    Source.objects.update(next_poll_at=timezone.now() - timedelta(seconds=1))


def test_three_organisations_following_one_feed_cost_one_request_per_poll(
    feeds: FeedServer,
) -> None:
    url = feeds.add("/shared.xml", rss("jaettu"))
    orgs = organisations(3)
    Topic.objects.create(
        organisation=orgs[0], name="Vertaistuki", slug="v", keywords=["vertaistuki"]
    )
    Topic.objects.create(organisation=orgs[1], name="Asuminen", slug="a", keywords=["asunto"])
    sources = [follow(org, url, weight=n + 1.0) for n, org in enumerate(orgs)]

    summary = run_once(processes=0)
    assert feeds.hits["/shared.xml"] == 1
    assert (summary.sources, summary.reads, summary.new, summary.errors) == (3, 1, 9, [])
    for source in sources:
        items = Item.objects.filter(organisation=source.organisation)
        assert sorted(items.values_list("url", flat=True)) == [
            f"https://jaettu.example/{n}" for n in range(3)
        ]
        # Local ids are keyed by each organisation's own source, the weight is its own.
        assert {item.guid.split(":")[0] for item in items} == {str(source.pk)}
        assert {item.source_weight for item in items} == {source.weight}
        assert ItemSource.objects.filter(source=source).count() == 3
    # Each organisation's own topics, and no other's.
    matched = {
        (link.topic.organisation_id, link.item.title)
        for link in ItemTopic.objects.select_related("topic", "item")
    }
    assert matched == {(orgs[0].pk, TITLES[0]), (orgs[1].pk, TITLES[1])}

    # Read state is per organisation's item: marking one does not mark another's.
    reader = make_user("lukija")
    ItemState.objects.create(
        user=reader, item=Item.objects.filter(organisation=orgs[0]).first(), read=True
    )
    due_again()
    again = run_once(processes=0)
    assert feeds.hits["/shared.xml"] == 2
    assert (again.new, again.errors, Item.objects.count()) == (0, [], 9)
    assert ItemState.objects.filter(item__organisation=orgs[1]).count() == 0


@pytest.mark.parametrize("processes", [0, 1])
def test_a_shared_fetch_stores_what_a_fetch_of_its_own_stores(
    feeds: FeedServer, processes: int
) -> None:
    """Every field of every item, and the seeded topics' matches and scores, are the same
    whether an organisation's feed was read for it alone or with two other organisations
    (in the fetch threads or in a worker process)."""
    alone, *together = organisations(3)
    for organisation in (alone, *together):
        services.seed_topics(organisation)
    names = ("rss_fi.xml", "atom_en.atom", "feed.json")
    for organisation in (alone, *together):
        for name in names:
            follow(organisation, feeds.url(f"/corpus/{name}"))
    run_once(organisation_id=alone.pk, processes=0)
    assert sum(feeds.hits.values()) == 3
    shared = poll_sources(
        Source.objects.exclude(organisation=alone), processes=processes, workers=4
    )
    assert sum(feeds.hits.values()) == 6 and shared.errors == []

    def rows(organisation: Organisation) -> list[tuple[Any, ...]]:
        out = []
        for item in Item.objects.filter(organisation=organisation):
            guid = item.guid.split(":", 1)[1] if item.guid[:1].isdigit() else item.guid
            topics = sorted(ItemTopic.objects.filter(item=item).values_list("topic__slug", "score"))
            out.append((guid, *(getattr(item, f) for f in FIELDS[1:]), topics))
        return sorted(out, key=repr)

    expected = rows(alone)
    assert len(expected) > 5 and any(row[-1] for row in expected)
    for organisation in together:
        assert rows(organisation) == expected


def test_a_304_answers_for_the_whole_group(feeds: FeedServer) -> None:
    url = feeds.add("/etag.xml", rss("etag"), etag='"v1"')
    sources = [follow(org, url) for org in organisations(3)]
    run_once(processes=0)
    assert set(Source.objects.values_list("etag", flat=True)) == {'"v1"'}
    due_again()
    summary = run_once(processes=0)
    assert feeds.hits["/etag.xml"] == 2
    assert feeds.requests[-1][1].get("If-None-Match") == '"v1"'
    assert [report.not_modified for report in summary.reports] == [True] * 3
    assert summary.new == 0 and Item.objects.count() == 9
    for source in Source.objects.filter(pk__in=[s.pk for s in sources]):
        assert (source.etag, source.error_count, source.last_error) == ('"v1"', 0, "")


def test_a_new_follower_gets_the_items_the_others_have_already_seen(feeds: FeedServer) -> None:
    """Validators differ within the group: the one request is unconditional, so the new
    source is not answered with a 304 that would leave it empty."""
    url = feeds.add("/late.xml", rss("myohassa"), etag='"v1"')
    first, late = organisations(2)
    follow(first, url)
    run_once(processes=0)
    follow(late, url)
    due_again()
    summary = run_once(processes=0)
    assert feeds.hits["/late.xml"] == 2
    assert "If-None-Match" not in feeds.requests[-1][1]
    assert summary.new == 3 and summary.errors == []
    assert Item.objects.filter(organisation=late).count() == 3
    assert set(Source.objects.values_list("etag", flat=True)) == {'"v1"'}


def test_an_error_is_recorded_on_every_source_of_the_group(feeds: FeedServer) -> None:
    url = feeds.status("/down.xml", 500)
    sources = [follow(org, url) for org in organisations(3)]
    Source.objects.filter(pk=sources[0].pk).update(error_count=3)  # backs off longer
    started = timezone.now()
    summary = run_once(processes=0)
    assert feeds.hits["/down.xml"] == 1
    assert len(summary.errors) == 3
    rows = {s.pk: s for s in Source.objects.all()}
    for source in sources:
        row = rows[source.pk]
        assert row.last_error_code == "server_error" and row.backoff_until is not None
    assert rows[sources[0].pk].error_count == 4
    assert rows[sources[1].pk].error_count == rows[sources[2].pk].error_count == 1
    # Each source's backoff follows its own count of errors.
    first_wait = rows[sources[0].pk].backoff_until - started  # type: ignore[operator]
    other_wait = rows[sources[1].pk].backoff_until - started  # type: ignore[operator]
    assert first_wait > other_wait * 4


def test_a_permanent_redirect_moves_every_source_of_the_group(feeds: FeedServer) -> None:
    new = feeds.add("/new.xml", rss("uusi"))
    old = feeds.redirect("/old.xml", new, status=301)
    orgs = organisations(3)
    for org in orgs:
        follow(org, old)
    run_once(processes=0)
    assert (feeds.hits["/old.xml"], feeds.hits["/new.xml"]) == (1, 1)
    assert set(Source.objects.values_list("url", flat=True)) == {new}
    assert Item.objects.count() == 9


def test_different_addresses_are_not_merged(feeds: FeedServer) -> None:
    first, second = organisations(2)
    one = follow(first, feeds.add("/one.xml", rss("yksi")))
    two = follow(second, feeds.add("/two.xml", rss("kaksi")))
    summary = run_once(processes=0)
    assert (feeds.hits["/one.xml"], feeds.hits["/two.xml"], summary.reads) == (1, 1, 2)
    assert {i.url.split("/")[2] for i in Item.objects.filter(seen_in__source=one)} == {
        "yksi.example"
    }
    assert {i.url.split("/")[2] for i in Item.objects.filter(seen_in__source=two)} == {
        "kaksi.example"
    }


def test_the_fetch_key_joins_spellings_of_one_address_and_no_platform_source() -> None:
    def key(kind: str, url: str, identifier: str = "") -> object:
        return SourceSnapshot(1, 1, kind, url, identifier).fetch_key

    assert key("feed", "HTTP://Example.ORG:80/feed?x=1#top") == key(
        "feed", "http://example.org/feed?x=1"
    )
    assert key("feed", "http://example.org/feed?x=1") != key("feed", "http://example.org/feed?x=2")
    assert key("feed", "http://example.org/feed") != key("youtube", "http://example.org/feed")
    # A platform's reader reads with its organisation's settings: never shared.
    assert key("mastodon", "https://mastodon.example", "@kaiku") is None


POOL = 4


@given(follows=st.lists(st.sets(st.integers(0, POOL - 1), min_size=1), min_size=1, max_size=6))
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_requests_per_poll_are_the_distinct_addresses_due(
    feeds: FeedServer, follows: list[set[int]]
) -> None:
    """Whatever organisations follow whichever feeds: one request per distinct address due,
    and each source ends with exactly the items of its own feed."""
    Organisation.objects.filter(slug__startswith="jasen-").delete()
    feeds.hits.clear()
    urls = [feeds.add(f"/pool/{n}.xml", rss(f"syote{n}")) for n in range(POOL)]
    orgs = organisations(len(follows))
    sources = [
        (follow(org, urls[n]), n) for org, wanted in zip(orgs, follows, strict=True) for n in wanted
    ]
    summary = run_once(processes=0)
    distinct = set().union(*follows)
    assert sum(feeds.hits.values()) == len(distinct) == summary.reads
    assert summary.errors == [] and summary.new == 3 * len(sources)
    for source, n in sources:
        links = Item.objects.filter(seen_in__source=source).values_list("url", flat=True)
        assert sorted(links) == [f"https://syote{n}.example/{k}" for k in range(3)]


def test_the_worker_polls_a_feed_once_for_every_organisation_that_follows_it(
    feeds: FeedServer,
) -> None:
    """The worker's path: one ``watch.poll`` job per due source. The first job fetches for
    every follower; the others find their source polled and do nothing."""
    url = feeds.add("/jobs.xml", rss("tyot"))
    orgs = organisations(3)
    for org in orgs:
        follow(org, url)
    services.schedule_due()
    assert Job.objects.filter(kind="watch.poll").count() == 3
    run_due_jobs()
    assert feeds.hits["/jobs.xml"] == 1
    assert set(Job.objects.filter(kind="watch.poll").values_list("state", flat=True)) == {"done"}
    for org in orgs:
        assert Item.objects.filter(organisation=org).count() == 3


def test_a_follower_due_in_minutes_rides_along_and_one_in_backoff_waits(
    feeds: FeedServer,
) -> None:
    """Each source's next poll is jittered on its own, so followers of one address drift
    apart; one due within minutes shares the fetch instead of fetching again."""
    url = feeds.add("/ride.xml", rss("kyyti"))
    due, soon, later, backing_off = organisations(4)
    now = timezone.now()
    follow(due, url)
    rider = follow(soon, url)
    waiting = follow(later, url)
    held = follow(backing_off, url)
    Source.objects.filter(pk=rider.pk).update(next_poll_at=now + timedelta(minutes=4))
    Source.objects.filter(pk=waiting.pk).update(next_poll_at=now + timedelta(hours=1))
    Source.objects.filter(pk=held.pk).update(backoff_until=now + timedelta(minutes=5))
    summary = run_once(processes=0)
    assert feeds.hits["/ride.xml"] == 1 and summary.sources == 2
    polled = set(Source.objects.filter(last_polled_at__isnull=False).values_list("pk", flat=True))
    assert rider.pk in polled and waiting.pk not in polled and held.pk not in polled
    assert Item.objects.filter(organisation=soon).count() == 3
