"""Comparing a part's text with the post X shows back, for reconciliation.

X changes a post on the way in, so the text it returns is not the text sent:

* every link becomes a ``https://t.co/…`` link; ``entities.urls`` maps each back to its
  ``expanded_url`` (https://docs.x.com/x-api/fundamentals/data-dictionary, entities);
* attached media add one more t.co link at the end, whose entity has a ``media_key`` and a
  ``display_url`` of ``pic.x.com/…``;
* ``&``, ``<`` and ``>`` come back as HTML entities (observed in API answers; the data
  dictionary does not say so, so unescaping is done and is harmless when X does not escape);
* a reply to someone else's post may start with the ``@name`` it answers.

Both sides are reduced to a *skeleton* (NFC, every link replaced by one marker, whitespace
runs as one space) and the list of link targets (scheme, ``www.`` and a trailing slash
dropped, host in lower case). They match when both are equal.

X decides by its own rules (twitter-text) what is a link: an address whose top-level domain
X does not know stays plain text. So a span of the sent text counts as a link only when X
made a link of that address; otherwise it is compared as the text it is.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

from kaiku.channels.x.models import Tweet
from kaiku.language.text import url_spans

LINK = "\u27e6link\u27e7"  # a marker no user text contains by accident
_TCO = re.compile(r"https?://t\.co/[A-Za-z0-9]+")
_LEADING_MENTIONS = re.compile(r"^(?:@\w{1,15}\s+)+")


@dataclass(frozen=True)
class Comparable:
    skeleton: str
    links: tuple[str, ...]


def normalise_url(url: str) -> str:
    raw = url.strip()
    if "://" not in raw:
        raw = f"http://{raw}"
    parts = urlsplit(raw)
    host = (parts.hostname or "").lower().removeprefix("www.")
    port = f":{parts.port}" if parts.port else ""
    path = parts.path.rstrip("/")
    query = f"?{parts.query}" if parts.query else ""
    return f"{host}{port}{path}{query}"


def _skeleton(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def local(text: str, linked: frozenset[str] | None = None) -> Comparable:
    """The text as Kaiku sends it; with ``linked``, only addresses among those (normalised)
    count as links."""
    links: list[str] = []
    chunks: list[str] = []
    last = 0
    for start, end in url_spans(text):
        if linked is not None and normalise_url(text[start:end]) not in linked:
            continue
        chunks.append(text[last:start])
        chunks.append(LINK)
        links.append(normalise_url(text[start:end]))
        last = end
    chunks.append(text[last:])
    return Comparable(_skeleton("".join(chunks)), tuple(links))


def remote(tweet: Tweet, *, strip_reply_mentions: bool = False) -> Comparable:
    """The post as X returns it (see the module docstring)."""
    by_url = {u.url: u for u in tweet.urls}
    pattern = re.compile(
        "|".join([*(re.escape(u) for u in sorted(by_url, key=len, reverse=True)), _TCO.pattern])
    )
    links: list[str] = []

    def replace(match: re.Match[str]) -> str:
        entity = by_url.get(match.group(0))
        if entity is not None and entity.is_media:
            return ""
        links.append(normalise_url(entity.expanded_url) if entity else match.group(0))
        return LINK

    text = pattern.sub(replace, tweet.text)
    text = html.unescape(text)
    if strip_reply_mentions:
        text = _LEADING_MENTIONS.sub("", text)
    return Comparable(_skeleton(text), tuple(links))


def matches(tweet: Tweet, sent: str) -> bool:
    got = remote(tweet, strip_reply_mentions=not sent.lstrip().startswith("@"))
    return got == local(sent, frozenset(got.links))
