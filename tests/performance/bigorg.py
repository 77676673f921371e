"""A large and a small organisation, built fast with bulk_create (the issue 17 data set).

The large one: 10,000 posts over about seven months centred on the current month (so the
month on screen holds about 1,500), 25,000 deliveries over four channels, 100,000 watch items
on 60 sources. The small one: a handful of each. Used by the page-cost tests and by
bench/pages_cost.py; every text is synthetic.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from kaiku.connections.models import ChannelAccount
from kaiku.organisations.models import Membership, Organisation
from kaiku.posts.models import Post
from kaiku.publishing.models import Delivery
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


@dataclass
class Built:
    org: Organisation
    user: Any
    posts: int
    deliveries: int
    items: int


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


def _items(org: Organisation, count: int, sources_count: int, now: datetime) -> int:
    rng = random.Random(org.pk + 1)
    seed_topics(org)
    topic_ids = list(org.watch_topics.values_list("pk", flat=True))
    kinds = [("feed", "feed"), ("mastodon_account", "mastodon"), ("bluesky_account", "bluesky")]
    sources = Source.objects.bulk_create(
        Source(
            organisation=org,
            kind=kinds[n % 3][0],
            url=f"https://{org.slug}.example.test/feed/{n}",
            identifier=f"{org.slug}-{n}",
            title=f"Lähde {n}",
        )
        for n in range(sources_count)
    )
    for start in range(0, count, 5000):
        rows = []
        for n in range(start, min(start + 5000, count)):
            age = timedelta(minutes=rng.randint(0, 60 * 24 * 60))
            word = rng.choice(WORDS)
            rows.append(
                Item(
                    organisation=org,
                    guid=f"{org.slug}:{n}",
                    url=f"https://{org.slug}.example.test/i/{n}",
                    title=f"Otsikko {n} {word}",
                    text=f"Teksti {n} aiheesta {word}",
                    lemmas=f" teksti aihe {word} ",
                    platform=kinds[(n % sources_count) % 3][1],
                    language=rng.choice(["fi", "fi", "fi", "sv", "en"]),
                    published_at=now - age,
                    fetched_at=now - age + timedelta(minutes=5),
                    engagement_total=int(rng.paretovariate(1.2)) - 1,
                    stigma_findings_count=1 if n % 50 == 0 else 0,
                    rank_key=rng.random(),
                )
            )
        with transaction.atomic():
            made = Item.objects.bulk_create(rows)
            ItemSource.objects.bulk_create(
                ItemSource(item=item, source=sources[(start + i) % sources_count])
                for i, item in enumerate(made)
            )
            ItemTopic.objects.bulk_create(
                ItemTopic(item=item, topic_id=rng.choice(topic_ids), score=1.0)
                for item in made
                if rng.random() < 0.33
            )
    return count


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
    _items(org, items, sources, now)
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
