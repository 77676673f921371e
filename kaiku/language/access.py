"""Accessibility: alt text, hashtag case, emoji runs, ALL CAPS."""

from __future__ import annotations

import re
from collections.abc import Sequence

from . import morph
from .messages import message
from .text import HASHTAG_RE, Token
from .types import Finding, Media

SOURCE_ALT = "WCAG 2.2 success criterion 1.1.1 Non-text Content"
SOURCE_OWN = "Kaiku (own judgement)"
EMOJI_RUN_MAX = 3
ACRONYM_MAX = 5
_CAPS_WORD_RE = re.compile(r"\b[A-ZÅÄÖÜ]{2,}\b")


def check_media(media: Sequence[Media], ui_lang: str) -> list[Finding]:
    out = []
    for k, m in enumerate(media, 1):
        if m.kind in ("image", "gif") and not (m.alt_text or "").strip():
            out.append(
                Finding(
                    "accessibility",
                    "accessibility.alt_text_missing",
                    0,
                    0,
                    "",
                    "warn",
                    message("accessibility.alt_text_missing", ui_lang, index=k),
                    [],
                    SOURCE_ALT,
                )
            )
    return out


def camel_case_hashtag(tag: str, lang: str) -> str | None:
    """``mielenterveysviikko`` -> ``MielenterveysViikko`` using Voikko's compound boundaries; an
    inflected modifier (the genitive ``mielen``) stays with the part after it. None when the tag
    cannot be split (one word, or no Voikko)."""
    if lang != "fi" or not tag.isalpha():
        return None
    analyses = [a for a in morph.analyze(tag.lower()) if len(a.boundaries) > 1]
    if not analyses:
        return None
    a = min(analyses, key=lambda x: len(x.boundaries))
    bounds = list(a.boundaries)
    pieces: list[str] = []
    piece_start = 0
    for idx, _b in enumerate(bounds):
        end = bounds[idx + 1] if idx + 1 < len(bounds) else len(tag)
        if a.inflected_parts[idx] and idx + 1 < len(bounds):
            continue  # keep "mielen" with "terveys"
        piece = tag[piece_start:end]
        pieces.append(piece[:1].upper() + piece[1:].lower())
        piece_start = end
    if len(pieces) < 2:
        return None
    return "".join(pieces)


def check_hashtags(text: str, lang: str, ui_lang: str) -> list[Finding]:
    out = []
    for m in HASHTAG_RE.finditer(text):
        tag = m.group(1)
        if len(tag) < 8 or not (tag.islower() or tag.isupper()):
            continue
        camel = camel_case_hashtag(tag, lang)
        if camel is None:
            continue
        suggestion = "#" + camel
        out.append(
            Finding(
                "accessibility",
                "accessibility.hashtag_case",
                m.start(),
                m.end(),
                m.group(0),
                "info",
                message("accessibility.hashtag_case", ui_lang, suggestion=suggestion),
                [suggestion],
                SOURCE_OWN,
            )
        )
    return out


_EMOJI_START = (
    "\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u2190-\u21ff\u2300-\u23ff"
    "\u00a9\u00ae\u203c\u2049\u2122\u2139\u3030\u303d\u3297\u3299"
)
_EMOJI_EXTEND = "\ufe00-\ufe0f\U0001f3fb-\U0001f3ff\u20e3\U000e0020-\U000e007f"
_EMOJI_CLUSTER = rf"[{_EMOJI_START}](?:\u200d[^\s]|[{_EMOJI_EXTEND}])*"
_EMOJI_CLUSTER_RE = re.compile(_EMOJI_CLUSTER)
# More than EMOJI_RUN_MAX clusters, optionally separated by single spaces.
_EMOJI_RUN_RE = re.compile(rf"{_EMOJI_CLUSTER}(?: ?{_EMOJI_CLUSTER}){{{EMOJI_RUN_MAX},}}")


def check_emoji_runs(text: str, ui_lang: str) -> list[Finding]:
    if text.isascii():
        return []
    out = []
    for m in _EMOJI_RUN_RE.finditer(text):
        n = len(_EMOJI_CLUSTER_RE.findall(m.group(0)))
        out.append(
            Finding(
                "accessibility",
                "accessibility.emoji_run",
                m.start(),
                m.end(),
                m.group(0),
                "info",
                message("accessibility.emoji_run", ui_lang, count=n),
                [],
                SOURCE_OWN,
            )
        )
    return out


def check_caps(text: str, tokens: Sequence[Token], ui_lang: str) -> list[Finding]:
    out: list[Finding] = []
    run: list[Token] = []

    def flush() -> None:
        long_word = any(len(t.text) > ACRONYM_MAX for t in run)
        if run and (len(run) >= 3 or long_word):
            s, e = run[0].start, run[-1].end
            out.append(
                Finding(
                    "accessibility",
                    "accessibility.all_caps",
                    s,
                    e,
                    text[s:e],
                    "info",
                    message("accessibility.all_caps", ui_lang),
                    [text[s:e].capitalize()],
                    SOURCE_OWN,
                )
            )

    for t in tokens:
        caps = t.text.isupper() and sum(c.isalpha() for c in t.text) >= 2 and not t.protected
        if caps and not t.hashtag:
            if run and (run[-1].sentence != t.sentence):
                flush()
                run = []
            run.append(t)
        elif run:
            flush()
            run = []
    flush()
    return out
