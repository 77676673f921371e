"""What the search benches (bench/posts_search.py, bench/watch_search.py) share: a Django
process per database, the synthetic texts, the big and the 50 small organisations, the mix of
queries, the timing loop over them, and the table they print.

The scripts run as ``python bench/NAME.py``; they put the checkout on the path first, so that
this module imports as ``bench._timing``.
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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Inflected forms (as in a text) of words common in the sector's news; a save or the ingest
# stores each one's base forms in the row's lemmas.
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
# The mix of queries: a word whose base form about a third of the rows have, one in a tenth, a
# rare one, two words, a name no row has, and the first in a small organisation.
QUERIES = [
    ("common", "mielenterveyspalvelut"),
    ("tenth", "järjestöt"),
    ("rare", "w19000"),
    ("two words", "nuoret kuntoutus"),
    ("no match", "Kaikumaa"),
    ("small org", "mielenterveyspalveluita"),
]


class Corpus:
    """Synthetic texts: words drawn from a Zipf distribution over 20,000 (so some words are in
    most texts, most in few) followed by Finnish inflected forms of the sector's words, each
    in about one text of eight, and "mielenterveyspalveluiden" in a third more."""

    def __init__(
        self, rng: random.Random, sector_words: Sequence[str], lemmas: Callable[[str], list[str]]
    ) -> None:
        self.rng = rng
        self.sector_words = sector_words
        self.vocabulary = [f"w{n}" for n in range(20_000)]
        self.weights = [1 / (n + 1) for n in range(len(self.vocabulary))]
        # Each sector word's base forms, as a save or the ingest stores them.
        self.sector_lemmas = {w: lemmas(w) for w in sector_words}

    def text(self, words: int) -> tuple[str, list[str]]:
        """A text of ``words`` drawn words and its sector words; the words its row stores
        (the sector words' base forms, then the drawn words, each once)."""
        drawn = self.rng.choices(self.vocabulary, self.weights, k=words)
        sector = [w for w in self.sector_words if self.rng.random() < 0.12]
        if self.rng.random() < 0.33:
            sector.append("mielenterveyspalveluiden")
        found = dict.fromkeys([x for w in sector for x in self.sector_lemmas[w]] + drawn)
        return " ".join(drawn + sector), list(found)


@dataclass
class Orgs:
    big: Any
    smalls: list[Any]

    def for_query(self, name: str, round_: int = 0) -> Any:
        """The organisation a query runs in: "small org" goes round the small ones."""
        return self.smalls[round_ % len(self.smalls)] if name == "small org" else self.big


def organisations(fill_big: Callable[[Any], None], fill_small: Callable[[Any], None]) -> Orgs:
    """One big organisation and 50 small ones (slugs of this process, so that a run leaves
    another's alone), filled, and the database's statistics brought up to date."""
    from django.db import connection

    from kaiku.organisations.models import Organisation

    big = Organisation.objects.create(name="Iso ry", slug=f"iso-{os.getpid()}")
    fill_big(big)
    smalls = []
    for s in range(50):
        small = Organisation.objects.create(name=f"Pieni {s}", slug=f"pieni-{os.getpid()}-{s}")
        fill_small(small)
        smalls.append(small)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return Orgs(big, smalls)


def setup_django() -> None:
    """Django on the database the environment names, migrated."""
    os.environ.setdefault("KAIKU_TESTING", "1")
    os.environ["DJANGO_SETTINGS_MODULE"] = "kaiku.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def main(
    doc: str | None,
    script: str,
    size: str,
    default: int,
    temp_prefix: str,
    run: Callable[[int, int, str], None],
) -> None:
    """A search bench's command line: ``--SIZE`` (``posts``, ``items``) and ``--rounds``.
    Runs ``run(size, rounds, label)`` once on a temporary SQLite database and, when
    DATABASE_URL is given, once on that PostgreSQL database, each in its own process of the
    script (Django's settings pick one database at start; ``--one`` names it)."""
    parser = argparse.ArgumentParser(description=doc)
    parser.add_argument(f"--{size}", type=int, default=default)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--one", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    amount = getattr(args, size)
    if args.one:
        run(amount, args.rounds, args.one)
        return
    common = [sys.executable, script, f"--{size}", str(amount), "--rounds", str(args.rounds)]
    sqlite_env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    sqlite_env["KAIKU_DATA_DIR"] = tempfile.mkdtemp(prefix=temp_prefix)
    subprocess.run([*common, "--one", "sqlite"], env=sqlite_env, check=True)
    if os.environ.get("DATABASE_URL"):
        subprocess.run([*common, "--one", "postgresql"], env=dict(os.environ), check=True)


class Backend:
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


@dataclass
class Timings:
    """Per query name: wall and CPU milliseconds of each call, and the server's CPU in all."""

    rounds: int
    wall: dict[str, list[float]] = field(default_factory=dict)
    cpu: dict[str, list[float]] = field(default_factory=dict)
    server: dict[str, float] = field(default_factory=dict)


def time_queries(
    orgs: Orgs, rounds: int, backend: Backend, call: Callable[[Any, str], object]
) -> Timings:
    """``rounds`` rounds of ``call(organisation, query)`` for each query of QUERIES, timed."""
    timings = Timings(rounds)
    for name, _q in QUERIES:
        timings.wall[name], timings.cpu[name], timings.server[name] = [], [], 0.0
    for r in range(rounds):
        for name, q in QUERIES:
            org = orgs.for_query(name, r)
            s0 = backend.cpu_ms()
            t0, c0 = time.perf_counter(), time.process_time()
            call(org, q)
            timings.wall[name].append((time.perf_counter() - t0) * 1000)
            timings.cpu[name].append((time.process_time() - c0) * 1000)
            timings.server[name] += backend.cpu_ms() - s0
    return timings


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(int(len(ordered) * 0.95), len(ordered) - 1)]


def print_table(
    timings: Timings, orgs: Orgs, matches: Callable[[Any, str], int], backend: Backend
) -> None:
    """p50/p95 of wall and CPU time per query and over all, with each query's matches (in
    the big or the first small organisation) and, on PostgreSQL, the server's mean CPU time
    per search."""
    print(
        f"{'query':<10} {'matches':>8} {'p50 ms':>8} {'p95 ms':>8} {'p50 cpu':>8} {'p95 cpu':>8}"
        + (f" {'server cpu (mean)':>18}" if backend.pid else "")
    )
    for name, q in QUERIES:
        w, c = timings.wall[name], timings.cpu[name]
        found = matches(orgs.for_query(name), q)
        print(
            f"{name:<10} {found:>8} {statistics.median(w):>8.1f} {p95(w):>8.1f} "
            f"{statistics.median(c):>8.1f} {p95(c):>8.1f}"
            + (f" {timings.server[name] / timings.rounds:>18.1f}" if backend.pid else "")
        )
    every_w = [t for v in timings.wall.values() for t in v]
    every_c = [t for v in timings.cpu.values() for t in v]
    print(
        f"{'all':<10} {'':>8} {statistics.median(every_w):>8.1f} {p95(every_w):>8.1f} "
        f"{statistics.median(every_c):>8.1f} {p95(every_c):>8.1f}"
    )
