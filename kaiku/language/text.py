"""Tokens, sentences and the spans (URLs, mentions, quotes) that the checks treat specially."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple

# A word starts with a letter and may hold inner hyphens, apostrophes and colons ("A-klinikan",
# "ry:n", "addict's").
# Written as runs (a separator only before more word characters): the same words as a
# per-character choice, matched several times faster.
WORD_RE = re.compile(r"[^\W\d_]\w*(?:[-'\u2019:]\w+)*")
_TLDS = (
    "fi|com|org|net|se|eu|io|info|app|social|me|ly|co|uk|de|no|dk|ee|gov|edu|int|ai|dev|tv|"
    "link|news|online|site|blog"
)
URL_RE = re.compile(
    rf"(?:https?://|www\.)[^\s<>\"]+|(?<![@\w.])(?:[a-z0-9][a-z0-9-]*\.)+(?:{_TLDS})\b(?:/[^\s<>\"]*)?",
    re.IGNORECASE,
)
# Every URL_RE match holds "://", "www." or a dot before a top-level domain: a text with none of
# them (most posts) skips the full pattern, which tries every position.
_URL_HINT_RE = re.compile(rf"\.(?:{_TLDS})\b", re.IGNORECASE)
EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b", re.I)
# The look-behinds of these two stand after the "@" or "#" as two-character ones (the same
# condition on the character before it), so the search jumps from one "@" or "#" to the next.
MENTION_RE = re.compile(r"@(?<![\w@].)[A-Za-z0-9_](?:[\w.-]*\w)?(?:@[a-z0-9-]+(?:\.[a-z0-9-]+)+)?")
HASHTAG_RE = re.compile(r"#(?<![\w#&].)(\w+)")
_TRAILING = ".,;:!?)]}'\"”\u2019»"

_ABBREV = frozenset(
    [
        "puh",
        "p",
        "tel",
        "esim",
        "mm",
        "ks",
        "vrt",
        "n",
        "ns",
        "yms",
        "jne",
        "ym",
        "tms",
        "t",
        "klo",
        "s",
        "os",
        "prof",
        "toim",
        "pj",
        "dr",
        "mr",
        "mrs",
        "ms",
        "st",
        "eng",
        "ruots",
        "ts",
        "ed",
        "huom",
        "tri",
        "fil",
        "maist",
        "lääk",
        "yo",
        "etc",
        "approx",
        "e",
        "g",
        "i",
        "ex",
        "bl",
        "a",
        "resp",
        "tfn",
    ]
)
_SENT_END_RE = re.compile(r"([.!?…]+)([\"”\u2019»)]*)(\s+)")
QUOTE_SPAN_RE = re.compile(
    r"[\"“”„«»]([^\"“”„«»\n]{1,80})[\"“”„«»]|(?<!\w)['\u2018\u2019]([^'\u2018\u2019\n]{1,60})['\u2019](?!\w)"
)


class Token(NamedTuple):
    start: int
    end: int
    text: str
    lower: str
    sentence: int  # index into the sentence list
    initial: bool  # first word of its sentence
    protected: bool  # inside a URL, e-mail address or mention
    hashtag: bool  # the body of a #hashtag


def strip_trailing(url: str) -> str:
    while url and url[-1] in _TRAILING:
        url = url[:-1]
    return url


def url_spans(text: str) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    if "://" not in text and _URL_HINT_RE.search(text) is None and "www." not in text.lower():
        return out
    for m in URL_RE.finditer(text):
        u = strip_trailing(m.group(0))
        if "@" in text[max(0, m.start() - 1) : m.start()]:
            continue
        out.append((m.start(), m.start() + len(u)))
    return out


def protected_spans(text: str) -> list[tuple[int, int]]:
    if "." not in text and "@" not in text and "/" not in text:
        return []  # no URL, e-mail address or mention is possible
    spans = url_spans(text)
    if "@" in text:  # both an e-mail address and a mention hold one
        spans += [m.span() for m in EMAIL_RE.finditer(text)]
        spans += [m.span() for m in MENTION_RE.finditer(text)]
    spans.sort()
    return spans


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentence boundaries: end punctuation before a capital, digit or quote, and line breaks."""
    spans: list[tuple[int, int]] = []
    for line in _lines(text):
        start, end = line
        pos = start
        for m in _SENT_END_RE.finditer(text, start, end):
            nxt = text[m.end() : m.end() + 1]
            if not nxt or not (nxt.isupper() or nxt.isdigit() or nxt in '"“”„«#@'):
                continue
            if m.group(1) == ".":
                before = text[pos : m.start()].rsplit(None, 1)
                last = before[-1].lower() if before else ""
                if last in _ABBREV or (len(last) == 1 and last.isalpha()):
                    continue
            spans.append((pos, m.end(2)))
            pos = m.end()
        if pos < end:
            spans.append((pos, end))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def _lines(text: str) -> list[tuple[int, int]]:
    out = []
    pos = 0
    for m in re.finditer(r"\n", text):
        out.append((pos, m.start()))
        pos = m.end()
    out.append((pos, len(text)))
    return out


@lru_cache(maxsize=256)
def tokenize(text: str) -> tuple[tuple[Token, ...], tuple[tuple[int, int], ...]]:
    """Word tokens of ``text`` and its sentence spans (memoised: every check layer asks)."""
    sentences = sentence_spans(text)
    protected = protected_spans(text)
    tokens: list[Token] = []
    # This loop runs for every word of every check: locals instead of lookups, and
    # tuple.__new__ instead of the NamedTuple constructor (a Python-level function).
    new = tuple.__new__
    append = tokens.append
    last_sentence = len(sentences) - 1
    si = 0
    sentence_end = sentences[0][1] if sentences else 0
    n_protected = len(protected)
    pi = 0
    first_in_sentence = -1
    for m in WORD_RE.finditer(text):
        s, e = m.span()
        while si < last_sentence and s >= sentence_end:
            si += 1
            sentence_end = sentences[si][1]
        prot = False
        if n_protected:
            while pi < n_protected and protected[pi][1] <= s:
                pi += 1
            prot = pi < n_protected and protected[pi][0] <= s < protected[pi][1]
        tag = s > 0 and text[s - 1] == "#"
        initial = first_in_sentence != si
        if initial:
            first_in_sentence = si
        word = m.group()
        append(new(Token, (s, e, word, word.lower(), si, initial, prot, tag)))
    return tuple(tokens), tuple(sentences)


_QUOTE_CHARS = "\"“”„«»'\u2018\u2019"


def quoted_spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    if not any(c in text for c in _QUOTE_CHARS):
        return spans  # most texts quote nothing: skip the pattern's try at every position
    for m in QUOTE_SPAN_RE.finditer(text):
        g = 1 if m.group(1) is not None else 2
        spans.append(m.span(g))
    return spans


def inside(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(s <= start and end <= e for s, e in spans)


def findall_by_token(
    lowered: str, findall: Callable[[str], list[str]], whole: Callable[[str], bool], ends: str
) -> list[str]:
    """``findall(lowered)`` for a pattern whose matches never hold whitespace, read token by
    token: the matches of a text are those of its whitespace-separated tokens in turn, and a
    token that ``whole`` accepts (``str.isalpha`` for words, ``str.isalnum`` for runs of word
    characters), once stripped of ``ends`` (characters no match holds), is one match; the
    pattern reads the others. Faster than the pattern on the whole text, because most tokens
    are plain words (the language detector's runs, the ingest's words)."""
    out: list[str] = []
    for token in lowered.split():
        if whole(token):
            out.append(token)
            continue
        core = token.strip(ends)
        if whole(core):
            out.append(core)
        else:
            out += findall(token)
    return out
