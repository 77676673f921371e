"""Polling with worker processes: the fetch threads hand the fetched feed body to a process,
which parses, sanitises and analyses it. The outcome must be the same as in the threads."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from kaiku.watch import services
from kaiku.watch.ingest.pipeline import run_once
from kaiku.watch.models import Item, ItemTopic, Source
from tests.watch.server import CORPUS, FeedServer

pytestmark = pytest.mark.django_db

FIELDS = (
    "guid", "url", "canonical_url", "url_hash", "content_hash", "title", "summary_html", "text",
    "author_name", "author_handle", "platform", "language", "published_at", "engagement",
    "lemmas", "stigma_findings_count", "mentioned_accounts", "links",
)  # fmt: skip


def _items(organisation: Any) -> list[tuple[Any, ...]]:
    rows = Item.objects.filter(organisation=organisation).order_by("guid")
    return [
        (
            *(getattr(item, name) for name in FIELDS),
            sorted(ItemTopic.objects.filter(item=item).values_list("topic__slug", "score")),
        )
        for item in rows
    ]


def test_worker_processes_store_the_same_items_as_the_fetch_threads(
    org: Any, other_org: Any, feeds: FeedServer
) -> None:
    for organisation in (org, other_org):
        services.seed_topics(organisation)
        for name in ("rss_fi.xml", "atom_en.atom", "feed.json"):
            services.add_source(organisation, feeds.url(f"/corpus/{name}"))
    in_threads = run_once(organisation_id=org.pk, processes=0)
    in_processes = run_once(organisation_id=other_org.pk, processes=1)
    assert (in_processes.new, in_processes.errors) == (in_threads.new, []) and in_threads.new > 5
    # Local guids carry the source's id, which differs between the organisations.
    ours = [row[1:] for row in _items(org)]
    theirs = [row[1:] for row in _items(other_org)]
    assert ours == theirs
    assert Source.objects.filter(organisation=other_org, title="").count() == 0


def test_a_web_page_is_refused_for_good_when_a_worker_process_reads_it(
    org: Any, feeds: FeedServer
) -> None:
    services.add_source(org, feeds.url("/corpus/site.html"), kind="feed", discover_feeds=False)
    summary = run_once(processes=1)
    assert len(summary.errors) == 1
    source = Source.objects.get()
    assert source.last_error_code == "not_a_feed"
    assert source.backoff_until is not None
    assert source.backoff_until - timezone.now() > timedelta(hours=10)


def test_a_feed_broken_half_way_keeps_its_items_when_read_in_a_worker_process(
    org: Any, feeds: FeedServer
) -> None:
    raw = (CORPUS / "rss_fi.xml").read_bytes()
    cut = raw.index(b"<item>", raw.index(b"<item>") + 1) + 20
    services.add_source(org, feeds.add("/broken.xml", raw[:cut]), discover_feeds=False)
    summary = run_once(processes=1)
    assert summary.new == 1 and summary.errors == []
    assert Source.objects.get().last_error_code == "partial"


@pytest.mark.parametrize("processes", [0, 1])
def test_a_youtube_channel_is_the_author_handle_of_its_videos(
    org: Any, feeds: FeedServer, processes: int
) -> None:
    Source.objects.create(
        organisation=org,
        kind="youtube",
        url=feeds.url("/corpus/youtube.xml"),
        identifier="UCabcdefghijklmnopqrstuv",
    )
    summary = run_once(processes=processes)
    assert summary.new == 1
    item = Item.objects.get()
    assert (item.author_name, item.author_handle) == ("Toivon Polku", "UCabcdefghijklmnopqrstuv")
    assert item.engagement == {"views": 1234, "likes": 42}


def test_the_parse_processes_run_below_the_writers_priority() -> None:
    import os

    from kaiku.watch.ingest.pipeline import PARSE_NICENESS, parse_processes

    mine = os.nice(0)
    with parse_processes(1) as pool:
        theirs = pool.submit(os.nice, 0).result(timeout=60)
    assert theirs == min(mine + PARSE_NICENESS, 19)
    assert os.nice(0) == mine  # the writer's own priority is untouched


def test_a_parse_process_loads_neither_django_nor_the_http_client() -> None:
    """Each parse process costs its imports in memory: Django's translation machinery, httpx
    and every platform's package added about 14 MB a process (bench/watch_ingest.py: the
    ingest's peak over 200 MB on two cores). What a worker runs is parsing, sanitising and
    analysis: what it imports to run them, and to read the poll result it is sent."""
    import os
    import pickle
    import subprocess
    import sys

    from kaiku.watch.sources import FeedBody, PollResult  # as the pipeline sends it

    sent = pickle.dumps(PollResult(body=FeedBody(b"<rss><channel></channel></rss>")))
    probe = (
        "import pickle, sys\n"
        "from kaiku.watch.ingest.prepare import read_and_prepare_packed\n"
        f"result, _ = read_and_prepare_packed(pickle.loads({sent!r}), source_id=1,"
        " platform='feed', matcher=None)\n"
        "heavy = [m for m in ('django', 'httpx', 'kaiku.watch.sources', 'kaiku.channels.registry')"
        " if m in sys.modules]\n"
        "print(repr(heavy))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
