"""The faster forms of the tokeniser and the language detector give the same answers as the
plain regexes they replace (they are only for speed: the watch runs them on every item)."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from kaiku.language import detect as detect_module
from kaiku.language import detect_language, text
from kaiku.watch.ingest import analysis

EVAL_SET = Path(__file__).with_name("eval_set.jsonl")
# Letters, digits, separators, and characters where \w, isalpha and case rules disagree.
ALPHABET = "aAbwWth ing-tion'’:._1²½Ⅻ ÄäöÖåÅ ssaksi\n\t\u0131\u0130\u017f\u212a\u00a0\u03c2"


def _texts() -> list[str]:
    rng = random.Random(20240305)
    texts = [json.loads(line)["text"] for line in EVAL_SET.read_text().splitlines()]
    texts += ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 40))) for _ in range(3000)]
    texts += [" ".join(rng.sample(texts[:300], 3)) for _ in range(300)]
    return texts


TEXTS = _texts()

_REF_WORD_RE = re.compile(r"[^\W\d_](?:\w|[-'\u2019](?=\w))*")
_REF_TOKEN_RE = re.compile(r"[^\W\d_](?:\w|[-'\u2019:](?=\w))*")
_REF_LETTERS_RE = re.compile(r"[^\W\d_]+")
_REF_FI_HINT_RE = re.compile(r"(?:aa|ee|ii|oo|uu|yy|ää|öö|ssa|ssä|sta|stä|lla|llä|tta|ttä|ksi)\b")
_REF_EN_HINT_RE = re.compile(r"\b\w*(?:th|wh|ing|tion)\w*\b|w")


def _reference_detect(value: str, default: str = "fi") -> str:
    """The detector as first written: word by word, hints by regex."""
    lowered = value.lower()
    words = _REF_LETTERS_RE.findall(lowered)
    if not words:
        return default
    scores = {lang: 0.0 for lang in detect_module._STOP}
    for w in words:
        for lang, stop in detect_module._STOP.items():
            if w in stop:
                scores[lang] += 2.0
    scores["fi"] += 0.7 * len(_REF_FI_HINT_RE.findall(lowered))
    scores["sv"] += 1.5 * lowered.count("å")
    scores["en"] += 0.3 * len(_REF_EN_HINT_RE.findall(lowered))
    if "ä" in lowered or "ö" in lowered:
        scores["en"] -= 2.0
    if "å" not in lowered:
        scores["sv"] -= 0.5
    best = max(scores, key=lambda k: scores[k])
    return default if scores[best] <= 0.5 else best


def test_word_patterns_find_the_same_words_as_the_per_character_patterns() -> None:
    for value in TEXTS:
        for variant in (value, value.lower()):
            assert analysis._WORD_RE.findall(variant) == _REF_WORD_RE.findall(variant)
            spans = [m.span() for m in text.WORD_RE.finditer(variant)]
            assert spans == [m.span() for m in _REF_TOKEN_RE.finditer(variant)]


def test_per_run_counts_match_the_regexes_they_replace() -> None:
    for value in TEXTS:
        lowered = value.lower()
        infos = [detect_module._run_info(run) for run in re.findall(r"\w+", lowered)]
        assert sum(i[1] for i in infos) == len(_REF_FI_HINT_RE.findall(lowered)), value
        assert sum(i[2] for i in infos) == len(_REF_EN_HINT_RE.findall(lowered)), value
        words = _REF_LETTERS_RE.findall(lowered)
        assert [lang for i in infos for lang in i[0]] == [
            lang for w in words for lang in detect_module._STOP_LANGS.get(w, ())
        ]
        assert any(i[3] for i in infos) == bool(words)


@pytest.mark.parametrize("transform", [str, str.upper, str.title])
def test_language_detection_gives_the_reference_answers(transform: object) -> None:
    assert callable(transform)
    for value in TEXTS:
        variant = transform(value)
        assert detect_language(variant) == _reference_detect(variant), variant
