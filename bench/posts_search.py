"""Benchmark of the posts' full-text search (the posts list's search box and the REST API's
``q``) with 10,000 posts stored.

    .venv/bin/python bench/posts_search.py [--posts 10000] [--rounds 20]
    DATABASE_URL=postgres://... .venv/bin/python bench/posts_search.py   # also PostgreSQL

Builds a temporary SQLite database (WAL, as in production) and, when DATABASE_URL is given, the
same data in that PostgreSQL database: one large organisation with ``--posts`` posts (each with
a delivery on one of four channels) and 50 small ones with 50 posts each. Each post has 30
words: Finnish inflected forms of the sector's words (their base forms in the post's lemmas, as
a save stores them) among synthetic words drawn from a Zipf distribution over 20,000.

Then it times the posts list's search page (``sections.found``: the matches, newest first, a
page of 20 with their deliveries) and the API's list with ``q`` (``listing.page``, 50 a page)
for a mix of queries: a word a third of the posts have, one in a tenth, a rare one, two words,
a name no post has, and the same in a small organisation. Prints p50/p95 per query and overall,
wall time and this process's CPU time (the machine is shared: CPU time moves less with its
load), and on PostgreSQL the mean CPU time of the server process per search. No assertion:
the figures go into the report.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

# Run from a checkout: its own kaiku and bench, whichever checkout the virtualenv came from.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._timing import Backend, per_database, print_table, setup_django, time_queries

SECTOR_WORDS = [
    "mielenterveyspalveluiden",
    "päihdepalveluissa",
    "asunnottomien",
    "nuorten",
    "hyvinvointialueella",
    "järjestöjen",
    "vapaaehtoisille",
    "kuntoutuksesta",
    "vertaistuesta",
    "kokemusasiantuntijat",
]
QUERIES = [
    ("common", "mielenterveyspalvelut"),  # base form in about a third of the posts
    ("tenth", "järjestöt"),
    ("rare", "w19000"),
    ("two words", "nuoret kuntoutus"),
    ("no match", "Kaikumaa"),
    ("small org", "mielenterveyspalveluita"),
]


def run(posts: int, rounds: int, label: str) -> None:
    setup_django()

    from django.db import connection, transaction
    from django.utils import timezone

    from kaiku.connections.models import ChannelAccount
    from kaiku.organisations.models import Organisation
    from kaiku.posts import listing, search, sections
    from kaiku.posts.models import Post
    from kaiku.publishing.models import Delivery
    from kaiku.textsearch import index_words, parse

    rng = random.Random(17)
    vocabulary = [f"w{n}" for n in range(20_000)]
    weights = [1 / (n + 1) for n in range(len(vocabulary))]
    sector_lemmas = {w: index_words(w, [], "fi").split() for w in SECTOR_WORDS}
    now = timezone.now()
    states = [s for s, _ in Post.State.choices]

    def make(org: Organisation, count: int) -> None:
        accounts = [
            ChannelAccount.objects.create(organisation=org, platform=p, handle=f"{p}-{org.pk}")
            for p in ("mastodon", "bluesky", "feed", "linkedin")
        ]
        for start in range(0, count, 2000):
            rows = []
            for _n in range(start, min(start + 2000, count)):
                words = rng.choices(vocabulary, weights, k=26)
                sector = [w for w in SECTOR_WORDS if rng.random() < 0.12]
                if rng.random() < 0.33:
                    sector.append("mielenterveyspalveluiden")
                found = dict.fromkeys([x for w in sector for x in sector_lemmas[w]] + words)
                rows.append(
                    Post(
                        organisation=org,
                        text=" ".join(words + sector),
                        lemmas=" ".join(found),
                        language="fi",
                        state=rng.choice(states),
                        created_at=now - timedelta(minutes=rng.randint(0, 500_000)),
                    )
                )
            with transaction.atomic():
                made = Post.objects.bulk_create(rows)
                Delivery.objects.bulk_create(
                    Delivery(post=p, account=rng.choice(accounts)) for p in made
                )

    started = time.perf_counter()
    big = Organisation.objects.create(name="Iso ry", slug=f"iso-{os.getpid()}")
    make(big, posts)
    smalls = []
    for s in range(50):
        small = Organisation.objects.create(name=f"Pieni {s}", slug=f"pieni-{os.getpid()}-{s}")
        make(small, 50)
        smalls.append(small)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    took = time.perf_counter() - started
    print(f"{label}: {posts} + 50 × 50 posts stored and indexed in {took:.1f} s")

    backend = Backend(connection)

    def web(org: Organisation, q: str) -> int:
        return len(sections.found(org, q, 1).posts)

    def api(org: Organisation, q: str) -> int:
        return len(listing.page(org, listing.PostFilter(query=parse(q))).posts)

    for where, call in (("web list", web), ("API list", api)):
        for _name, q in QUERIES:  # warm the caches (Voikko, the database's pages)
            call(big, q)
        timings = time_queries(
            QUERIES,
            rounds,
            backend,
            lambda name, q, r, call=call: call(
                smalls[r % len(smalls)] if name == "small org" else big, q
            ),
        )
        print(f"{label} {where}")
        matches = {
            name: search.matching(smalls[0] if name == "small org" else big, q).count()
            for name, q in QUERIES
        }
        print_table(timings, matches, backend)
    if connection.vendor == "postgresql":  # leave the database as it was
        made = [big.pk, *(s.pk for s in smalls)]
        # A channel account is protected while a delivery points at it: deliveries first.
        Delivery.objects.filter(post__organisation__in=made).delete()
        Organisation.objects.filter(pk__in=made).delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--one", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    per_database(__file__, args, "posts", "kaiku-posts-search-bench-", run)


if __name__ == "__main__":
    main()
