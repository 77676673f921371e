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

# Inflected forms (as in a text) of words common in the sector's news; the ingest would store
# each one's base forms in the item's lemmas.
SECTOR_WORDS = [
    "mielenterveyspalveluiden",
    "mielenterveyspalvelut",
    "päihdepalveluissa",
    "asunnottomien",
    "nuorten",
    "hyvinvointialueella",
    "järjestöjen",
    "vapaaehtoisille",
    "kuntoutuksesta",
    "vertaistuesta",
    "kokemusasiantuntijat",
    "järjestötyössä",
]
QUERIES = [
    ("common", "mielenterveyspalvelut"),  # base form in about a third of the items
    ("tenth", "järjestöt"),
    ("rare", "w19000"),
    ("two words", "nuoret kuntoutus"),
    ("no match", "Kaikumaa"),
    ("small org", "mielenterveyspalveluita"),
]


def run(items: int, rounds: int, label: str) -> None:
    setup_django()

    from django.db import connection, transaction
    from django.utils import timezone

    from kaiku.organisations.models import Organisation
    from kaiku.watch.features import digest
    from kaiku.watch.ingest.analysis import text_lemmas
    from kaiku.watch.models import Item

    rng = random.Random(17)
    vocabulary = [f"w{n}" for n in range(20_000)]
    weights = [1 / (n + 1) for n in range(len(vocabulary))]
    sector_lemmas = {w: text_lemmas(w, "fi") for w in SECTOR_WORDS}
    now = timezone.now()

    def make(org: Organisation, count: int, prefix: str) -> None:
        for start in range(0, count, 5000):
            rows = []
            for n in range(start, min(start + count, start + 5000, count)):
                words = rng.choices(vocabulary, weights, k=36)
                sector = [w for w in SECTOR_WORDS if rng.random() < 0.12]
                if rng.random() < 0.33:
                    sector.append("mielenterveyspalveluiden")
                text = " ".join(words + sector)
                found = dict.fromkeys([lemma for w in sector for lemma in sector_lemmas[w]] + words)
                rows.append(
                    Item(
                        organisation=org,
                        guid=f"{prefix}:{n}",
                        title=f"Otsikko {n}",
                        text=text,
                        lemmas=f" {' '.join(found)} ",
                        platform="feed",
                        language="fi",
                        published_at=now - timedelta(minutes=rng.randint(0, 86_400)),
                        rank_key=rng.random(),
                    )
                )
            with transaction.atomic():
                Item.objects.bulk_create(rows)

    started = time.perf_counter()
    big = Organisation.objects.create(name="Iso ry", slug=f"iso-{os.getpid()}")
    make(big, items, f"big{big.pk}")
    smalls = []
    for s in range(50):
        small = Organisation.objects.create(name=f"Pieni {s}", slug=f"pieni-{os.getpid()}-{s}")
        make(small, 200, f"small{small.pk}")
        smalls.append(small)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    took = time.perf_counter() - started
    print(f"{label}: {items} + 50 × 200 items stored and indexed in {took:.1f} s")

    for _name, query in QUERIES:  # warm the caches (Voikko, the database's pages)
        digest.digest_page(big, digest.Filters(query=query))
    backend = Backend(connection)
    timings = time_queries(
        QUERIES,
        rounds,
        backend,
        lambda name, q, r: digest.digest_page(
            smalls[r % len(smalls)] if name == "small org" else big, digest.Filters(query=q)
        ),
    )
    counts = {
        name: digest.search_items(smalls[0] if name == "small org" else big, q).count()
        for name, q in QUERIES
    }
    print_table(timings, counts, backend)
    if connection.vendor == "postgresql":  # leave the database as it was
        Organisation.objects.filter(pk__in=[big.pk, *(s.pk for s in smalls)]).delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--one", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    per_database(__file__, args, "items", "kaiku-search-bench-", run)


if __name__ == "__main__":
    main()
