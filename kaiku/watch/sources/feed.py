"""RSS 2.0, RSS 1.0, Atom and JSON Feed addresses (one kind: the parser tells them apart)."""

from __future__ import annotations

import re

from django.utils.translation import gettext_noop

from kaiku.watch.errors import SourceRefused, WatchError
from kaiku.watch.fetch import check_url
from kaiku.watch.sources import (
    FeedBody,
    NewSource,
    PollContext,
    PollResult,
    SourceSnapshot,
)


def fetch_feed_url(source: SourceSnapshot, ctx: PollContext, author_handle: str = "") -> PollResult:
    """Fetch the feed; the result carries the body for ``read_body`` (or says 304)."""
    fetched = ctx.fetcher.get(
        source.url, etag=source.etag, last_modified=source.last_modified, partial_ok=True
    )
    if fetched.not_modified:
        return PollResult(
            not_modified=True,
            etag=fetched.etag or source.etag,
            last_modified=fetched.last_modified or source.last_modified,
        )
    return PollResult(
        body=FeedBody(
            fetched.content,
            fetched.charset,
            author_handle,
            truncated_at=ctx.fetcher.limit if fetched.truncated else 0,
        ),
        etag=fetched.etag,
        last_modified=fetched.last_modified,
        moved_to=fetched.permanent_url,
    )


class FeedSource:
    kind = "feed"
    label = gettext_noop("RSS, Atom or JSON Feed")
    # What add_source recognises as this kind when no kind is chosen.
    prefixes: tuple[str, ...] = ()
    patterns: tuple[re.Pattern[str], ...] = ()
    platform = "feed"

    def normalise(self, value: str) -> NewSource:
        url = value.strip()
        try:
            check_url(url)
        except WatchError as exc:
            raise SourceRefused(exc.code, permanent=True, **exc.params) from None
        return NewSource(self.kind, url)

    def poll(self, source: SourceSnapshot, ctx: PollContext) -> PollResult:
        return fetch_feed_url(source, ctx)

    def feed_url(self, url: str, identifier: str) -> str:
        return url
