"""What the search benches (bench/posts_search.py, bench/watch_search.py) share: a Django
process per database, the timing loop over their queries, and the table they print.

The scripts run as ``python bench/NAME.py``; they put the checkout on the path first, so that
this module imports as ``bench._timing``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def setup_django() -> None:
    """Django on the database the environment names, migrated."""
    os.environ.setdefault("KAIKU_TESTING", "1")
    os.environ["DJANGO_SETTINGS_MODULE"] = "kaiku.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def per_database(
    script: str, args: argparse.Namespace, size: str, temp_prefix: str, run: Callable[..., None]
) -> None:
    """``run(size, rounds, label)`` in this process when ``--one`` names the database; else
    the script once on a temporary SQLite database and, when DATABASE_URL is given, once on
    that PostgreSQL database, each in its own process (Django's settings pick one database at
    start). ``size`` is the name of the script's size option (``posts``, ``items``)."""
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
    queries: Sequence[tuple[str, str]],
    rounds: int,
    backend: Backend,
    call: Callable[[str, str, int], object],
) -> Timings:
    """``rounds`` rounds of ``call(name, query, round)`` for each query, timed."""
    timings = Timings(rounds)
    for name, _q in queries:
        timings.wall[name], timings.cpu[name], timings.server[name] = [], [], 0.0
    for r in range(rounds):
        for name, q in queries:
            s0 = backend.cpu_ms()
            t0, c0 = time.perf_counter(), time.process_time()
            call(name, q, r)
            timings.wall[name].append((time.perf_counter() - t0) * 1000)
            timings.cpu[name].append((time.process_time() - c0) * 1000)
            timings.server[name] += backend.cpu_ms() - s0
    return timings


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(int(len(ordered) * 0.95), len(ordered) - 1)]


def print_table(timings: Timings, matches: dict[str, int], backend: Backend) -> None:
    """p50/p95 of wall and CPU time per query and over all, with each query's matches and,
    on PostgreSQL, the server's mean CPU time per search."""
    print(
        f"{'query':<10} {'matches':>8} {'p50 ms':>8} {'p95 ms':>8} {'p50 cpu':>8} {'p95 cpu':>8}"
        + (f" {'server cpu (mean)':>18}" if backend.pid else "")
    )
    for name, w in timings.wall.items():
        c = timings.cpu[name]
        print(
            f"{name:<10} {matches[name]:>8} {statistics.median(w):>8.1f} {p95(w):>8.1f} "
            f"{statistics.median(c):>8.1f} {p95(c):>8.1f}"
            + (f" {timings.server[name] / timings.rounds:>18.1f}" if backend.pid else "")
        )
    every_w = [t for v in timings.wall.values() for t in v]
    every_c = [t for v in timings.cpu.values() for t in v]
    print(
        f"{'all':<10} {'':>8} {statistics.median(every_w):>8.1f} {p95(every_w):>8.1f} "
        f"{statistics.median(every_c):>8.1f} {p95(every_c):>8.1f}"
    )
