"""Making outside HTML safe to show, and the plain text, links and keys derived from it.

HTML goes through nh3 (ammonia, in Rust): an allow-list of tags and attributes, http/https/
mailto links only, ``rel="noopener nofollow noreferrer"`` on every link, and the contents of
script and style dropped. Nothing from a feed is stored or shown before this.
"""

from __future__ import annotations

import functools
import hashlib
import html
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import nh3

SUMMARY_MAX_CHARS = 100_000
TEXT_MAX_CHARS = 20_000
TITLE_MAX_CHARS = 500

_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "em", "figcaption", "figure", "h1", "h2",
    "h3", "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "q", "s", "small",
    "span", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "abbr": {"title"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
_SCHEMES = {"http", "https", "mailto"}
# Code points that are never text a reader should get from a feed: C0 controls (but tab, line
# feed and carriage return, which are whitespace), DEL, C1 controls, zero-width characters,
# bidi embeddings, overrides and isolates (a title can reorder the text around it with them:
# "Trojan Source"), the Arabic letter mark, the Mongolian vowel separator, deprecated format
# characters, interlinear annotation marks, the byte-order mark used as a zero-width space,
# lone surrogates (a JSON Feed can spell them, "\ud800", and no database stores them) and the
# non-characters U+FFFE and U+FFFF.
# Right-to-left text itself is kept: the templates isolate each title and name (dir="auto",
# <bdi>), so a real Arabic or Hebrew title shows right without any control character stored.
INVISIBLE = (
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\ud800-\udfff\ufeff\ufff9-\ufffb\ufffe\uffff"
)
_INVISIBLE_RE = re.compile(f"[{INVISIBLE}]")
# The same but for the controls Python counts as whitespace (\x1c-\x1f, \x85; \x0b and \x0c),
# for text that is squashed anyway: there they become a space, as every other whitespace.
# (One plain character class: the regex engine scans it much faster than a lookahead.)
_INVISIBLE_TEXT_RE = re.compile(
    "[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\u061c\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\ud800-\udfff\ufeff\ufff9-\ufffb\ufffe\uffff]"
)
_TAG_RE = re.compile(r"<[^>]*>")
_HREF_RE = re.compile(r'<a\s[^>]*?href="([^"]+)"')
_TRACKING = re.compile(
    r"^(?:utm_\w+|fbclid|gclid|dclid|gbraid|wbraid|msclkid|yclid|mc_cid|mc_eid|igshid|_hsenc"
    r"|_hsmi|mkt_tok|ref_src|ref_url|cmpid|ocid|spm|si|s_cid|trk|trkCampaign)$",
    re.IGNORECASE,
)
_MASTODON_MENTION = re.compile(
    r"(?<![\w@/])@([A-Za-z0-9_]{1,30})@([a-z0-9-]+(?:\.[a-z0-9-]+)+)", re.IGNORECASE
)
_BSKY_MENTION = re.compile(
    r"(?<![\w@/])@([a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:bsky\.social|[a-z]{2,}))\b", re.IGNORECASE
)
_BARE_URL = re.compile(r"https?://[^\s<>\"']+")
_PROFILE_LINKS = (
    (re.compile(r"^https?://bsky\.app/profile/([^/?#]+)/?$"), "bluesky"),
    (re.compile(r"^https?://(?:www\.)?(?:x|twitter)\.com/([A-Za-z0-9_]{1,15})/?$"), "x"),
    (re.compile(r"^https?://(?:www\.)?youtube\.com/channel/(UC[\w-]{22})/?$"), "youtube"),
    (re.compile(r"^https?://([a-z0-9.-]+\.[a-z]{2,})/@([A-Za-z0-9_]{1,30})/?$"), "mastodon"),
)


def _cleaner(**options: Any) -> Callable[[str], str]:
    """A reusable nh3 sanitiser. ``nh3.Cleaner`` builds the allow-lists once; ``nh3.clean``
    converts them from Python sets on every call, which took more than half of its time."""
    cleaner = getattr(nh3, "Cleaner", None)  # in recent nh3 (0.3 has it); older: nh3.clean
    if cleaner is None:
        return functools.partial(nh3.clean, **options)
    clean: Callable[[str], str] = cleaner(**options).clean
    return clean


_clean = _cleaner(
    tags=_TAGS,
    attributes=_ATTRIBUTES,
    url_schemes=_SCHEMES,
    link_rel="noopener nofollow noreferrer",
    strip_comments=True,
)
_strip_tags = _cleaner(tags=set())


def visible(value: str) -> str:
    """``value`` without the invisible and control code points of ``INVISIBLE``."""
    return _INVISIBLE_RE.sub("", value)


def clean_html(raw: str) -> str:
    """Sanitised HTML, safe to store and show, without invisible or control characters."""
    if not raw:
        return ""
    if len(raw) > SUMMARY_MAX_CHARS * 2:
        raw = raw[: SUMMARY_MAX_CHARS * 2]
    cleaned = _clean(raw)
    if len(cleaned) > SUMMARY_MAX_CHARS:
        # Cut on a tag boundary and let nh3 close what was left open.
        cut = cleaned.rfind("<", 0, SUMMARY_MAX_CHARS)
        cleaned = _clean(cleaned[: cut if cut > 0 else SUMMARY_MAX_CHARS])
    # After nh3, which decodes character references: "&#x202E;" is a literal override by now.
    return _INVISIBLE_RE.sub("", cleaned)


def text_of(cleaned_html: str, limit: int = TEXT_MAX_CHARS) -> str:
    """Plain text of already sanitised HTML: tags become spaces, entities are decoded."""
    if not cleaned_html:
        return ""
    text = html.unescape(_TAG_RE.sub(" ", cleaned_html))
    if "&" in cleaned_html:  # an entity may have spelled an invisible character
        text = _INVISIBLE_TEXT_RE.sub("", text)
    return _squash(text)[:limit]


def _squash(text: str) -> str:
    """Runs of whitespace as one space, trimmed. ``str.split`` knows the same whitespace as
    ``\\s`` and is several times faster than a regex substitution."""
    return " ".join(text.split())


def plain(value: str, limit: int = TITLE_MAX_CHARS) -> str:
    """A one-line plain string from text that may hold markup or entities (titles, names)."""
    if not value:
        return ""
    if "<" in value or "&" in value:
        # Entities can spell control characters too (&#x202E;), so clean after decoding.
        value = html.unescape(_TAG_RE.sub(" ", _strip_tags(value)))
    return _squash(_INVISIBLE_TEXT_RE.sub("", value))[:limit]


def links_in(cleaned_html: str, limit: int = 50) -> list[str]:
    out: dict[str, None] = {}
    for match in _HREF_RE.finditer(cleaned_html):
        out[html.unescape(match.group(1))] = None
        if len(out) >= limit:
            break
    return list(out)


# The usual feed link: http(s), a plain host name, a path without spaces or control
# characters, and a query of plain name=value pairs. For these, ``canonical_url`` can skip
# urlsplit, parse_qsl and urlencode: unquoting and quoting leave such names and values as
# they are. Anything else takes the general way below (tests/watch/test_fast_paths.py).
_PLAIN_URL = re.compile(
    r"https?://([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.?)(/[^?#\s\x00-\x1f\x7f]*)?"
    r"(?:\?((?:[\w.~-]*(?:=[\w.~-]*)?)(?:&[\w.~-]*(?:=[\w.~-]*)?)*))?"
    r"(?:#[^\s\x00-\x1f\x7f]*)?",
    re.ASCII,
)


def canonical_url(url: str) -> str:
    """The URL without tracking parameters, fragment, default port or case differences."""
    if not url:
        return ""
    url = url.strip()
    plain_url = _PLAIN_URL.fullmatch(url)
    if plain_url is not None:
        host, path, query = plain_url.groups()
        host = host.lower().rstrip(".")
        pairs = [pair.partition("=")[::2] for pair in query.split("&") if pair] if query else []
        kept = "&".join(f"{k}={v}" for k, v in sorted(pairs) if not _TRACKING.match(k))
        return f"https://{host}{path or '/'}" + (f"?{kept}" if kept else "")
    return _canonical_url(url)


def _canonical_url(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return ""
    scheme = parts.scheme.lower()
    host = parts.hostname.lower().rstrip(".")
    try:
        port = parts.port
    except ValueError:
        return ""
    netloc = host if port in (None, 80 if scheme == "http" else 443) else f"{host}:{port}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    kept = sorted((k, v) for k, v in query if not _TRACKING.match(k))
    path = parts.path or "/"
    return urlunsplit(("https" if scheme == "http" else scheme, netloc, path, urlencode(kept), ""))


def content_hash(title: str, text: str, *, squashed: bool = False) -> str:
    """A hash of the normalised title and text; "" when there is too little to tell apart.

    ``squashed``: the caller's title and text are already ``_squash``ed (or a prefix of
    such a text), so only the ends can hold a space, and the hash is the same without
    splitting the text again."""
    joined = f"{title} {text[:4000]}".lower()
    basis = joined.strip(" ") if squashed else _squash(joined)
    if len(basis) < 40:
        return ""
    return merge_key(basis)


# Merge keys are the first 64 bits of a SHA-256, in hex. Short keys keep the two merge
# indexes small: with the full 256 bits, their upkeep was about half the cost of inserting
# an item. Two different items of one organisation share a key by chance with a
# probability of about n²/2⁶⁵ (below one in ten million at a million items).
MERGE_KEY_CHARS = 16


def merge_key(value: str) -> str:
    """The merge key of a canonical URL or a normalised text; "" for ""."""
    if not value:
        return ""
    return hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()[:MERGE_KEY_CHARS]


def mentioned_accounts(text: str, links: list[str]) -> list[str]:
    """``platform:handle`` for accounts named in the text or linked to, for discovery."""
    out: dict[str, None] = {}
    if "@" in text:
        for user, host in _MASTODON_MENTION.findall(text):
            out[f"mastodon:{user.lower()}@{host.lower()}"] = None
        for handle in _BSKY_MENTION.findall(text):
            if handle.lower().endswith(".bsky.social"):
                out[f"bluesky:{handle.lower()}"] = None
    bare_urls = [u.rstrip(".,;:!?)") for u in _BARE_URL.findall(text)] if "://" in text else []
    for link in [*links, *bare_urls]:
        for pattern, platform in _PROFILE_LINKS:
            match = pattern.match(link)
            if match is None:
                continue
            if platform == "mastodon":
                out[f"mastodon:{match.group(2).lower()}@{match.group(1).lower()}"] = None
            else:
                out[f"{platform}:{match.group(1)}"] = None
            break
    return list(out)[:100]
