"""The load benches' data set, built fast with ``bulk_create`` (importable by other benches).

A large organisation ("iso", 10,000 posts over the past 300 and the next 60 days with 25,000
deliveries over four channels, 100,000 watch items on 60 sources, 5 members) and 50 small
ones ("pieni-N", 20 posts, 200 items on 3 sources and one member each). Every member's
password is ``PASSWORD``; no organisation requires two-factor sign-in, so a login form is
all a client needs. Everything is synthetic.

    from bench.dataset import build, Scale
    build(Scale())          # after django.setup(), on an empty migrated database

or, as a script in the environment of the server to test (KAIKU_DATA_DIR / DATABASE_URL):

    .venv/bin/python -m bench.dataset [--small]   # prints a JSON summary
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

PASSWORD = "kuorma-testi-salasana-2026"
BIG_SLUG = "iso"
WORDS = ["mielenterveys", "päihde", "sote", "asunnoton", "koulutus", "kahvila", "kevät", "vertais"]
ROLES = ["admin", "editor", "editor", "reviewer", "viewer"]


@dataclass
class Scale:
    big_posts: int = 10_000
    big_deliveries: int = 25_000
    big_items: int = 100_000
    big_sources: int = 60
    big_members: int = 5
    small_orgs: int = 50
    small_posts: int = 20
    small_items: int = 200


def _items(org: Any, count: int, sources: int, rng: random.Random, prefix: str) -> None:
    from django.db import transaction
    from django.utils import timezone

    from kaiku.watch.models import Item, ItemSource, ItemTopic, Source

    platforms = [("feed", "feed"), ("mastodon_account", "mastodon"), ("bluesky_account", "bluesky")]
    now = timezone.now()
    made_sources = Source.objects.bulk_create(
        [
            Source(
                organisation=org,
                kind=platforms[n % 3][0],
                url=f"https://example.test/{prefix}/{n}",
                identifier=f"{prefix}-s{n}",
                title=f"Lähde {n}",
                weight=rng.choice([0.5, 1.0, 1.0, 1.5, 2.0]),
                # Just polled: the worker does not fetch these synthetic addresses during a
                # bench (a fetch pass over them kept the publishing burst waiting 160 s).
                last_polled_at=now,
                next_poll_at=now + timedelta(days=30),
            )
            for n in range(sources)
        ]
    )
    topic_ids = list(org.watch_topics.values_list("pk", flat=True))
    for start in range(0, count, 5000):
        with transaction.atomic():
            rows = []
            for n in range(start, min(start + 5000, count)):
                age = timedelta(minutes=rng.randint(0, 60 * 24 * 60))
                word = rng.choice(WORDS)
                rows.append(
                    Item(
                        organisation=org,
                        guid=f"{prefix}:{n}",
                        url=f"https://example.test/{prefix}/i/{n}",
                        title=f"Otsikko {n} {word}",
                        text=f"Teksti {n} aiheesta {word}palvelut ja arki",
                        lemmas=f" teksti aihe {word} palvelu arki ",
                        platform=platforms[(n % sources) % 3][1],
                        language=rng.choice(["fi", "fi", "fi", "sv", "en"]),
                        published_at=now - age,
                        fetched_at=now - age + timedelta(minutes=5),
                        engagement_total=int(rng.paretovariate(1.2)) - 1,
                    )
                )
            made = Item.objects.bulk_create(rows)
            ItemSource.objects.bulk_create(
                [ItemSource(item=i, source=made_sources[j % sources]) for j, i in enumerate(made)]
            )
            if topic_ids:
                ItemTopic.objects.bulk_create(
                    [
                        ItemTopic(item=i, topic_id=rng.choice(topic_ids), score=1.0)
                        for i in made
                        if rng.random() < 0.33
                    ]
                )


def _posts(org: Any, author: Any, posts: int, deliveries: int, rng: random.Random) -> None:
    from django.db import transaction
    from django.utils import timezone

    from kaiku.connections.models import ChannelAccount
    from kaiku.jobs.models import Job
    from kaiku.posts import gate
    from kaiku.posts.models import Post
    from kaiku.publishing import engine
    from kaiku.publishing.models import Delivery
    from kaiku.site.models import FeedEntry

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
            word = rng.choice(WORDS)
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


def build(scale: Scale, seed: int = 7) -> dict[str, Any]:
    """Build the data set into the (migrated, empty) database; returns who signs in where."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from kaiku.accounts.models import ApiToken, User
    from kaiku.organisations.models import Membership, Organisation
    from kaiku.watch.features.topics import seed_topics
    from kaiku.watch.ingest import rank

    rng = random.Random(seed)
    started = time.perf_counter()
    hashed = make_password(PASSWORD)  # once: every member has the same password

    tokens: dict[str, str] = {}

    def member(org: Organisation, username: str, role: str) -> User:
        user = User.objects.create(username=username, password=hashed, language="fi")
        Membership.objects.create(organisation=org, user=user, role=role)
        tokens[username] = ApiToken.issue(user, "kuorma")[1]
        return user

    big = Organisation.objects.create(name="Iso Yhdistys ry", slug=BIG_SLUG)
    big_users = [member(big, f"iso{n}", ROLES[n % len(ROLES)]) for n in range(scale.big_members)]
    seed_topics(big)
    _posts(big, big_users[1], scale.big_posts, scale.big_deliveries, rng)
    _items(big, scale.big_items, scale.big_sources, rng, BIG_SLUG)
    small: list[dict[str, str]] = []
    for n in range(scale.small_orgs):
        org = Organisation.objects.create(name=f"Pieni yhdistys {n}", slug=f"pieni-{n}")
        user = member(org, f"pieni{n}", "admin")
        seed_topics(org)
        _posts(org, user, scale.small_posts, scale.small_posts * 2, rng)
        _items(org, scale.small_items, 3, rng, org.slug)
        small.append(
            {
                "slug": org.slug,
                "username": user.username,
                "role": "admin",
                "token": tokens[user.username],
            }
        )
    for org in Organisation.objects.all():
        rank.refresh_organisation(org.pk)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "seconds": round(time.perf_counter() - started, 1),
        "password": PASSWORD,
        "big": [
            {
                "slug": BIG_SLUG,
                "username": u.username,
                "role": ROLES[i % len(ROLES)],
                "token": tokens[u.username],
            }
            for i, u in enumerate(big_users)
        ],
        "small": small,
        "scale": asdict(scale),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true", help="a tenth of the data (a quick try)")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaiku.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    scale = Scale()
    if args.small:
        scale = Scale(1000, 2500, 10_000, 60, 5, 10, 20, 200)
    print(json.dumps(build(scale)))


if __name__ == "__main__":
    main()
