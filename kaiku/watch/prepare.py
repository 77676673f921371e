"""Parsing, sanitising and analysing entries into rows-to-be: pure Python, no database, no
Django setup.

Runs in fetch threads, or in worker processes (``poll_sources(processes=N)``) when there are
many sources and cores: it is the CPU-heavy part of ingesting.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from kaiku.watch.analysis import TopicMatcher, analyse
from kaiku.watch.parse import Entry
from kaiku.watch.sanitize import (
    canonical_url,
    clean_html,
    content_hash,
    links_in,
    mentioned_accounts,
    merge_key,
    plain,
    text_of,
)
from kaiku.watch.sources import PollResult, read_body

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
