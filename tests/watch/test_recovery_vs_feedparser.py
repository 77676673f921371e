"""On every flawed feed of the recovery corpus, Kaiku keeps at least as many items as feedparser
(an independent parser) keeps from the same bytes, and at least as many dates."""

from __future__ import annotations

import feedparser
import pytest

from kaiku.watch.errors import WatchError
from kaiku.watch.fetch import MAX_BYTES
from kaiku.watch.ingest.prepare import prepare
from kaiku.watch.ingest.store import _dedupe
from kaiku.watch.sources import FeedBody, PollResult, read_body
from tests.watch.corpus_gen import Case, recovery_cases

CASES = recovery_cases()


def _kaiku(body: bytes) -> tuple[int, int]:
    cut = len(body) > MAX_BYTES
    result = PollResult(body=FeedBody(body[:MAX_BYTES], truncated_at=MAX_BYTES if cut else 0))
    try:
        result = read_body(result)
    except WatchError:
        return 0, 0
    items = _dedupe(prepare(result.entries, source_id=1, platform="feed", matcher=None))
    return len(items), sum(1 for item in items if item.published_at is not None)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_kaiku_keeps_at_least_what_feedparser_keeps_from_the_same_bytes(case: Case) -> None:
    # The same bytes: what Kaiku's fetch delivers, cut at the size cap that bounds memory.
    body = case.body[:MAX_BYTES]
    theirs = feedparser.parse(body).entries
    kept, dated = _kaiku(case.body)
    assert kept >= len(theirs), case.name
    assert kept >= (case.recover or 0), case.name
    their_dates = sum(1 for e in theirs if e.get("published_parsed") or e.get("updated_parsed"))
    assert dated >= their_dates, case.name
