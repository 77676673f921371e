"""Kaiku language checks: stigma, suicide-safe wording, privacy, length, accessibility,
readability and spelling for Finnish, Swedish and English drafts. Pure Python, no Django.

    >>> from kaiku.language import check
    >>> [f.code for f in check("Narkkareille ei ole paikkaa täällä.", "fi")]
    ['stigma.slur']
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from . import length, morph, stigma, svmorph
from .detect import detect_language
from .ids import IDENTITY_CODES
from .lexicon import TermSpec, lexicon_for
from .messages import CHANNEL_NAMES, UI_LANGS, message, source_text
from .morph import set_fallback, voikko_available
from .suggest import suicide as suggest_suicide
from .text import tokenize
from .types import SEVERITY_ORDER, Finding, Kind, Media, Replacement, Severity

__all__ = [
    "IDENTITY_CODES",
    "LANGS",
    "Finding",
    "Kind",
    "Media",
    "Replacement",
    "Severity",
    "TermSpec",
    "channels",
    "check",
    "count",
    "detect_language",
    "lemmas",
    "limit",
    "set_fallback",
    "status",
    "voikko_available",
]

LANGS = ("fi", "sv", "en")
SOURCE_LIMITS = {
    "x": "X developer docs: counting characters (twitter-text v3)",
    "bluesky": "Bluesky app.bsky.feed.post lexicon: text maxGraphemes 300",
    "mastodon": "Mastodon docs: statuses (500 by default; URLs count 23)",
    "threads": "Threads: 500-character limit",
    "instagram": "Instagram: 2,200-character captions, 5 hashtags (from December 2025)",
    "linkedin": "LinkedIn Posts API: commentary in little text format, 3,000 characters",
    "facebook": "Facebook: 63,206-character posts",
}


def status() -> dict[str, Any]:
    """The morphology backends for the UI: Voikko (Finnish) as ``voikko``/``backend``/``reason``,
    and the Swedish hunspell dictionary as ``sv_dictionary`` and ``sv_reason``."""
    out = morph.status()
    sv = svmorph.status()
    out["sv_dictionary"] = sv["sv_dictionary"]
    out["sv_reason"] = sv["reason"]
    return out


count = length.count
limit = length.limit
channels = length.channels


def _lang(lang: str | None, text: str) -> str:
    if lang is None:
        return detect_language(text)
    key = lang.lower().split("-")[0].split("_")[0]
    if key not in LANGS:
        raise ValueError(f"unsupported language {lang!r}; use one of {', '.join(LANGS)}")
    return key


def check(
    text: str,
    lang: str | None = None,
    channels: Sequence[str] = (),
    media: Sequence[Media] = (),
    *,
    ui_lang: str = "fi",
    extra_terms: Sequence[TermSpec] = (),
    allowed_terms: Iterable[str] = (),
    channel_limits: Mapping[str, int] | None = None,
    url_weights: Mapping[str, int] | None = None,
    sent_texts: Mapping[str, str] | None = None,
    changes: Sequence[tuple[int, int, str, str]] = (),
) -> list[Finding]:
    """Check a draft and return its findings, sorted by position.

    ``lang`` is "fi", "sv" or "en" (None detects it). ``channels`` are the platforms the draft
    goes to ("x", "bluesky", "mastodon", "threads", "instagram", "linkedin", "facebook").
    ``extra_terms`` adds an organisation's own stigma entries (a base word, or a mapping with
    ``base``, ``category``, ``alternatives``, ``stems``...); ``allowed_terms`` suppresses
    entries by base word. ``channel_limits`` overrides limits, e.g. ``{"mastodon": 1000}``,
    and ``url_weights`` the weight of a URL (a Mastodon instance's own). ``sent_texts`` gives,
    per channel, the text exactly as it is sent (with a link the platform gets appended): the
    length is measured on it. Messages are in ``ui_lang`` (fi, en, sv). ``changes`` lists the
    replacements just applied, as (start, end, original, replacement) with start and end in
    ``text``: the sentences they changed get a grammar check (Finnish, with Voikko).
    """
    # The checks only a whole draft gets, imported at its first check: the field watch's parse
    # workers import this package for lemmas, language and stigma alone, and each paid about
    # 40 ms of CPU at start for these (issue 16 item 7; bench/language_bench.py prints the
    # first check's time).
    from . import access, grammar, privacy, readability, suicide

    lg = _lang(lang, text)
    ui = ui_lang if ui_lang in UI_LANGS else "fi"
    tokens, sentences = tokenize(text)
    lex = lexicon_for(lg, extra_terms, allowed_terms)

    findings: list[Finding] = []
    stigma_findings = stigma.check_stigma(text, lg, tokens, lex, ui)
    findings += stigma_findings
    findings += suicide.check_suicide(text, lg, tokens, sentences, ui)
    names = privacy.find_names(tokens, lg)
    findings += privacy.check_privacy(text, lg, tokens, sentences, ui, names)
    for ch in channels:
        sent = (sent_texts or {}).get(ch.lower(), text)
        weight = (url_weights or {}).get(ch.lower())
        findings += _length_findings(text, ch, ui, channel_limits, sent, weight)
    findings += access.check_media(media, ui)
    findings += access.check_hashtags(text, lg, ui)
    findings += access.check_emoji_runs(text, ui)
    findings += access.check_caps(text, tokens, ui)
    findings += readability.check_readability(text, tokens, sentences, ui, wiio_enabled=lg == "fi")
    if lg == "fi":
        owned = [(f.start, f.end) for f in stigma_findings]
        name_tokens = {k for i, j in names for k in range(i, j)}
        findings += readability.check_spelling(text, tokens, owned, name_tokens, ui)
    if changes:
        findings += grammar.check_changes(text, changes, lg, ui)
    findings = [
        suggest_suicide.with_replacements(_literal_replacements(f), text, lg, ui) for f in findings
    ]
    findings.sort(key=lambda f: (f.start, SEVERITY_ORDER[f.severity], f.kind, f.end))
    # Sources are written in English (the hetu law in Finnish); the source line is shown in
    # the user's language.
    out = []
    for f in findings:
        src = source_text(f.source, ui)
        if src != f.source:
            # The constructor, not dataclasses.replace: this runs for most findings.
            f = Finding(f.kind, f.code, f.start, f.end, f.text, f.severity, f.message,
                        f.suggestions, src, f.replacements)  # fmt: skip
        out.append(f)
    return out


# Findings whose suggestions are the exact new spelling of the span (a hashtag in CamelCase, a
# spelling correction): each one is a replacement as it stands.
_LITERAL = frozenset({"accessibility.hashtag_case", "spelling.unknown"})


def _literal_replacements(f: Finding) -> Finding:
    if f.code not in _LITERAL or f.replacements or not f.suggestions:
        return f
    cap = f.text[:1].isupper()
    reps = [
        Replacement(f.start, f.end, s[:1].upper() + s[1:] if cap else s, s, s)
        for s in f.suggestions
    ]
    return Finding(
        f.kind, f.code, f.start, f.end, f.text, f.severity, f.message, f.suggestions, f.source, reps
    )


def _length_findings(
    text: str,
    channel: str,
    ui: str,
    channel_limits: Mapping[str, int] | None,
    sent: str | None = None,
    url_weight: int | None = None,
) -> list[Finding]:
    key = channel.lower()
    max_len = length.limit(key, channel_limits)
    out = []
    measured = text if sent is None else sent
    n = length.count(measured, key, url_weight)
    name = CHANNEL_NAMES.get(key, channel)
    if n > max_len:
        start = length.overflow_start(measured, key, max_len, url_weight)
        # The sent text begins with the draft (what is appended comes after it), so an
        # offset past the draft's end marks its last character: the appended link overflows.
        s = start if start is not None else len(text)
        if s >= len(text):
            s = max(len(text) - 1, 0)
        out.append(
            Finding(
                "length",
                "length.over_limit",
                s,
                len(text),
                text[s:],
                "block",
                message(
                    "length.over_limit", ui, channel=name, over=n - max_len, limit=max_len, count=n
                ),
                [],
                SOURCE_LIMITS.get(key, ""),
            )
        )
    tag_limit = length.HASHTAG_LIMITS.get(key)
    if tag_limit is not None:
        tags = length.hashtags(text)
        if len(tags) > tag_limit:
            s, e = tags[tag_limit][0], tags[-1][1]
            out.append(
                Finding(
                    "length",
                    "length.hashtags",
                    s,
                    e,
                    text[s:e],
                    "block",
                    message("length.hashtags", ui, channel=name, limit=tag_limit, count=len(tags)),
                    [],
                    SOURCE_LIMITS.get(key, ""),
                )
            )
    return out


_SV_SUFFIXES = sorted(
    [
        "arnas",
        "ernas",
        "orna",
        "arna",
        "erna",
        "heten",
        "het",
        "ande",
        "ende",
        "ade",
        "are",
        "ens",
        "ars",
        "ers",
        "or",
        "ar",
        "er",
        "en",
        "et",
        "na",
        "as",
        "es",
        "a",
        "e",
        "t",
        "s",
    ],
    key=len,
    reverse=True,
)
# The same words as ``[^\W\d_](?:\w|[-'\u2019](?=\w))*``, written as runs, which match faster.
_WORD_RE = re.compile(r"[^\W\d_]\w*(?:[-'\u2019]\w+)*")


def _stem_en(w: str) -> str:
    for pos in ("'s", "\u2019s", "s'"):
        if w.endswith(pos):
            w = w[: -len(pos)] if pos != "s'" else w[:-1]
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if w.endswith("sses"):
        return w[:-2]
    if len(w) > 5 and w.endswith("ing"):
        w = w[:-3]
        return w[:-1] if len(w) > 2 and w[-1] == w[-2] and w[-1] not in "lsz" else w
    if len(w) > 4 and w.endswith("ed"):
        w = w[:-2]
        return w[:-1] if len(w) > 2 and w[-1] == w[-2] and w[-1] not in "lsz" else w
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


def _stem_sv(w: str) -> str:
    for suf in _SV_SUFFIXES:
        if w.endswith(suf) and len(w) - len(suf) >= 3:
            return w[: -len(suf)]
    return w


def lemmas(text: str, lang: str | None = None) -> list[str]:
    """Base forms of the words of ``text``, in order, without duplicates.

    Finnish uses Voikko: the base form plus each compound part ("päihdetyöntekijöille" gives
    päihdetyöntekijä, päihde, työ, tekijä...), so topic matching finds compounds. Swedish and
    English use a light suffix stripper. Without Voikko, Finnish words come back lowercased.
    """
    lg = _lang(lang, text)
    out: dict[str, None] = {}
    for m in _WORD_RE.finditer(text):
        w = m.group(0).lower()
        if lg == "fi":
            analyses = morph.analyze(w)
            if not analyses:
                out[w] = None
            for a in analyses[:1]:
                out[a.baseform] = None
                for part in (*a.tails[1:], *a.parts):
                    out[part] = None
        elif lg == "en":
            out[_stem_en(w)] = None
        else:
            out[_stem_sv(w)] = None
    return list(out)
