"""Benchmark of the watch digest's full-text search with 100,000 items stored.

    .venv/bin/python bench/watch_search.py [--items 100000] [--rounds 20]
    DATABASE_URL=postgres://... .venv/bin/python bench/watch_search.py   # also PostgreSQL

Builds a temporary SQLite database (WAL, as in production) and, when DATABASE_URL is given, the
same data in that PostgreSQL database: one large organisation with ``--items`` items and 50
small ones with 200 items each. Each item has 40 words: Finnish inflected forms of the sector's
words (their base forms in the item's lemmas, as the ingest stores them) among synthetic words
drawn from a Zipf distribution over 20,000 (so some words are in most items, most in few).

Then it times ``digest_page`` (the search, the ranking of its newest SEARCH_POOL matches and
the page of 25 with its reasons) for a mix of queries: an inflected Finnish word whose base form
a third of the items have, a word in a tenth, a rare word, two words, a name that no item has,
and the same in a small organisation. Prints p50/p95 per query and overall, in wall time and in
this process's CPU time (the machine is shared: CPU time moves less with its load), and on
PostgreSQL the mean CPU time of the server process per search. No assertion: the figures go into
the report.
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

# The posts bench's sector words and two more (in this order: the order the texts draw them).
SECTOR_WORDS = [
    timing.SECTOR_WORDS[0],
    "mielenterveyspalvelut",
    *timing.SECTOR_WORDS[1:],
    "järjestötyössä",
]


def run(items: int, rounds: int, label: str) -> None:
    timing.setup_django()

    from django.db import connection, transaction
    from django.utils import timezone

    from kaiku.organisations.models import Organisation
    from kaiku.watch.features import digest
    from kaiku.watch.ingest.analysis import text_lemmas
    from kaiku.watch.models import Item

    rng = random.Random(17)
    corpus = timing.Corpus(rng, SECTOR_WORDS, lambda w: text_lemmas(w, "fi"))
    now = timezone.now()

    def make(org: Organisation, count: int, prefix: str) -> None:
        for start in range(0, count, 5000):
            rows = []
            for n in range(start, min(start + count, start + 5000, count)):
                text, lemmas = corpus.text(36)
                rows.append(
                    Item(
                        organisation=org,
                        guid=f"{prefix}:{n}",
                        title=f"Otsikko {n}",
                        text=text,
                        lemmas=f" {' '.join(lemmas)} ",
                        platform="feed",
                        language="fi",
                        published_at=now - timedelta(minutes=rng.randint(0, 86_400)),
                        rank_key=rng.random(),
                    )
                )
            with transaction.atomic():
                Item.objects.bulk_create(rows)

    started = time.perf_counter()
    orgs = timing.organisations(
        lambda org: make(org, items, f"big{org.pk}"), lambda org: make(org, 200, f"small{org.pk}")
    )
    took = time.perf_counter() - started
    print(f"{label}: {items} + 50 × 200 items stored and indexed in {took:.1f} s")

    for _name, query in timing.QUERIES:  # warm the caches (Voikko, the database's pages)
        digest.digest_page(orgs.big, digest.Filters(query=query))
    backend = timing.Backend(connection)
    timings = timing.time_queries(
        orgs, rounds, backend, lambda org, q: digest.digest_page(org, digest.Filters(query=q))
    )
    timing.print_table(timings, orgs, lambda org, q: digest.search_items(org, q).count(), backend)
    if connection.vendor == "postgresql":  # leave the database as it was
        Organisation.objects.filter(pk__in=[orgs.big.pk, *(s.pk for s in orgs.smalls)]).delete()


def main() -> None:
    timing.main(__doc__, __file__, "items", 100_000, "kaiku-search-bench-", run)


if __name__ == "__main__":
    main()
