"""The cost of one request to each organisation page, big organisation against small.

    .venv/bin/python bench/pages_cost.py [--runs 5]

Builds a temporary SQLite database with the issue 17 data set (tests/performance/bigorg.py:
a big organisation with 10,000 posts, 25,000 deliveries and 100,000 watch items on 60
sources, and a small one), then GETs each page through the Django test client ``--runs``
times and prints, per organisation and page, the median CPU time of the process
(time.process_time: the machine is shared, wall time would measure the neighbours), the
rendered size in KB and the number of SQL queries. No assertion: the figures go into the
report; tests/performance/test_page_cost.py holds the bounds. With ``--explain`` it also
prints the database's plan of the digest's and the debate's main queries (EXPLAIN QUERY PLAN
on SQLite, EXPLAIN on PostgreSQL: run it under scripts/with-postgres.sh with DATABASE_URL).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

# Run from a checkout: its own kaiku and tests, whichever checkout the virtualenv came from.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--analyze",
        action="store_true",
        help="ANALYZE after building (Kaiku itself never does; the planner then has statistics)",
    )
    parser.add_argument(
        "--explain", action="store_true", help="also print the query plans of digest and debate"
    )
    args = parser.parse_args()

    os.environ["KAIKU_DATA_DIR"] = tempfile.mkdtemp(prefix="kaiku-pages-bench-")
    os.environ.setdefault("KAIKU_TESTING", "1")
    os.environ["DJANGO_SETTINGS_MODULE"] = "kaiku.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from kaiku.accounts.models import User
    from tests.performance import bigorg

    user = User.objects.create_user("bench", password="x" * 20)
    started = time.perf_counter()
    big = bigorg.build_big(user)
    small = bigorg.build_small(user)
    if args.analyze:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"database: {connection.vendor}; built in {time.perf_counter() - started:.1f} s")
    print(f"big: {big.posts} posts, {big.deliveries} deliveries, {big.items} watch items")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    pages = [
        ("dashboard", "/o/{slug}/"),
        ("calendar month", "/o/{slug}/calendar/"),
        ("calendar agenda", "/o/{slug}/calendar/agenda/"),
        ("calendar week", "/o/{slug}/calendar/week/"),
        ("posts list", "/o/{slug}/posts/"),
        ("digest", "/o/{slug}/watch/"),
        ("debate", "/o/{slug}/watch/debate/"),
    ]
    print(f"{'page':<18} {'org':<6} {'CPU ms':>8} {'KB':>8} {'queries':>8}")
    for name, pattern in pages:
        for label, built in (("big", big), ("small", small)):
            url = pattern.format(slug=built.org.slug)
            client.get(url)  # templates and caches warm
            cpu = []
            size = queries = 0
            for _ in range(args.runs):
                with CaptureQueriesContext(connection) as captured:
                    before = time.process_time()
                    response = client.get(url)
                    cpu.append((time.process_time() - before) * 1000)
                assert response.status_code == 200, (url, response.status_code)
                size, queries = len(response.content), len(captured)
            print(
                f"{name:<18} {label:<6} {statistics.median(cpu):>8.1f} "
                f"{size / 1024:>8.1f} {queries:>8}"
            )
    if args.explain:
        explain(big.org)


def explain(org: object) -> None:
    from kaiku.watch.features import debate, digest

    queries = {
        "digest page 1": digest.ranked(digest.filtered(org, digest.Filters()))[:26],  # type: ignore[arg-type]
        "debate rising": debate.rising(org)[: debate.LIMIT],  # type: ignore[arg-type]
        "debate stigma": debate.stigma(org)[: debate.LIMIT],  # type: ignore[arg-type]
    }
    for name, queryset in queries.items():
        print(f"--- {name}")
        print(queryset.explain())


if __name__ == "__main__":
    main()
