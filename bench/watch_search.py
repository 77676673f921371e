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
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

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
    os.environ.setdefault("KAIKU_TESTING", "1")
    os.environ["DJANGO_SETTINGS_MODULE"] = "kaiku.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

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
    backend = _Backend(connection)
    server: dict[str, float] = {name: 0.0 for name, _q in QUERIES}
    wall: dict[str, list[float]] = {name: [] for name, _q in QUERIES}
    cpu: dict[str, list[float]] = {name: [] for name, _q in QUERIES}
    found: dict[str, int] = {}
    for r in range(rounds):
        for name, query in QUERIES:
            org = smalls[r % len(smalls)] if name == "small org" else big
            s0 = backend.cpu_ms()
            t0, c0 = time.perf_counter(), time.process_time()
            page = digest.digest_page(org, digest.Filters(query=query))
            wall[name].append((time.perf_counter() - t0) * 1000)
            cpu[name].append((time.process_time() - c0) * 1000)
            server[name] += backend.cpu_ms() - s0
            found[name] = len(page.items)
    counts = {
        name: digest.search_items(smalls[0] if name == "small org" else big, q).count()
        for name, q in QUERIES
    }

    def p95(values: list[float]) -> float:
        ordered = sorted(values)
        return ordered[min(int(len(ordered) * 0.95), len(ordered) - 1)]

    print(
        f"{'query':<10} {'matches':>8} {'p50 ms':>8} {'p95 ms':>8} {'p50 cpu':>8} {'p95 cpu':>8}"
        + (f" {'server cpu (mean)':>18}" if backend.pid else "")
    )
    for name, _q in QUERIES:
        w, c = wall[name], cpu[name]
        print(
            f"{name:<10} {counts[name]:>8} {statistics.median(w):>8.1f} {p95(w):>8.1f} "
            f"{statistics.median(c):>8.1f} {p95(c):>8.1f}"
            + (f" {server[name] / rounds:>18.1f}" if backend.pid else "")
        )
    every_w = [t for v in wall.values() for t in v]
    every_c = [t for v in cpu.values() for t in v]
    print(
        f"{'all':<10} {'':>8} {statistics.median(every_w):>8.1f} {p95(every_w):>8.1f} "
        f"{statistics.median(every_c):>8.1f} {p95(every_c):>8.1f}"
    )
    if connection.vendor == "postgresql":  # leave the database as it was
        Organisation.objects.filter(pk__in=[big.pk, *(s.pk for s in smalls)]).delete()


class _Backend:
    """The PostgreSQL server process's CPU time (it runs on this machine, as with-postgres.sh
    starts it): the searching happens there, out of this process's CPU time. Read from
    /proc in clock ticks (10 ms), so only a mean over many searches says much."""

    def __init__(self, connection: Any) -> None:
        self.pid = 0
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self.pid = int(cursor.fetchone()[0])

    def cpu_ms(self) -> float:
        if not self.pid:
            return 0.0
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # a server on another machine
            self.pid = 0
            return 0.0
        return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--one", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        run(args.items, args.rounds, args.one)
        return
    # Each database in its own process: Django's settings pick one database at start.
    common = [sys.executable, str(Path(__file__)), "--items", str(args.items)]
    common += ["--rounds", str(args.rounds)]
    sqlite_env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    sqlite_env["KAIKU_DATA_DIR"] = tempfile.mkdtemp(prefix="kaiku-search-bench-")
    subprocess.run([*common, "--one", "sqlite"], env=sqlite_env, check=True)
    if os.environ.get("DATABASE_URL"):
        subprocess.run([*common, "--one", "postgresql"], env=dict(os.environ), check=True)


if __name__ == "__main__":
    main()
