"""A small language detector for fi, sv and en: stopwords plus character hints, no model."""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

_WORD_RE = re.compile(r"[^\W\d_]+")
_STOP: dict[str, frozenset[str]] = {
    "fi": frozenset(
        [
            "ja",
            "on",
            "ei",
            "että",
            "se",
            "hän",
            "ovat",
            "oli",
            "olla",
            "ole",
            "mutta",
            "kun",
            "jos",
            "tai",
            "myös",
            "niin",
            "kuin",
            "tämä",
            "joka",
            "mitä",
            "me",
            "te",
            "he",
            "sinä",
            "minä",
            "meidän",
            "teidän",
            "heidän",
            "voi",
            "tule",
            "tulee",
            "sekä",
            "jo",
            "vielä",
            "nyt",
            "kaikki",
            "eli",
            "siis",
            "mukaan",
            "klo",
            "tervetuloa",
            "kiitos",
            "hei",
            "moi",
            "meillä",
            "teillä",
            "kanssa",
            "yhdessä",
            "tänään",
            "huomenna",
            "ensi",
            "viikolla",
            "lisää",
            "lue",
            "katso",
            "ilmoittaudu",
            "apua",
            "tukea",
            "ihmisiä",
            "ihminen",
            "joilla",
            "jolla",
            "joka",
            "jotka",
            "jonka",
            "mikä",
            "missä",
            "miten",
            "miksi",
            "koska",
            "vaikka",
            "sitä",
            "siitä",
            "sen",
            "niitä",
            "näitä",
            "tässä",
            "siellä",
            "täällä",
            "olemme",
            "olet",
            "olen",
            "oli",
            "olivat",
            "ollut",
        ]
    ),
    "sv": frozenset(
        [
            "och",
            "är",
            "att",
            "det",
            "som",
            "en",
            "ett",
            "på",
            "för",
            "med",
            "av",
            "inte",
            "jag",
            "vi",
            "till",
            "om",
            "har",
            "den",
            "de",
            "kan",
            "men",
            "så",
            "från",
            "vid",
            "eller",
            "också",
            "här",
            "där",
            "nu",
            "alla",
            "var",
            "hur",
            "vad",
            "varför",
            "när",
            "ska",
            "skulle",
            "kommer",
            "välkommen",
            "tack",
            "hej",
            "vår",
            "våra",
            "oss",
            "dig",
            "mig",
            "hon",
            "han",
            "hen",
            "deras",
            "hos",
            "under",
            "efter",
            "mot",
            "finns",
            "blir",
            "bli",
            "mer",
            "läs",
            "mycket",
            "idag",
            "imorgon",
            "människor",
            "stöd",
            "hjälp",
        ]
    ),
    "en": frozenset(
        [
            "the",
            "and",
            "is",
            "are",
            "to",
            "of",
            "in",
            "for",
            "with",
            "that",
            "this",
            "it",
            "not",
            "we",
            "you",
            "on",
            "be",
            "have",
            "has",
            "was",
            "were",
            "from",
            "by",
            "at",
            "or",
            "an",
            "our",
            "your",
            "their",
            "they",
            "he",
            "she",
            "who",
            "what",
            "why",
            "how",
            "when",
            "can",
            "will",
            "would",
            "should",
            "about",
            "more",
            "read",
            "join",
            "today",
            "tomorrow",
            "thanks",
            "thank",
            "welcome",
            "people",
            "support",
            "help",
            "all",
            "there",
            "here",
            "into",
            "than",
            "also",
            "been",
            "do",
            "does",
        ]
    ),
}
# Strong orthographic hints: å is Swedish; doubled vowels and y-heavy endings are Finnish, and
# th, wh, -ing, -tion and w are English. Counted per run of word characters, which gives the
# same numbers as the regexes ``(?:aa|ee|…|ksi)\b`` (a run that ends so counts once) and
# ``\b\w*(?:th|wh|ing|tion)\w*\b|w`` (a run holding one of those counts once, otherwise each
# "w" in it counts) with one pass over the text instead of two backtracking ones.
_FI_ENDINGS = (
    "aa", "ee", "ii", "oo", "uu", "yy", "ää", "öö",
    "ssa", "ssä", "sta", "stä", "lla", "llä", "tta", "ttä", "ksi",
)  # fmt: skip
_RUN_RE = re.compile(r"\w+")
# Each stopword and the languages it belongs to ("on" is Finnish and English).
_STOP_LANGS: dict[str, tuple[str, ...]] = {}
for _lang, _words in _STOP.items():
    for _word in _words:
        _STOP_LANGS[_word] = (*_STOP_LANGS.get(_word, ()), _lang)


def _hints(lowered: str) -> tuple[int, int]:
    """Finnish and English hint counts (see above)."""
    runs: list[str] = _RUN_RE.findall(lowered)
    fi = len([r for r in runs if r.endswith(_FI_ENDINGS)])
    hinted = [r for r in runs if "th" in r or "wh" in r or "ing" in r or "tion" in r]
    en = len(hinted) + lowered.count("w") - sum(r.count("w") for r in hinted)
    return fi, en


@lru_cache(maxsize=4096)
def detect_language(text: str, default: str = "fi") -> str:
    """Best guess among "fi", "sv" and "en"; ``default`` when nothing decides."""
    lowered = text.lower()
    words = _WORD_RE.findall(lowered)
    if not words:
        return default
    scores = {lang: 0.0 for lang in _STOP}
    # 2 points per stopword occurrence, counted in C rather than word by word.
    for langs, n in Counter(map(_STOP_LANGS.get, words)).items():
        for lang in langs or ():
            scores[lang] += 2.0 * n
    fi_hints, en_hints = _hints(lowered)
    scores["fi"] += 0.7 * fi_hints
    scores["sv"] += 1.5 * lowered.count("å")
    scores["en"] += 0.3 * en_hints
    if "ä" in lowered or "ö" in lowered:
        scores["en"] -= 2.0
    if "å" not in lowered:
        scores["sv"] -= 0.5
    best = max(scores, key=lambda k: scores[k])
    if scores[best] <= 0.5:
        return default
    return best
