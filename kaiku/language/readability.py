"""Finnish readability (Wiio), long sentences, and spelling through Voikko.

Wiio's simple grade formula (O. A. Wiio 1968; the form used by Voikko's readability tool):
``grade = 2.7 + 30 * L / W`` where W is the number of words and L the number of words whose
*base form* has four or more syllables. Base forms come from Voikko, so inflection does not
lengthen a word ("taloissammekin" counts as "talo"); without Voikko the surface form is used.
Syllables are counted with Finnish rules: each vowel nucleus is a syllable, a long vowel or a
diphthong is one nucleus.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from . import morph
from .lexicon import FI_END_RE
from .messages import message
from .text import Token
from .types import Finding

WIIO_MIN_WORDS = 30
WIIO_WARN = 10.0
LONG_SENTENCE_WORDS = 25
SOURCE_WIIO = "Wiio (1968), simple readability formula for Finnish"
SOURCE_SENTENCE = "Kaiku (own judgement), following plain-language advice for short sentences"
SOURCE_SPELL = "Voikko spell checker"

_DIGIT_RE = re.compile(r"\d")
_VOWELS = frozenset("aeiouyäöå")
_NUCLEI = frozenset(
    [
        "aa",
        "ee",
        "ii",
        "oo",
        "uu",
        "yy",
        "ää",
        "öö",
        "ai",
        "ei",
        "oi",
        "ui",
        "yi",
        "äi",
        "öi",
        "au",
        "eu",
        "iu",
        "ou",
        "ey",
        "iy",
        "äy",
        "öy",
        "ie",
        "uo",
        "yö",
    ]
)


@lru_cache(maxsize=50_000)
def syllables(word: str) -> int:
    w = word.lower()
    count = 0
    i = 0
    n = len(w)
    while i < n:
        if w[i] in _VOWELS:
            count += 1
            if i + 1 < n and w[i : i + 2] in _NUCLEI:
                i += 2
                continue
        i += 1
    return max(count, 1) if any(c.isalpha() for c in w) else 0


@lru_cache(maxsize=100_000)
def _base_syllables(word: str, gen: int) -> int:
    del gen
    analyses = morph.analyze(word)
    if analyses:
        return syllables(analyses[0].baseform)
    return syllables(word)


@dataclass(frozen=True, slots=True)
class Wiio:
    words: int
    long_words: int
    grade: float


def wiio(tokens: Sequence[Token]) -> Wiio:
    gen = morph.generation()
    words = [t for t in tokens if not t.protected and not t.hashtag]
    long_words = sum(1 for t in words if _base_syllables(t.lower, gen) >= 4)
    grade = 2.7 + 30.0 * long_words / len(words) if words else 0.0
    return Wiio(len(words), long_words, grade)


def check_readability(
    text: str,
    tokens: Sequence[Token],
    sentences: Sequence[tuple[int, int]],
    ui_lang: str,
    *,
    wiio_enabled: bool,
) -> list[Finding]:
    out = []
    if wiio_enabled:
        w = wiio(tokens)
        if w.words >= WIIO_MIN_WORDS and w.grade >= WIIO_WARN:
            out.append(
                Finding(
                    "readability",
                    "readability.wiio",
                    0,
                    len(text),
                    "",
                    "info",
                    message("readability.wiio", ui_lang, grade=w.grade),
                    [],
                    SOURCE_WIIO,
                )
            )
    per_sentence: dict[int, int] = {}
    for t in tokens:
        per_sentence[t.sentence] = per_sentence.get(t.sentence, 0) + 1
    for idx, n in per_sentence.items():
        if n > LONG_SENTENCE_WORDS:
            s, e = sentences[idx]
            while e > s and text[e - 1].isspace():
                e -= 1
            out.append(
                Finding(
                    "readability",
                    "readability.long_sentence",
                    s,
                    e,
                    text[s:e],
                    "info",
                    message("readability.long_sentence", ui_lang, count=n),
                    [],
                    SOURCE_SENTENCE,
                )
            )
    return out


# Everyday words of the social and health sector that Voikko does not know: abbreviations
# (hetu, sote), names of national services (Sekasin, Tukinet) and common loans (chat).
EVERYDAY = frozenset(
    [
        "hetu", "sote", "hyte", "stea", "thl", "kela", "kanta", "omakanta", "sekasin", "tukinet",
        "chat", "insta", "työkkäri", "ehyt", "mieli", "päihdelinkki", "omaolo", "apotti",
        "vamos", "ohjaamo", "typ", "te", "ely", "avi", "valvira", "fimea", "hus", "tays", "oys",
        "kys", "tyks", "aa", "na", "al-anon", "a-kilta", "a-klinikka", "mtkl", "ehkäisevä",
    ]
)  # fmt: skip
_ACRONYM_RE = re.compile(r"[A-ZÅÄÖ]{2,}(?::?[a-zåäö]{1,5})?")


def everyday_word(word: str) -> bool:
    """An everyday abbreviation or service name, inflected ("hetun", "sotessa", "STEA:n",
    "HUSin"), or a hyphen compound of known parts ("NA-ryhmä", "Sekasin-chat", "TE-toimisto")."""
    if _ACRONYM_RE.fullmatch(word):
        return True
    low = word.lower()
    if low in EVERYDAY:
        return True
    for base in EVERYDAY:
        if low.startswith(base) and len(base) >= 3:
            rest = low[len(base) :].lstrip(":")
            if FI_END_RE.fullmatch(rest):
                return True
    if "-" in word:
        parts = [x for x in word.split("-") if x]
        return len(parts) > 1 and all(
            morph.spell(x) or everyday_word(x) or x.isupper() for x in parts
        )
    return False


def check_spelling(
    text: str,
    tokens: Sequence[Token],
    skip: Sequence[tuple[int, int]],
    name_tokens: set[int],
    ui_lang: str,
) -> list[Finding]:
    """Voikko spelling as ``info``; never on names, URLs, hashtags, mentions, numbers, all-caps
    words or spans another layer (stigma) already owns."""
    if not morph.voikko_available():
        return []
    out = []
    spell = morph.spell
    for k, t in enumerate(tokens):
        if spell(t.text) or t.protected or t.hashtag or k in name_tokens or len(t.text) < 2:
            continue
        if (not t.text.isalpha() and _DIGIT_RE.search(t.text)) or t.text.isupper():
            continue
        if not t.initial and t.text[0].isupper():
            continue  # a capitalised word mid-sentence is most likely a name
        if skip and any(s <= t.start < e for s, e in skip):
            continue
        if t.start > 0 and (text[t.start - 1] in ":-'\u2019" or text[t.start - 1].isdigit()):
            continue  # "3:ssa", "-klinikka" continuations
        if text[t.end : t.end + 1] == "." and spell(t.text + "."):
            continue  # abbreviations: "puh.", "esim."
        if everyday_word(t.text):
            continue
        out.append(
            Finding(
                "spelling",
                "spelling.unknown",
                t.start,
                t.end,
                t.text,
                "info",
                message("spelling.unknown", ui_lang, text=t.text),
                list(morph.suggest(t.text)),
                SOURCE_SPELL,
            )
        )
    return out
