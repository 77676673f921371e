"""What a typed address is: a feed, a page that links to feeds, or a platform account.

Feed discovery follows the RSS autodiscovery convention: ``<link rel="alternate"
type="application/rss+xml|application/atom+xml|application/feed+json" href="…">`` in a page's
head, resolved against the page (and its ``<base href>``).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin

from kaiku.watch.errors import SourceRefused, WatchError
from kaiku.watch.fetch import Fetcher
from kaiku.watch.ingest.parse import decode, looks_like_html, parse_feed

FEED_TYPES = {
    "application/rss+xml": "RSS",
    "application/atom+xml": "Atom",
    "application/feed+json": "JSON Feed",
    "application/json": "JSON Feed",
    "application/rdf+xml": "RSS 1.0",
}


@dataclass(frozen=True, slots=True)
class DiscoveredFeed:
    url: str
    title: str
    format: str


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base = ""
        self.found: list[tuple[str, str, str]] = []  # href, type, title
        self.done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.done:
            return
        values = {k.lower(): (v or "") for k, v in attrs}
        if tag == "base" and values.get("href") and not self.base:
            self.base = values["href"]
        elif tag == "link":
            rels = values.get("rel", "").lower().split()
            kind = values.get("type", "").lower().split(";")[0].strip()
            if "alternate" in rels and kind in FEED_TYPES and values.get("href"):
                self.found.append((values["href"], kind, values.get("title", "")))
        elif tag == "body":
            self.done = True


def feeds_in_html(page: str, page_url: str) -> list[DiscoveredFeed]:
    parser = _LinkParser()
    with contextlib.suppress(ValueError, AssertionError):
        parser.feed(page[:500_000])
    base = urljoin(page_url, parser.base) if parser.base else page_url
    out: dict[str, DiscoveredFeed] = {}
    for href, kind, title in parser.found:
        url = urljoin(base, href.strip())
        if url.startswith(("http://", "https://")) and url not in out:
            out[url] = DiscoveredFeed(url, title.strip()[:300], FEED_TYPES[kind])
    return list(out.values())


def discover(url: str, fetcher: Fetcher) -> list[DiscoveredFeed]:
    """The feed at ``url`` itself, or the feeds its HTML page links to (first one first)."""
    try:
        fetched = fetcher.get(url)
    except WatchError as exc:
        raise SourceRefused(exc.code, **exc.params) from None
    if not looks_like_html(fetched.content):
        try:
            feed = parse_feed(fetched.content, charset=fetched.charset)
        except WatchError as exc:
            raise SourceRefused(exc.code, **exc.params) from None
        return [DiscoveredFeed(fetched.url, feed.title, feed.format)]
    found = feeds_in_html(decode(fetched.content, fetched.charset), fetched.url)
    if not found:
        raise SourceRefused("no_feed_found")
    return found
