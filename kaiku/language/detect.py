"""A small language detector for fi, sv and en: stopwords plus character hints, no model."""

from __future__ import annotations

import re
from functools import lru_cache

from kaiku.language.text import findall_by_token

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
# "w" in it counts) without their backtracking.
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

# What one run of word characters adds to the scores: the language of each stopword in it,
# its Finnish and English hint counts, and whether it holds a word at all. Memoised per run
# (words repeat: a few thousand cover most of any text); cleared when it grows too large.
_RunInfo = tuple[tuple[str, ...], int, int, bool]
_RUNS: dict[str, _RunInfo] = {}
_RUNS_MAX = 50_000


def _run_info(run: str) -> _RunInfo:
    # The words (``_WORD_RE``) of a run: all of it when it is letters only.
    words: list[str] = [run] if run.isalpha() else _WORD_RE.findall(run)
    langs = tuple(lang for word in words for lang in _STOP_LANGS.get(word, ()))
    fi = 1 if run.endswith(_FI_ENDINGS) else 0
    en = 1 if "th" in run or "wh" in run or "ing" in run or "tion" in run else run.count("w")
    return langs, fi, en, bool(words)


# Characters that no run of word characters holds, often at the ends of a token ("(2024)",
# "palveluista.").
_TOKEN_ENDS = ".,;:!?()[]{}\"'«»“”„…-\u2019"


def _runs(lowered: str) -> list[str]:
    """``_RUN_RE.findall(lowered)``, token by token (``str.isalnum``: what ``\\w`` matches
    but "_"). About twice as fast as the regex on the text."""
    return findall_by_token(lowered, _RUN_RE.findall, str.isalnum, _TOKEN_ENDS)


def language_scores(text: str) -> dict[str, float] | None:
    """The detector's points per language (higher is likelier), or None when the text has no
    word at all. ``detect_language`` decides on these."""
    lowered = text.lower()
    scores = {lang: 0.0 for lang in _STOP}
    fi_hints = en_hints = 0
    has_words = False
    runs = _RUNS
    if len(runs) > _RUNS_MAX:
        runs.clear()
    # Run by run, not counted first: the points are sums of whole numbers, which floats add
    # exactly in any order and grouping, so the scores are the same.
    for run in _runs(lowered):
        info = runs.get(run)
        if info is None:
            info = runs[run] = _run_info(run)
        for lang in info[0]:
            scores[lang] += 2.0  # 2 points per stopword
        fi_hints += info[1]
        en_hints += info[2]
        has_words = has_words or info[3]
    if not has_words:
        return None
    scores["fi"] += 0.7 * fi_hints
    scores["sv"] += 1.5 * lowered.count("å")
    scores["en"] += 0.3 * en_hints
    if "ä" in lowered or "ö" in lowered:
        scores["en"] -= 2.0
    if "å" not in lowered:
        scores["sv"] -= 0.5
    return scores


def best_language(scores: dict[str, float] | None, default: str = "fi") -> str:
    """The language with the most points, or ``default`` when none has more than 0.5."""
    if scores is None:
        return default
    best = max(scores, key=lambda k: scores[k])
    if scores[best] <= 0.5:
        return default
    return best


@lru_cache(maxsize=4096)
def detect_language(text: str, default: str = "fi") -> str:
    """Best guess among "fi", "sv" and "en"; ``default`` when nothing decides."""
    return best_language(language_scores(text), default)
