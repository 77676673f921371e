"""Items kept from flawed feeds: Kaiku against feedparser and ``reader``, on the same files.

    .venv/bin/python bench/watch_recovery.py [--all]

The cases are the recovery part of the project's hostile-feed corpus
(``tests.watch.corpus_gen.recovery_cases``: every flaw of issue 16), or with ``--all`` the
whole corpus that has a body. For each it prints the items kept by

- Kaiku: the feed's bytes as the fetch delivers them (cut at the 5 MB cap, as a fetch would),
  parsed, prepared and merged by the store's rule (``read_body``, ``prepare``, ``_dedupe``);
- feedparser on the whole file, and on the bytes Kaiku's fetch keeps (for a file over the cap);
- reader (``pip install reader``, a dev dependency), which parses with feedparser and merges
  entries by id, on the whole file;

and for the dated case how many items kept their date. ``test_recovery_vs_feedparser.py``
asserts Kaiku >= feedparser on the same bytes.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django

django.setup()

import feedparser  # noqa: E402

from kaiku.watch.errors import WatchError  # noqa: E402
from kaiku.watch.fetch import MAX_BYTES  # noqa: E402
from kaiku.watch.ingest.prepare import prepare  # noqa: E402
from kaiku.watch.ingest.store import _dedupe  # noqa: E402
from kaiku.watch.sources import FeedBody, PollResult, read_body  # noqa: E402
from tests.watch.corpus_gen import Case, cases, recovery_cases  # noqa: E402


def kaiku_kept(body: bytes, *, cap: int = MAX_BYTES) -> tuple[int, int, str]:
    """Items kept, items with a date, and the problem code ("" when none)."""
    cut = len(body) > cap
    result = PollResult(body=FeedBody(body[:cap], truncated_at=cap if cut else 0))
    try:
        result = read_body(result)
    except WatchError as exc:
        return 0, 0, exc.code
    items = _dedupe(prepare(result.entries, source_id=1, platform="feed", matcher=None))
    dated = sum(1 for item in items if item.published_at is not None)
    return len(items), dated, result.problem.code if result.problem else ""


def feedparser_kept(body: bytes) -> tuple[int, int]:
    parsed = feedparser.parse(body)
    dated = sum(1 for e in parsed.entries if e.get("published_parsed") or e.get("updated_parsed"))
    return len(parsed.entries), dated


def reader_kept(path: Path) -> int | str:
    try:
        from reader import make_reader
    except ImportError:
        return "-"
    reader = make_reader(":memory:", feed_root=str(path.parent))
    try:
        reader.add_feed(path.name)
        reader.update_feeds()
        return int(reader.get_entry_counts().total or 0)
    except Exception as exc:  # reader's own failure is a result here, not a crash
        return f"err:{type(exc).__name__}"
    finally:
        reader.close()


def compare(selected: list[Case]) -> list[tuple[str, int, int, int, int | str]]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for case in selected:
            path = Path(tmp) / case.name
            path.write_bytes(case.body)
            kept, kdated, code = kaiku_kept(case.body)
            full, fdated = feedparser_kept(case.body)
            capped, _ = feedparser_kept(case.body[:MAX_BYTES])
            rows.append((case.name, kept, full, capped, reader_kept(path)))
            note = (
                f" dated: kaiku {kdated}, feedparser {fdated}"
                if case.name == "odd_dates.xml"
                else ""
            )
            print(
                f"{case.name:34} kaiku {kept:5}  feedparser {full:5} (same bytes {capped:5})"
                f"  reader {rows[-1][4]!s:>5}  {code}{note}"
            )
    return rows


def main() -> None:
    logging.getLogger("reader").setLevel(logging.CRITICAL)  # its parse errors are results here
    parser = argparse.ArgumentParser()
    parser.add_argument("--all", action="store_true", help="the whole corpus, not only recovery")
    args = parser.parse_args()
    selected = [c for c in cases() if c.body] if args.all else recovery_cases()
    started = time.monotonic()
    rows = compare(selected)
    fewer = [name for name, kept, _full, capped, _r in rows if kept < capped]
    print(
        f"\n{len(rows)} cases in {time.monotonic() - started:.1f} s; Kaiku kept "
        f"{sum(r[1] for r in rows)} items, feedparser {sum(r[2] for r in rows)} "
        f"({sum(r[3] for r in rows)} on the bytes under the cap), reader "
        f"{sum(r[4] for r in rows if isinstance(r[4], int))}"
    )
    print("Kaiku kept fewer than feedparser on the same bytes:", ", ".join(fewer) or "none")


if __name__ == "__main__":
    main()
