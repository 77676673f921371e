"""The one builder of the large organisations the page-cost tests and the benches measure,
built fast with bulk_create. Every text is synthetic.

Two data sets come from it, each with its own posts and the same watch items loop:
- the page-cost set (``build``, ``build_big``, ``build_small``; the page-cost tests and
  bench/pages_cost.py): 10,000 posts over about seven months centred on the current month (so
  the month on screen holds about 1,500), 25,000 deliveries over four channels, 100,000 watch
  items on 60 sources; the small one a handful of each;
- the load bench's set (``load_org``, which bench/dataset.py calls for each of its
  organisations): the own feed and three channels, posts over the past 300 and the next 60
  days with their published parts, feed entries and jobs, and the watch items.

It imports Kaiku's models: import it after ``django.setup()``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from kaiku.connections.models import ChannelAccount
from kaiku.jobs.models import Job
from kaiku.organisations.models import Membership, Organisation
from kaiku.posts import gate
from kaiku.posts.models import Post
from kaiku.publishing import engine
from kaiku.publishing.models import Delivery
from kaiku.site.models import FeedEntry
from kaiku.watch.features.topics import seed_topics
from kaiku.watch.models import Item, ItemSource, ItemTopic, Source

PLATFORMS = ("mastodon", "bluesky", "facebook", "linkedin")
POST_STATES = (
    Post.State.DONE,
    Post.State.DONE,
    Post.State.SCHEDULED,
    Post.State.DRAFT,
    Post.State.IN_REVIEW,
)
WORDS = ("mielenterveys", "päihde", "vertaistuki", "kahvila", "kevät", "ryhmä", "toipuminen")
LOAD_WORDS = (
    "mielenterveys",
    "päihde",
    "sote",
    "asunnoton",
    "koulutus",
    "kahvila",
    "kevät",
    "vertais",
)
# The source kinds the items come from, each with its items' platform.
SOURCE_KINDS = (("feed", "feed"), ("mastodon_account", "mastodon"), ("bluesky_account", "bluesky"))


@dataclass(frozen=True)
class ItemStyle:
    """What the two data sets' watch items differ in; the loop that makes them is one.
    The texts are ``str.format`` patterns of ``slug`` (the organisation's), ``n`` (the
    item's or source's number) and ``word`` (one of ``words``, drawn per item)."""

    words: Sequence[str]
    source_url: str
    source_identifier: str
    item_url: str
    text: str
    lemmas: str
    # Each source's weight is drawn from these; none: the model's default.
    weights: Sequence[float] = ()
    # Sources just polled: a worker running beside the data does not fetch these synthetic
    # addresses (a fetch pass over them kept the load bench's publishing burst waiting 160 s).
    polled: bool = False
    # Every so many items has a stigma finding (the debate page's list); 0: none.
    stigma_every: int = 0
    # Random rank keys; without them the load bench ranks with rank.refresh_organisation.
    rank_keys: bool = False
    # The load bench's set links item n to source (n mod 5000) mod their number (the count
    # restarts with each batch of 5000), while the item's platform follows n: kept, so that
    # its figures stay comparable with the runs measured before.
    sources_per_batch: bool = False


PAGE_ITEMS = ItemStyle(
    words=WORDS,
    source_url="https://{slug}.example.test/feed/{n}",
    source_identifier="{slug}-{n}",
    item_url="https://{slug}.example.test/i/{n}",
    text="Teksti {n} aiheesta {word}",
    lemmas=" teksti aihe {word} ",
    stigma_every=50,
    rank_keys=True,
)
LOAD_ITEMS = ItemStyle(
    words=LOAD_WORDS,
    source_url="https://example.test/{slug}/{n}",
    source_identifier="{slug}-s{n}",
    item_url="https://example.test/{slug}/i/{n}",
    text="Teksti {n} aiheesta {word}palvelut ja arki",
    lemmas=" teksti aihe {word} palvelu arki ",
    weights=(0.5, 1.0, 1.0, 1.5, 2.0),
    polled=True,
    sources_per_batch=True,
)


@dataclass
class Built:
    org: Organisation
    user: Any
    posts: int
    deliveries: int
    items: int


def add_items(
    org: Organisation,
    count: int,
    sources_count: int,
    rng: random.Random,
    style: ItemStyle,
    now: datetime,
) -> int:
    """``count`` items of the past 60 days on ``sources_count`` new sources, a third of them in
    one of the organisation's topics."""
    topic_ids = list(org.watch_topics.values_list("pk", flat=True))
    sources = Source.objects.bulk_create(
        Source(
            organisation=org,
            kind=SOURCE_KINDS[n % 3][0],
            url=style.source_url.format(slug=org.slug, n=n),
            identifier=style.source_identifier.format(slug=org.slug, n=n),
            title=f"Lähde {n}",
            **({"weight": rng.choice(style.weights)} if style.weights else {}),
            **(
                {"last_polled_at": now, "next_poll_at": now + timedelta(days=30)}
                if style.polled
                else {}
            ),
        )
        for n in range(sources_count)
    )
    for start in range(0, count, 5000):
        rows = []
        for n in range(start, min(start + 5000, count)):
            age = timedelta(minutes=rng.randint(0, 60 * 24 * 60))
            word = rng.choice(style.words)
            item = Item(
                organisation=org,
                guid=f"{org.slug}:{n}",
                url=style.item_url.format(slug=org.slug, n=n),
                title=f"Otsikko {n} {word}",
                text=style.text.format(n=n, word=word),
                lemmas=style.lemmas.format(word=word),
                platform=SOURCE_KINDS[(n % sources_count) % 3][1],
                language=rng.choice(["fi", "fi", "fi", "sv", "en"]),
                published_at=now - age,
                fetched_at=now - age + timedelta(minutes=5),
                engagement_total=int(rng.paretovariate(1.2)) - 1,
                stigma_findings_count=int(bool(style.stigma_every) and n % style.stigma_every == 0),
            )
            if style.rank_keys:
                item.rank_key = rng.random()
            rows.append(item)
        first = 0 if style.sources_per_batch else start
        with transaction.atomic():
            made = Item.objects.bulk_create(rows)
            ItemSource.objects.bulk_create(
                ItemSource(item=item, source=sources[(first + i) % sources_count])
                for i, item in enumerate(made)
            )
            if topic_ids:
                ItemTopic.objects.bulk_create(
                    ItemTopic(item=item, topic_id=rng.choice(topic_ids), score=1.0)
                    for item in made
                    if rng.random() < 0.33
                )
    return count


# --- the page-cost data set --------------------------------------------------------------


def _accounts(org: Organisation) -> list[ChannelAccount]:
    return [
        ChannelAccount.objects.create(
            organisation=org,
            platform=platform,
            handle=f"{org.slug}-{platform}",
            display_name=f"{org.name} {platform}",
        )
        for platform in PLATFORMS
    ]


def _posts(
    org: Organisation,
    author: Any,
    accounts: list[ChannelAccount],
    count: int,
    deliveries: int,
    now: datetime,
) -> int:
    """``count`` posts spread evenly over ``count / 1500`` months around ``now``, with
    ``deliveries`` deliveries in all (the first posts get three, the rest two)."""
    rng = random.Random(org.pk)
    span = timedelta(days=30 * max(count / 1500, 1))
    first = now - span / 2
    step = span / max(count, 1)
    three = max(deliveries - 2 * count, 0)
    made = 0
    for start in range(0, count, 2000):
        rows = []
        for n in range(start, min(start + 2000, count)):
            when = first + step * n
            state = POST_STATES[n % len(POST_STATES)]
            if state == Post.State.SCHEDULED and when < now:
                state = Post.State.DONE
            rows.append(
                Post(
                    organisation=org,
                    author=author,
                    text=f"Julkaisu {n}: {rng.choice(WORDS)} ja {rng.choice(WORDS)} tänään.",
                    state=state,
                    scheduled_at=when,
                    created_at=when - timedelta(days=2),
                )
            )
        with transaction.atomic():
            posts = Post.objects.bulk_create(rows)
            out = []
            for offset, post in enumerate(posts):
                n = start + offset
                channels = 3 if n < three else 2
                for k in range(min(channels, deliveries - made)):
                    account = accounts[(n + k) % len(accounts)]
                    failed = n % 97 == 0 and k == 0
                    out.append(
                        Delivery(
                            post=post,
                            account=account,
                            state=Delivery.State.FAILED
                            if failed
                            else Delivery.State.PUBLISHED
                            if post.state == Post.State.DONE
                            else Delivery.State.SCHEDULED
                            if post.state == Post.State.SCHEDULED
                            else Delivery.State.DRAFT,
                            due_at=post.scheduled_at,
                        )
                    )
                    made += 1
            Delivery.objects.bulk_create(out)
    return made


def build(
    slug: str,
    user: Any,
    *,
    posts: int,
    deliveries: int,
    items: int,
    sources: int = 60,
    now: datetime | None = None,
) -> Built:
    """An organisation with ``user`` as its admin and the given amounts of data."""
    now = now or timezone.now()
    org = Organisation.objects.create(name=f"{slug.capitalize()} ry", slug=slug)
    Membership.objects.create(organisation=org, user=user, role="admin")
    accounts = _accounts(org)
    made = _posts(org, user, accounts, posts, deliveries, now)
    seed_topics(org)
    add_items(org, items, sources, random.Random(org.pk + 1), PAGE_ITEMS, now)
    return Built(org, user, posts, made, items)


def build_big(
    user: Any,
    now: datetime | None = None,
    *,
    posts: int = 10_000,
    deliveries: int = 25_000,
    items: int = 100_000,
) -> Built:
    """The issue 17 organisation; a test of posts pages may leave out the items (0), a test
    of the watch the posts, to build in seconds."""
    return build("iso", user, posts=posts, deliveries=deliveries, items=items, now=now)


def build_small(user: Any, now: datetime | None = None) -> Built:
    return build("pieni", user, posts=20, deliveries=40, items=60, sources=3, now=now)


# --- the load bench's data set -----------------------------------------------------------


def _load_posts(
    org: Organisation, author: Any, posts: int, deliveries: int, rng: random.Random
) -> None:
    """The own feed and three channels; ``posts`` posts over the past 300 and the next 60
    days with ``deliveries`` deliveries in all: a sent one with its published part (and on the
    feed its entry), a scheduled one with its jobs."""
    feed = ChannelAccount.objects.create(
        organisation=org,
        platform="feed",
        handle=org.slug,
        display_name=org.name,
        settings={"organisation": org.slug},
    )
    accounts = [feed]
    for platform, base in (
        ("mastodon", "https://mastodon.example.test"),
        ("bluesky", "https://bsky.example.test"),
        ("linkedin", "https://linkedin.example.test"),
    ):
        account = ChannelAccount(
            organisation=org, platform=platform, handle=f"@{org.slug}", base_url=base
        )
        account.set_credentials({"access_token": "synteettinen"})
        account.save()
        accounts.append(account)
    now = timezone.now()
    per_post = deliveries / posts
    with transaction.atomic():
        made_posts = []
        for n in range(posts):
            # Most in the past (sent), the rest in the next 60 days (scheduled).
            when = now + timedelta(minutes=rng.randint(-300 * 24 * 60, 60 * 24 * 60))
            word = rng.choice(LOAD_WORDS)
            made_posts.append(
                Post(
                    organisation=org,
                    author=author,
                    text=f"Julkaisu {n}: tervetuloa {word}tapahtumaan! #{word}",
                    language="fi",
                    state="done" if when < now else "scheduled",
                    scheduled_at=when,
                    submitted_at=when - timedelta(days=1),
                    created_at=when - timedelta(days=2),
                )
            )
        made_posts = Post.objects.bulk_create(made_posts, batch_size=1000)
        rows, entries = [], []
        for n, post in enumerate(made_posts):
            # 2 or 3 deliveries per post, so that the total comes to ``deliveries``.
            count = int(per_post * (n + 1)) - int(per_post * n)
            for account in rng.sample(accounts, max(1, min(count, len(accounts)))):
                sent = post.state == "done"
                delivery = Delivery(
                    post=post,
                    account=account,
                    state="published" if sent else "scheduled",
                    due_at=post.scheduled_at,
                    parts=[post.text],
                    gate_stamp=gate.stamp_of([post.text]),
                    published_at=post.scheduled_at if sent else None,
                    remote_id=f"{n}" if sent else "",
                )
                rows.append(delivery)
                if sent and account is feed:
                    entries.append(
                        FeedEntry(
                            organisation=org,
                            key=f"{delivery.key}:0",
                            text=post.text,
                            published_at=post.scheduled_at,
                        )
                    )
        Delivery.objects.bulk_create(rows, batch_size=1000)
        FeedEntry.objects.bulk_create(entries, batch_size=1000)
        # Each scheduled delivery has its jobs, as engine.schedule_delivery makes them (without
        # them the worker's sweeper would make them one by one, minutes of work on this set).
        jobs = []
        for delivery in rows:
            if delivery.state != "scheduled" or delivery.due_at is None:
                continue
            for kind, run_at in (
                (engine.PUBLISH_JOB, delivery.due_at),
                (engine.PRECHECK_JOB, delivery.due_at - engine.PRECHECK_BEFORE),
            ):
                if kind == engine.PRECHECK_JOB and run_at <= now:
                    continue
                jobs.append(
                    Job(
                        kind=kind,
                        payload={"delivery": delivery.pk},
                        run_at=run_at,
                        unique_key=f"{kind.split('.')[1]}:{delivery.pk}",
                        max_attempts=engine.PUBLISH_JOB_ATTEMPTS,
                    )
                )
        Job.objects.bulk_create(jobs, batch_size=1000)


def load_org(
    org: Organisation,
    author: Any,
    *,
    posts: int,
    deliveries: int,
    items: int,
    sources: int,
    rng: random.Random,
) -> None:
    """The load bench's data of an organisation whose members exist: its topics, channels,
    posts, deliveries, feed entries, jobs and watch items, all drawn from ``rng``."""
    seed_topics(org)
    _load_posts(org, author, posts, deliveries, rng)
    add_items(org, items, sources, rng, LOAD_ITEMS, timezone.now())
