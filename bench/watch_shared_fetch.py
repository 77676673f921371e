"""Fetch once for everyone: one instance, many organisations following the same feeds.

    .venv/bin/python bench/watch_shared_fetch.py [--orgs 60] [--follows 100] [--pool 2000]
        [--items 5] [--workers 24] [--modes old,new]

    full size of issue 16 item 6: --orgs 300 --follows 100 --pool 2000

Generates POOL RSS feeds of ITEMS items each (the Finnish and English sector texts of
bench/watch_ingest.py, HTML summaries), serves them from the local threaded feed server of
the tests on 127.0.0.1 (with an ETag, so a second poll can be answered 304), and makes ORGS
organisations, each with the six seeded topics and FOLLOWS feeds drawn at random from the
pool. Then, for each mode, in a fresh subprocess with its own SQLite database:

- old: every source fetched and parsed on its own (``poll_sources(share_fetches=False)``,
  what Kaiku did before);
- new: one fetch and one parse per feed address for all the sources that follow it.

Each mode polls twice: the first poll reads everything (every item new for each
organisation); the second, with every source due again, sends the validators and gets 304s.
Prints per poll the requests the feed server counted, sources, items stored and wall time,
and the peak memory of the run (main process plus its parse processes, as in
bench/watch_ingest.py).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from watch_ingest import ChildPeaks, kaiku_in, peak_mb, result_of, serve_feeds  # noqa: E402


def run_mode(
    mode: str, plan: dict[str, Any], data_dir: str, workers: int, hits_file: str
) -> dict[str, Any]:
    kaiku_in(data_dir)
    from django.utils import timezone

    from kaiku.organisations.models import Organisation
    from kaiku.watch.features.topics import seed_topics
    from kaiku.watch.ingest.pipeline import due_sources, poll_sources
    from kaiku.watch.models import Item, ItemTopic, Source

    urls: list[str] = plan["urls"]
    rows = []
    for n, follows in enumerate(plan["follows"]):
        org = Organisation.objects.create(name=f"Jäsen {n} ry", slug=f"jasen-{n}")
        seed_topics(org)
        rows += [Source(organisation=org, kind="feed", url=urls[f]) for f in follows]
    Source.objects.bulk_create(rows, batch_size=1000)
    share = mode == "new"
    polls = []
    with ChildPeaks() as children:
        for _poll in range(2):
            Source.objects.update(next_poll_at=timezone.now())
            hits_before = _hits(hits_file)
            items_before = Item.objects.count()
            started = time.perf_counter()
            summary = poll_sources(
                list(due_sources()), workers=workers, share_fetches=share, processes=None
            )
            polls.append(
                {
                    "seconds": time.perf_counter() - started,
                    "requests": _hits(hits_file) - hits_before,
                    "reads": summary.reads,
                    "sources": summary.sources,
                    "not_modified": summary.not_modified,
                    "errors": len(summary.errors),
                    "new": Item.objects.count() - items_before,
                }
            )
    return {
        "polls": polls,
        "peak_mb": peak_mb(),
        "children_mb": children.total_mb,
        "topic_links": ItemTopic.objects.count(),
        "cpu": sum(
            getattr(resource.getrusage(who), field)
            for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
            for field in ("ru_utime", "ru_stime")
        ),
    }


def _hits(hits_file: str) -> int:
    """The feed server's request count, which the parent process writes on request."""
    request = Path(hits_file + ".ask")
    request.write_text("?")
    while request.exists():
        time.sleep(0.01)
    return int(Path(hits_file).read_text())


def child(mode: str, plan_file: str, workers: int, hits_file: str) -> None:
    plan = json.loads(Path(plan_file).read_text())
    with tempfile.TemporaryDirectory(prefix=f"bench-shared-{mode}-") as data_dir:
        result = run_mode(mode, plan, data_dir, workers, hits_file)
    print("RESULT " + json.dumps(result))


def spawn(mode: str, plan_file: str, workers: int, server: Any) -> dict[str, Any]:
    hits_file = plan_file + f".{mode}.hits"
    process = subprocess.Popen(
        [
            *(sys.executable, __file__, "--child", mode, "--plan", plan_file),
            *("--workers", str(workers), "--hits", hits_file),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    ask = Path(hits_file + ".ask")
    while process.poll() is None:  # answer the child's questions for the request count
        if ask.exists():
            Path(hits_file).write_text(str(sum(server.hits.values())))
            ask.unlink()
        time.sleep(0.01)
    out, err = process.communicate()
    return result_of(mode, out, err)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orgs", type=int, default=60)
    parser.add_argument("--follows", type=int, default=100)
    parser.add_argument("--pool", type=int, default=2000)
    parser.add_argument("--items", type=int, default=5)
    parser.add_argument("--workers", type=int, default=24)
    parser.add_argument("--modes", default="old,new")
    parser.add_argument("--child")
    parser.add_argument("--plan")
    parser.add_argument("--hits")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.plan, args.workers, args.hits)
        return

    rng = random.Random(20261207)
    server, urls = serve_feeds(rng, args.pool, args.items, etags=True)
    follows = [sorted(rng.sample(range(args.pool), args.follows)) for _ in range(args.orgs)]
    distinct = len({f for chosen in follows for f in chosen})
    print(
        f"{args.orgs} organisations x {args.follows} feeds from a pool of {args.pool} "
        f"({distinct} distinct addresses followed), {args.items} items a feed; "
        f"{args.orgs * args.follows} sources; {os.cpu_count()} CPUs"
    )
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump({"urls": urls, "follows": follows}, handle)
    try:
        for mode in args.modes.split(","):
            result = spawn(mode, handle.name, args.workers, server)
            label = "old (one fetch per source)" if mode == "old" else "new (one per address)"
            print(f"{label}:")
            for n, poll in enumerate(result["polls"], 1):
                print(
                    f"  poll {n}: {poll['requests']} requests ({poll['reads']} reads) for "
                    f"{poll['sources']} sources, {poll['not_modified']} not modified, "
                    f"{poll['new']} items stored, {poll['errors']} errors, "
                    f"{poll['seconds']:.1f} s"
                )
            print(
                f"  peak RSS {result['peak_mb'] + result['children_mb']:.0f} MB "
                f"(main {result['peak_mb']:.0f} MB + parse processes "
                f"{result['children_mb']:.0f} MB); CPU {result['cpu']:.0f} s; "
                f"topic links {result['topic_links']}"
            )
    finally:
        Path(handle.name).unlink()
        server.stop()


if __name__ == "__main__":
    main()
