"""What a typed address is: a feed, a page that links to feeds, or a platform account.

Feed discovery follows the RSS autodiscovery convention: ``<link rel="alternate"
type="application/rss+xml|application/atom+xml|application/feed+json" href="…">`` in a page's
head, resolved against the page (and its ``<base href>``).
"""

from __future__ import annotations

import contextlib
import re
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

_PREFIXES = {
    "mastodon:#": "mastodon_hashtag",
    "mastodon:": "mastodon_account",
    "bluesky-search:": "bluesky_search",
    "bluesky-list:": "bluesky_list",
    "bluesky:": "bluesky_account",
    "x-search:": "x_search",
    "x:": "x_account",
    "youtube:": "youtube",
}
_PATTERNS = (
    (re.compile(r"^https://bsky\.app/profile/[^/]+/lists/[a-z0-9]+/?$"), "bluesky_list"),
    (re.compile(r"^at://[^/]+/app\.bsky\.graph\.list/"), "bluesky_list"),
    (re.compile(r"^https://bsky\.app/profile/[^/?#]+/?$"), "bluesky_account"),
    (re.compile(r"^https?://(?:www\.|m\.)?youtube\.com/channel/UC"), "youtube"),
    (re.compile(r"^https?://(?:www\.)?youtube\.com/feeds/videos\.xml\?"), "youtube"),
    (re.compile(r"^https?://(?:www\.)?(?:x|twitter)\.com/[A-Za-z0-9_]{1,15}/?$"), "x_account"),
    (re.compile(r"^@?[A-Za-z0-9_]{1,30}@[a-z0-9.-]+\.[a-z]{2,}$", re.I), "mastodon_account"),
    # A Mastodon-style profile address (Medium uses the same form but is a feed site).
    (
        re.compile(r"^https?://(?!(?:www\.)?medium\.com/)[^/]+/@[A-Za-z0-9_]{1,30}/?$"),
        "mastodon_account",
    ),
    (re.compile(r"^#[^\s@]+@[a-z0-9.-]+\.[a-z]{2,}$", re.I), "mastodon_hashtag"),
)


def guess_kind(value: str) -> str:
    """The source kind a typed value names; "feed" for any other web address."""
    value = value.strip()
    for prefix, kind in _PREFIXES.items():
        if value.startswith(prefix):
            return kind
    for pattern, kind in _PATTERNS:
        if pattern.match(value):
            return kind
    return "feed"


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
