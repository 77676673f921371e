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

import random
import sys
import time
from datetime import timedelta
from pathlib import Path

# Run from a checkout: its own kaiku and bench, whichever checkout the virtualenv came from.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _timing as timing


def run(posts: int, rounds: int, label: str) -> None:
    timing.setup_django()

    from django.db import connection, transaction
    from django.utils import timezone

    from kaiku.connections.models import ChannelAccount
    from kaiku.organisations.models import Organisation
    from kaiku.posts import listing, search, sections
    from kaiku.posts.models import Post
    from kaiku.publishing.models import Delivery
    from kaiku.textsearch import index_words, parse

    rng = random.Random(17)
    corpus = timing.Corpus(rng, timing.SECTOR_WORDS, lambda w: index_words(w, [], "fi").split())
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
                text, lemmas = corpus.text(26)
                rows.append(
                    Post(
                        organisation=org,
                        text=text,
                        lemmas=" ".join(lemmas),
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
    orgs = timing.organisations(lambda org: make(org, posts), lambda org: make(org, 50))
    took = time.perf_counter() - started
    print(f"{label}: {posts} + 50 × 50 posts stored and indexed in {took:.1f} s")

    backend = timing.Backend(connection)

    def web(org: Organisation, q: str) -> int:
        return len(sections.found(org, q, 1).posts)

    def api(org: Organisation, q: str) -> int:
        return len(listing.page(org, listing.PostFilter(query=parse(q))).posts)

    for where, call in (("web list", web), ("API list", api)):
        for _name, q in timing.QUERIES:  # warm the caches (Voikko, the database's pages)
            call(orgs.big, q)
        timings = timing.time_queries(orgs, rounds, backend, call)
        print(f"{label} {where}")
        timing.print_table(timings, orgs, lambda org, q: search.matching(org, q).count(), backend)
    if connection.vendor == "postgresql":  # leave the database as it was
        made = [orgs.big.pk, *(s.pk for s in orgs.smalls)]
        # A channel account is protected while a delivery points at it: deliveries first.
        Delivery.objects.filter(post__organisation__in=made).delete()
        Organisation.objects.filter(pk__in=made).delete()


def main() -> None:
    timing.main(__doc__, __file__, "posts", 10_000, "kaiku-posts-search-bench-", run)


if __name__ == "__main__":
    main()
