"""The cost of one request to each organisation page, big organisation against small.

    .venv/bin/python bench/pages_cost.py [--runs 5] [--template DIR] [--only PAGE...]
        [--profile PAGE]

Builds a temporary SQLite database with the issue 17 data set (tests/performance/bigorg.py:
a big organisation with 10,000 posts, 25,000 deliveries and 100,000 watch items on 60
sources, and a small one), then GETs each page through the Django test client ``--runs``
times and prints, per organisation and page, the median CPU time of the process
(time.process_time: the machine is shared, wall time would measure the neighbours), the
rendered size in KB and the number of SQL queries. No assertion: the figures go into the
report; tests/performance/test_page_cost.py holds the bounds. With ``--explain`` it also
prints the database's plan of the digest's and the debate's main queries (EXPLAIN QUERY PLAN
on SQLite, EXPLAIN on PostgreSQL: run it under scripts/with-postgres.sh with DATABASE_URL).

``--template DIR`` uses a copy of a data folder that bench/dataset.py built (the load bench's
data set, SQLite; ``bench/load.py --template`` takes the same folder) instead of building:
then "big" is the organisation ``iso`` (as its editor) and "small" is ``pieni-0``.
``--profile PAGE`` runs that page ``--runs`` times under cProfile (big organisation) and
prints the functions that take the most time, instead of the table.

The pages are those of bench/load.py's mix: dashboard, calendar (month, agenda, week), posts
list, compose, a post's page, digest, debate, the public feed and its Atom, the REST API's
post list and watch items.

Measured 2026-12-07 03:34 UTC with ``--template`` (bench/dataset.py's data, ANALYZE'd),
SQLite, ``--runs 7``, main (5859ef2) and branch pagespeed interleaved twice, load average
4.6-5.0 from other sessions; big organisation, CPU ms before -> after: calendar month
108 -> 61, agenda 105 -> 62, week 78 -> 49, posts list 108 -> 55, dashboard 62 -> 33; digest
27, debate 27, atom 25, API posts 23, post detail 12, feed 10, API items 9, compose 9
unchanged. bench/load.py (20 clients closed-loop, 45 s, gunicorn 2 x 2, load average 4-5):
main 20.1 requests/s, p95 1.8 s, web CPU 37.2 ms/request; pagespeed 26.0 requests/s, p95
1.2 s, 28.3 ms/request.

Measured 2026-12-07 05:14-05:56 UTC with ``--template`` (the same folder), ``--runs 7``, main
(e740d5d) and branch reqcpu interleaved, load average 4-10 from other sessions; big
organisation, CPU ms median, main -> reqcpu (last pair): calendar month 74 -> 48, agenda
74 -> 51, week 59 -> 35, posts list 68 -> 29, dashboard 47 -> 41, atom 27 -> 22; compose,
post detail, digest, debate, feed and API within the noise (8-30 ms); two queries fewer on
every signed-in page (one read of the memberships). bench/load.py (20 clients closed-loop,
45 s, gunicorn 2 x 2), two pairs: main 13.4 and 15.5 requests/s at 33.0 and 37.7 ms web CPU
per request; reqcpu 23.2 and 19.0 requests/s at 24.7 and 30.3 ms (load average 5-10).

Measured 2026-12-07 06:20-06:50 UTC with ``--template`` (the same folder), ``--runs 7``, main
(4aefb4d) and branch reqcpu2 interleaved, load average 4-5; big organisation, CPU ms median,
main -> reqcpu2: dashboard 46.0 -> 16.8 (pairs 43.7/44.8 -> 13.7/17.6), calendar month
63.4/58.1 -> 52.9/53.0, agenda 59.1/47.4 -> 51.8/53.3, week 48.8/43.9 -> 41.5/45.7; the
other pages within the noise. bench/load.py (20 clients closed-loop, 45 s, gunicorn 2 x 2):
main 23.4 requests/s at 30.1 ms web CPU per request (load 5.3-6.8), reqcpu2 23.7 at 25.2
(6.8-6.3); a second pair under load 12-14 from other sessions: main 8.3 at 28.4 ms,
reqcpu2 32.7 at 25.8 ms; a third, branch first: reqcpu2 88.2 requests/s, p95 355 ms at
21.0 ms (load 6.9-4.7, the web processes had both cores: 88.2 x 21.0 ms = 1.85), main 36.2,
p95 1,184 ms at 29.0 ms (load 4.7-4.8). Compare the CPU per request: the requests per
second follow what the neighbours leave.
"""

from __future__ import annotations

import argparse
import atexit
import cProfile
import json
import os
import pstats
import re
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

# Run from a checkout: its own kaiku and tests, whichever checkout the virtualenv came from.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


PAGES = [
    ("dashboard", "/o/{slug}/"),
    ("calendar month", "/o/{slug}/calendar/"),
    ("calendar agenda", "/o/{slug}/calendar/agenda/"),
    ("calendar week", "/o/{slug}/calendar/week/"),
    ("posts list", "/o/{slug}/posts/"),
    ("compose", "/o/{slug}/posts/new/"),
    ("post detail", "/o/{slug}/posts/{post}/"),
    ("digest", "/o/{slug}/watch/"),
    ("debate", "/o/{slug}/watch/debate/"),
    ("public feed", "/f/{slug}/"),
    ("atom", "/f/{slug}/atom.xml"),
    ("api posts", "/api/v1/organisations/{slug}/posts"),
    ("api items", "/api/v1/organisations/{slug}/watch/items"),
]


@dataclass
class Org:
    slug: str
    username: str
    token: str
    post: str = ""


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
    parser.add_argument("--template", help="a data folder bench/dataset.py built (SQLite)")
    parser.add_argument("--only", nargs="*", help="only these pages (names as printed)")
    parser.add_argument("--profile", help="profile this page (big organisation) with cProfile")
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="kaiku-pages-bench-")
    # A copy of the load bench's data is 90 MB: gone with the run.
    atexit.register(shutil.rmtree, data_dir, ignore_errors=True)
    if args.template:
        shutil.copytree(args.template, data_dir, dirs_exist_ok=True)
    os.environ["KAIKU_DATA_DIR"] = data_dir
    os.environ.setdefault("KAIKU_TESTING", "1")
    os.environ["DJANGO_SETTINGS_MODULE"] = "kaiku.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from kaiku.accounts.models import ApiToken, User
    from kaiku.posts.models import Post

    started = time.perf_counter()
    if args.template:
        summary = json.loads((Path(args.template) / "load-summary.json").read_text())
        editor = next(m for m in summary["big"] if m["role"] == "editor")
        orgs = {
            "big": Org(editor["slug"], editor["username"], editor["token"]),
            "small": Org(
                summary["small"][0]["slug"],
                summary["small"][0]["username"],
                summary["small"][0]["token"],
            ),
        }
        print(f"database: {connection.vendor}; copied from {args.template}")
    else:
        from tests.performance import bigorg

        user = User.objects.create_user("bench", password="x" * 20)
        big = bigorg.build_big(user)
        small = bigorg.build_small(user)
        token = ApiToken.issue(user, "bench")[1]
        orgs = {
            "big": Org(big.org.slug, user.username, token),
            "small": Org(small.org.slug, user.username, token),
        }
        print(f"database: {connection.vendor}; built in {time.perf_counter() - started:.1f} s")
        print(f"big: {big.posts} posts, {big.deliveries} deliveries, {big.items} watch items")
    if args.analyze:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    clients = {}
    for label, org in orgs.items():
        # A published post: its page shows deliveries, as most posts' pages in the mix do.
        posts = Post.objects.filter(organisation__slug=org.slug).order_by("-pk")
        latest = posts.filter(state=Post.State.DONE).first() or posts.first()
        org.post = str(latest.public_id) if latest else ""
        client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {org.token}")
        client.force_login(User.objects.get(username=org.username))
        clients[label] = client
    pages = [(n, p) for n, p in PAGES if not args.only or n in args.only]
    if args.profile:
        profile(clients["big"], orgs["big"], dict(PAGES)[args.profile], args.runs)
        return
    print(f"{'page':<18} {'org':<6} {'CPU ms':>8} {'KB':>8} {'queries':>8}")
    for name, pattern in pages:
        for label, org in orgs.items():
            client = clients[label]
            url = pattern.format(slug=org.slug, post=org.post)
            client.get(url)  # templates and caches warm
            cpu = []
            size = queries = 0
            for _ in range(args.runs):
                with CaptureQueriesContext(connection) as captured:
                    before = time.process_time()
                    response = client.get(url)
                    cpu.append((time.process_time() - before) * 1000)
                size, queries = len(response.content), len(captured)
            status = "" if response.status_code == 200 else f"  (HTTP {response.status_code})"
            print(
                f"{name:<18} {label:<6} {statistics.median(cpu):>8.1f} "
                f"{size / 1024:>8.1f} {queries:>8}{status}"
            )
    if args.explain:
        from kaiku.organisations.models import Organisation

        explain(Organisation.objects.get(slug=orgs["big"].slug))


def profile(client: object, org: Org, pattern: str, runs: int) -> None:
    url = pattern.format(slug=org.slug, post=org.post)
    client.get(url)  # type: ignore[attr-defined]
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(runs):
        client.get(url)  # type: ignore[attr-defined]
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(30)
    stats.sort_stats("cumulative").print_stats(60)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(url)  # type: ignore[attr-defined]
    print("the page's queries, slowest first (seconds, SQL):")
    for query in sorted(captured.captured_queries, key=lambda q: -float(q["time"])):
        # The column lists say little and take the space: the tables and conditions count.
        sql = re.sub(r"^SELECT .*? FROM ", "SELECT ... FROM ", query["sql"], count=1)
        print(f"{query['time']:>7} {sql[:1200]}")


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
