"""Benchmark of the watch digest page with 100,000 items stored.

    .venv/bin/python bench/watch_digest.py [--items 100000] [--requests 220]

Builds a temporary SQLite database (WAL, as in production), 60 sources, six topics and
``--items`` items spread over 60 days (a third matching a topic, engagement long-tailed),
then times ``--requests`` GETs of /o/<org>/watch/ through the Django test client: plain pages
1-3, and filtered by topic, platform, language, unread, one source, a Finnish search that a
seventh of the items match, and a search that no item matches (a scan of every item). Prints
p50/p95 per kind and overall. No assertion: the figures go into the report.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from datetime import timedelta


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=220)
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="kaiku-digest-bench-")
    os.environ["KAIKU_DATA_DIR"] = data_dir
    os.environ.setdefault("KAIKU_TESTING", "1")
    os.environ["DJANGO_SETTINGS_MODULE"] = "kaiku.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from django.db import connection, transaction
    from django.test import Client
    from django.utils import timezone

    from kaiku.accounts.models import User
    from kaiku.organisations.models import Membership, Organisation
    from kaiku.watch.features.topics import seed_topics
    from kaiku.watch.ingest import rank
    from kaiku.watch.models import Item, ItemSource, ItemTopic, Source

    print(f"database: {connection.settings_dict['NAME']}")
    rng = random.Random(7)
    org = Organisation.objects.create(name="Bench ry", slug="bench")
    user = User.objects.create_user("bench", password="x" * 20)
    Membership.objects.create(organisation=org, user=user, role="viewer")
    topics = seed_topics(org)
    topic_ids = [t.pk for t in org.watch_topics.all()]
    platforms = [("feed", "feed"), ("mastodon_account", "mastodon"), ("bluesky_account", "bluesky")]
    sources = [
        Source.objects.create(
            organisation=org,
            kind=platforms[n % 3][0],
            url=f"https://example.test/{n}",
            identifier=f"s{n}",
            title=f"Lähde {n}",
            weight=rng.choice([0.5, 1.0, 1.0, 1.5, 2.0]),
        )
        for n in range(60)
    ]
    words = ["mielenterveys", "päihde", "sote", "asunnoton", "koulutus", "kahvila", "kevät"]
    now = timezone.now()
    started = time.perf_counter()
    batch = 5000
    for start in range(0, args.items, batch):
        with transaction.atomic():
            rows = []
            for n in range(start, min(start + batch, args.items)):
                age = timedelta(minutes=rng.randint(0, 60 * 24 * 60))
                word = rng.choice(words)
                rows.append(
                    Item(
                        organisation=org,
                        guid=f"bench:{n}",
                        url=f"https://example.test/i/{n}",
                        title=f"Otsikko {n} {word}",
                        text=f"Teksti {n} aiheesta {word}",
                        lemmas=f" teksti aihe {word} ",
                        platform=platforms[(n % len(sources)) % 3][1],
                        language=rng.choice(["fi", "fi", "fi", "sv", "en"]),
                        published_at=now - age,
                        fetched_at=now - age + timedelta(minutes=5),
                        engagement_total=int(rng.paretovariate(1.2)) - 1,
                    )
                )
            made = Item.objects.bulk_create(rows)
            ItemSource.objects.bulk_create(
                [ItemSource(item=i, source=sources[int(i.guid[6:]) % len(sources)]) for i in made]
            )
            ItemTopic.objects.bulk_create(
                [
                    ItemTopic(item=i, topic_id=rng.choice(topic_ids), score=rng.choice([1.0, 2.0]))
                    for i in made
                    if rng.random() < 0.33
                ]
            )
    took = time.perf_counter() - started
    print(f"generated {args.items} items in {took:.1f} s ({len(topics)} topics)")
    started = time.perf_counter()
    # Written around the ORM above, so their rank keys are computed as a re-match would.
    refreshed = rank.refresh_organisation(org.pk)
    took = time.perf_counter() - started
    print(f"rank keys of {refreshed} items refreshed in {took:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    topic_slug = org.watch_topics.first().slug  # type: ignore[union-attr]
    kinds = [
        ("page 1", {}),
        ("page 2", {"page": "2"}),
        ("page 3", {"page": "3"}),
        ("topic", {"topic": topic_slug}),
        ("platform", {"platform": "mastodon"}),
        ("language", {"language": "sv"}),
        ("unread", {"state": "unread"}),
        ("source", {"source": str(sources[1].pk)}),
        ("search", {"q": "päihteet"}),
        ("rare word", {"q": "Otsikko 4242"}),
    ]
    url = f"/o/{org.slug}/watch/"
    for _ in range(3):
        client.get(url)  # warm the caches and the connection
    timings: dict[str, list[float]] = {name: [] for name, _params in kinds}
    for n in range(args.requests):
        name, params = kinds[n % len(kinds)]
        t0 = time.perf_counter()
        response = client.get(url, params)
        timings[name].append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, response.status_code

    def p(values: list[float], q: float) -> float:
        ordered = sorted(values)
        return ordered[min(int(len(ordered) * q), len(ordered) - 1)]

    everything = [t for values in timings.values() for t in values]
    print(f"{'request':<10} {'n':>4} {'p50 ms':>8} {'p95 ms':>8}")
    for name, values in timings.items():
        print(
            f"{name:<10} {len(values):>4} {statistics.median(values):>8.1f} {p(values, 0.95):>8.1f}"
        )
    print(
        f"{'all':<10} {len(everything):>4} {statistics.median(everything):>8.1f} "
        f"{p(everything, 0.95):>8.1f}"
    )


if __name__ == "__main__":
    main()
