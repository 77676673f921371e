"""Parsing, sanitising and analysing entries into rows-to-be: pure Python, no database, no
Django setup.

Runs in fetch threads, or in worker processes (``poll_sources(processes=N)``) when there are
many sources and cores: it is the CPU-heavy part of ingesting.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import operator
import os
import pickle
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime, timedelta

from kaiku.watch.ingest.analysis import TopicMatcher, analyse, text_lemmas
from kaiku.watch.ingest.body import PollResult, read_body
from kaiku.watch.ingest.parse import Entry
from kaiku.watch.ingest.sanitize import (
    canonical_url,
    clean_html,
    content_hash,
    links_in,
    mentioned_accounts,
    merge_key,
    plain,
    text_of,
)

GUID_MAX = 500


@dataclass(slots=True)
class PreparedItem:
    guid: str
    url: str
    canonical_url: str
    url_hash: str
    content_hash: str
    title: str
    summary_html: str
    text: str
    author_name: str
    author_handle: str
    platform: str
    language: str
    published_at: datetime | None
    engagement: dict[str, int]
    lemmas: str
    stigma_findings_count: int
    mentioned_accounts: list[str]
    links: list[str]
    topic_scores: dict[int, float]

    @property
    def engagement_total(self) -> int:
        return sum(v for v in self.engagement.values() if isinstance(v, int) and v > 0)


_FIELDS = tuple(f.name for f in fields(PreparedItem))


def merge_guid(entry: Entry, source_id: int) -> str:
    guid = entry.guid.strip()
    key = guid if entry.global_guid else f"{source_id}:{guid}"
    if len(key) > GUID_MAX:
        key = "sha256:" + hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()
    return key


def prepare_one(
    entry: Entry, *, source_id: int, platform: str, matcher: TopicMatcher | None
) -> PreparedItem:
    summary = clean_html(entry.html)
    text = plain(entry.text, 20_000) if entry.text else text_of(summary)
    title = plain(entry.title)
    url = entry.url if entry.url.startswith(("http://", "https://")) else ""
    links = list(dict.fromkeys([*entry.links, *links_in(summary)]))[:50]
    result = analyse(title, text, matcher=matcher, hint=entry.language)
    mentions = list(dict.fromkeys([*entry.mentions, *mentioned_accounts(text, links)]))[:100]
    canonical = canonical_url(url)[:2000]
    return PreparedItem(
        guid=merge_guid(entry, source_id),
        url=url[:2000],
        canonical_url=canonical,
        url_hash=merge_key(canonical),
        content_hash=content_hash(title, text, squashed=True),
        title=title,
        summary_html=summary,
        text=text,
        author_name=plain(entry.author_name, 300),
        author_handle=plain(entry.author_handle, 300),
        platform=platform,
        language=result.language,
        published_at=entry.published,
        engagement={k: v for k, v in entry.engagement.items() if isinstance(v, int)},
        lemmas=result.lemmas,
        stigma_findings_count=result.stigma_findings,
        mentioned_accounts=mentions,
        links=links,
        topic_scores=result.topic_scores,
    )


def prepare(
    entries: Iterable[Entry], *, source_id: int, platform: str, matcher: TopicMatcher | None
) -> list[PreparedItem]:
    return [
        prepare_one(e, source_id=source_id, platform=platform, matcher=matcher) for e in entries
    ]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_WHEN = _FIELDS.index("published_at")
_ROW = operator.attrgetter(*_FIELDS)  # an item's fields as a tuple, in one call


def pack(items: list[PreparedItem]) -> bytes:
    """Prepared items as bytes for the trip from a worker process back to the writer.

    Each item goes as a tuple of its fields (str, int, float, dict, list or None), which
    ``pickle`` writes and reads several times faster than it handles the dataclasses (and
    writes about twice as fast as ``marshal``: 1.3 against 2.9 µs an item of 2.4 KB, read as
    fast); the time is carried as whole microseconds since 1970 (UTC), exactly. Only for a
    process of the same program: the bytes are never read from anywhere else."""
    rows = []
    for item in items:
        row = list(_ROW(item))
        when = row[_WHEN]
        row[_WHEN] = None if when is None else (when - _EPOCH) // _MICROSECOND
        rows.append(row)
    return pickle.dumps(rows, protocol=pickle.HIGHEST_PROTOCOL)


def unpack(blob: bytes) -> list[PreparedItem]:
    items = []
    for packed in pickle.loads(blob):  # our own worker process's bytes (``pack``)
        row = list(packed)
        when = row[_WHEN]
        row[_WHEN] = None if when is None else _EPOCH + timedelta(microseconds=when)
        items.append(PreparedItem(*row))
    return items


def read_and_prepare(
    result: PollResult, *, source_id: int, platform: str, matcher: TopicMatcher | None
) -> tuple[PollResult, list[PreparedItem]]:
    """Parse the result's feed body (if any) and prepare its entries: all of a source's CPU
    work in one call, so a worker process does it in one round trip.

    The result comes back without its entries, which the caller no longer needs: only the
    prepared items travel back. Raises WatchError when the body is not a readable feed.
    """
    result = read_body(result)
    items = prepare(result.entries, source_id=source_id, platform=platform, matcher=matcher)
    result.entries = []
    return result, items


def read_and_prepare_packed(
    result: PollResult, *, source_id: int, platform: str, matcher: TopicMatcher | None
) -> tuple[PollResult, bytes]:
    """``read_and_prepare`` for a worker process: the items come back packed (see ``pack``)."""
    result, items = read_and_prepare(
        result, source_id=source_id, platform=platform, matcher=matcher
    )
    return result, pack(items)


def topic_scores(item: PreparedItem, matcher: TopicMatcher | None) -> dict[int, float]:
    """The matcher's topic scores for an item prepared without it: what ``analyse`` gives
    with the matcher, from the item's stored lemmas and its title's (cached words, cheap)."""
    if not matcher:
        return {}
    title_lemmas = text_lemmas(item.title, item.language) if item.title else []
    return matcher.match(item.lemmas.split(), title_lemmas)


# Per source of a shared fetch: its merge guids and its organisation's topic scores, in the
# order of the shared items.
SourceKeys = tuple[list[str], list[dict[int, float]]]


def read_and_prepare_shared(
    result: PollResult,
    *,
    source_ids: Sequence[int],
    platform: str,
    matchers: Sequence[TopicMatcher | None],
) -> tuple[PollResult, list[PreparedItem], list[SourceKeys]]:
    """One feed read for several sources (one per organisation that follows it): parse,
    sanitise and analyse once; only what is each source's own is made per source: the merge
    guid (a feed's local ids are keyed by source) and the organisation's topic scores."""
    result = read_body(result)
    entries, result.entries = result.entries, []
    items = prepare(entries, source_id=0, platform=platform, matcher=None)
    keys: list[SourceKeys] = [
        (
            [merge_guid(entry, source_id) for entry in entries],
            [topic_scores(item, matcher) for item in items],
        )
        for source_id, matcher in zip(source_ids, matchers, strict=True)
    ]
    return result, items, keys


def read_and_prepare_shared_packed(
    result: PollResult,
    *,
    source_ids: Sequence[int],
    platform: str,
    matchers: Sequence[TopicMatcher | None],
) -> tuple[PollResult, bytes, bytes]:
    """``read_and_prepare_shared`` for a worker process: items and keys packed for the trip."""
    result, items, keys = read_and_prepare_shared(
        result, source_ids=source_ids, platform=platform, matchers=matchers
    )
    return result, pack(items), marshal.dumps(keys)


def items_for_source(items: list[PreparedItem], keys: SourceKeys) -> list[PreparedItem]:
    """The shared items as one source's own: its guids and its topic scores (the rest of
    each item is shared, not copied)."""
    guids, scores = keys
    return [
        replace(item, guid=guid, topic_scores=score)
        for item, guid, score in zip(items, guids, scores, strict=True)
    ]


def lower_priority(niceness: int) -> None:
    """A worker process's initializer: run ``niceness`` steps below the process that started it."""
    with contextlib.suppress(AttributeError, OSError):  # no os.nice off Unix
        os.nice(niceness)
