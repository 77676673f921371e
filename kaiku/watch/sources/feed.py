"""RSS 2.0, RSS 1.0, Atom and JSON Feed addresses (one kind: the parser tells them apart)."""

from __future__ import annotations

from kaiku.watch.errors import SourceRefused, WatchError
from kaiku.watch.fetch import check_url
from kaiku.watch.parse import looks_like_html, parse_feed
from kaiku.watch.sources import NewSource, PollContext, PollResult, SourceSnapshot


def poll_feed_url(source: SourceSnapshot, ctx: PollContext) -> PollResult:
    fetched = ctx.fetcher.get(source.url, etag=source.etag, last_modified=source.last_modified)
    if fetched.not_modified:
        return PollResult(
            not_modified=True,
            etag=fetched.etag or source.etag,
            last_modified=fetched.last_modified or source.last_modified,
        )
    try:
        parsed = parse_feed(fetched.content, charset=fetched.charset)
    except WatchError as exc:
        if exc.code == "not_a_feed" and looks_like_html(fetched.content):
            raise WatchError("not_a_feed", permanent=True) from None
        raise
    return PollResult(
        entries=parsed.entries,
        etag=fetched.etag,
        last_modified=fetched.last_modified,
        title=parsed.title,
        site_url=parsed.site_url,
        moved_to=fetched.permanent_url,
        problem=parsed.problem,
    )


class FeedSource:
    kind = "feed"
    platform = "feed"

    def normalise(self, value: str) -> NewSource:
        url = value.strip()
        try:
            check_url(url)
        except WatchError as exc:
            raise SourceRefused(exc.code, permanent=True, **exc.params) from None
        return NewSource(self.kind, url)

    def poll(self, source: SourceSnapshot, ctx: PollContext) -> PollResult:
        return poll_feed_url(source, ctx)

    def feed_url(self, url: str, identifier: str) -> str:
        return url
