"""Post length per channel, counted the way each platform counts.

* X: twitter-text v3 weighting. Code points in U+0000-U+10FF, U+2000-U+200D, U+2010-U+201F
  and U+2032-U+2037 weigh 1, everything else 2; an emoji sequence weighs 2 however many code
  points it has; every URL weighs 23. Text is NFC-normalised first. Limit 280.
* Bluesky: 300 grapheme clusters (approximated here per UAX #29, without extra packages).
* Mastodon: 500 by default (instances differ: pass ``channel_limits``); each URL counts 23 and
  a remote mention ``@user@domain`` counts as ``@user``; counted in grapheme clusters.
* Threads: 500, code points, except that an emoji counts as its UTF-8 bytes (Threads posts
  guide, "Limitations": "Emojis are counted as the number of UTF-8 bytes").
* Instagram 2,200 (and at most 5 hashtags), Facebook 63,206: code points.
* LinkedIn: 3,000 code points after escaping the characters its "little text" format
  reserves (``| { } @ [ ] ( ) < > # \\ * _ ~``), each of which then takes two.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping

from .text import HASHTAG_RE, MENTION_RE, url_spans

LIMITS: dict[str, int] = {
    "x": 280,
    "bluesky": 300,
    "mastodon": 500,
    "threads": 500,
    "instagram": 2200,
    "linkedin": 3000,
    "facebook": 63206,
}
HASHTAG_LIMITS: dict[str, int] = {"instagram": 5}
URL_WEIGHT = 23
_LINKEDIN_ESCAPE = frozenset("|{}@[]()<>#\\*_~")
_X_LIGHT = ((0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))
_REMOTE_MENTION_RE = re.compile(r"(@[\w.]+)(@[a-z0-9-]+(?:\.[a-z0-9-]+)+)", re.I)


def channels() -> tuple[str, ...]:
    return tuple(LIMITS)


def limit(channel: str, channel_limits: Mapping[str, int] | None = None) -> int:
    """The character limit of ``channel`` (lowercase name), honouring overrides."""
    key = channel.lower()
    if channel_limits and key in channel_limits:
        return int(channel_limits[key])
    try:
        return LIMITS[key]
    except KeyError:
        raise ValueError(f"unknown channel {channel!r}; known: {', '.join(LIMITS)}") from None


# --- grapheme clusters --------------------------------------------------------------------

_ZWJ = 0x200D


def _is_extend(cp: int) -> bool:
    if cp == _ZWJ or 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF:
        return True
    if 0x1F3FB <= cp <= 0x1F3FF or 0xE0020 <= cp <= 0xE007F:  # skin tones, tag characters
        return True
    return unicodedata.category(chr(cp)) in ("Mn", "Me", "Mc")


def _is_ri(cp: int) -> bool:
    return 0x1F1E6 <= cp <= 0x1F1FF


def _hangul(cp: int) -> str:
    if 0x1100 <= cp <= 0x115F or 0xA960 <= cp <= 0xA97C:
        return "L"
    if 0x1160 <= cp <= 0x11A7 or 0xD7B0 <= cp <= 0xD7C6:
        return "V"
    if 0x11A8 <= cp <= 0x11FF or 0xD7CB <= cp <= 0xD7FB:
        return "T"
    if 0xAC00 <= cp <= 0xD7A3:
        return "LV" if (cp - 0xAC00) % 28 == 0 else "LVT"
    return ""


def graphemes(text: str) -> Iterator[tuple[int, int]]:
    """Spans of extended grapheme clusters: combining marks, ZWJ emoji sequences, flags
    (regional-indicator pairs), variation selectors, skin tones, keycaps, CR LF, Hangul."""
    n = len(text)
    i = 0
    while i < n:
        start = i
        cp = ord(text[i])
        i += 1
        if cp == 0x0D and i < n and text[i] == "\n":
            yield start, i + 1
            i += 1
            continue
        if _is_ri(cp) and i < n and _is_ri(ord(text[i])):
            i += 1
        h = _hangul(cp)
        while h and i < n:
            nh = _hangul(ord(text[i]))
            if (
                (h == "L" and nh in ("L", "V", "LV", "LVT"))
                or (h in ("LV", "V") and nh in ("V", "T"))
                or (h in ("LVT", "T") and nh == "T")
            ):
                h = nh
                i += 1
            else:
                break
        while i < n:
            c = ord(text[i])
            if c == _ZWJ:
                i += 1
                if i < n and not text[i].isspace():
                    i += 1  # the joined pictograph
                continue
            if _is_extend(c):
                i += 1
                continue
            break
        yield start, i


def grapheme_count(text: str) -> int:
    return sum(1 for _ in graphemes(text))


def _is_emoji_start(cp: int) -> bool:
    return (
        0x1F000 <= cp <= 0x1FAFF
        or 0x2600 <= cp <= 0x27BF
        or 0x2B00 <= cp <= 0x2BFF
        or 0x2190 <= cp <= 0x21FF
        or 0x2300 <= cp <= 0x23FF
        or cp in (0x00A9, 0x00AE, 0x203C, 0x2049, 0x2122, 0x2139, 0x3030, 0x303D, 0x3297, 0x3299)
    )


def is_emoji_cluster(cluster: str) -> bool:
    cp = ord(cluster[0])
    if _is_emoji_start(cp) or _is_ri(cp):
        return True
    # Keycaps (1️⃣) and text characters turned into emoji by VS16.
    return len(cluster) > 1 and ("\u20e3" in cluster or "\ufe0f" in cluster)


# --- per-channel segments ----------------------------------------------------------------


def _x_weight(cp: int) -> int:
    return 1 if any(lo <= cp <= hi for lo, hi in _X_LIGHT) else 2


def _segments(
    text: str, channel: str, url_weight: int | None = None
) -> Iterator[tuple[int, int, int]]:
    """(start, end, weight) covering ``text``; offsets index the original string. A Mastodon
    instance sets its own URL weight (``characters_reserved_per_url``)."""
    weight = URL_WEIGHT if url_weight is None else url_weight
    urls = url_spans(text) if channel in ("x", "mastodon") else []
    mentions: list[tuple[int, int, int]] = []
    if channel == "mastodon":
        for m in MENTION_RE.finditer(text):
            rm = _REMOTE_MENTION_RE.fullmatch(m.group(0))
            if rm is not None:
                local = len(rm.group(1))
                mentions.append((m.start(), m.end(), grapheme_count(rm.group(1)) if local else 0))
    specials = sorted([(s, e, weight) for s, e in urls] + mentions)
    pos = 0
    for s, e, w in specials:
        if s < pos:
            continue
        yield from _plain(text, pos, s, channel)
        yield s, e, w
        pos = e
    yield from _plain(text, pos, len(text), channel)


_SIMPLE_RE = re.compile(r"[\x00-\x0c\x0e-\u02ff]*")


def _plain(text: str, start: int, end: int, channel: str) -> Iterator[tuple[int, int, int]]:
    """Segments of plain text. A run of simple characters (no combining marks, emoji or CR)
    comes as one segment whose weight equals its length: one unit per character."""
    if start >= end:
        return
    if channel in ("bluesky", "mastodon", "x", "threads") and _SIMPLE_RE.fullmatch(
        text, start, end
    ):
        yield start, end, end - start
        return
    if channel in ("bluesky", "mastodon"):
        for s, e in graphemes(text[start:end]):
            yield start + s, start + e, 1
    elif channel == "x":
        for s, e in graphemes(text[start:end]):
            cluster = text[start + s : start + e]
            if is_emoji_cluster(cluster):
                yield start + s, start + e, 2
            else:
                normal = unicodedata.normalize("NFC", cluster)
                yield start + s, start + e, sum(_x_weight(ord(c)) for c in normal)
    elif channel == "threads":
        for s, e in graphemes(text[start:end]):
            cluster = text[start + s : start + e]
            if is_emoji_cluster(cluster):
                yield start + s, start + e, len(cluster.encode("utf-8"))
            else:
                for k in range(start + s, start + e):
                    yield k, k + 1, 1
    elif channel == "linkedin":
        for k in range(start, end):
            yield k, k + 1, 2 if text[k] in _LINKEDIN_ESCAPE else 1
    else:
        for k in range(start, end):
            yield k, k + 1, 1


def count(text: str, channel: str, url_weight: int | None = None) -> int:
    """Length of ``text`` as ``channel`` counts it (``url_weight``: an instance's own)."""
    key = channel.lower()
    limit(key)  # validates the name
    if key in ("instagram", "facebook"):
        return len(text)
    return sum(w for _, _, w in _segments(text, key, url_weight))


def overflow_start(
    text: str, channel: str, max_len: int, url_weight: int | None = None
) -> int | None:
    """Offset of the first character past ``max_len``, or None when the text fits."""
    key = channel.lower()
    total = 0
    for s, e, w in _segments(text, key, url_weight):
        if total + w > max_len:
            if w == e - s and w > 1 and _SIMPLE_RE.fullmatch(text, s, e):
                return s + (max_len - total)
            return s
        total += w
    return None


def hashtags(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in HASHTAG_RE.finditer(text)]
