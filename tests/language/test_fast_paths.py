"""The faster forms of the tokeniser and the language detector give the same answers as the
plain regexes they replace (they are only for speed: the watch runs them on every item)."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


def _reference_scores(value: str) -> dict[str, float] | None:
    """``language_scores`` as it was before the runs were read token by token: the regex on
    the whole text, the runs counted first."""
    from collections import Counter

    lowered = value.lower()
    scores = {lang: 0.0 for lang in detect_module._STOP}
    fi_hints = en_hints = 0
    has_words = False
    for run, n in Counter(re.findall(r"\w+", lowered)).items():
        info = detect_module._run_info(run)
        for lang in info[0]:
            scores[lang] += 2.0 * n
        fi_hints += n * info[1]
        en_hints += n * info[2]
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


# Stopwords and hint-bearing words of the three languages, with what a run can begin, hold or
# end with, and every kind of whitespace str.split knows.
_PIECES = st.sampled_from(
    [
        "ja", "on", "och", "är", "the", "and", "with", "päihde", "palveluista.", "(2024)",
        "aa", "ksi", "tion", "thing", "w", "å", "ä", "ö", "x_y", "_", "a_", "2", "x2", "²", "½",
        "Ⅻ", "İ", "\u0131", "\u017f", "ß", "ǅ", "\u0915\u093f", "-", "'", "\u2019", "«", "»",
        "…", ".", ",", "(", ")", '"', " ", "  ", "\t", "\n", "\u00a0", "\u2028", "\x1c", "\x85",
        "\u3000",
    ]
)  # fmt: skip


@settings(max_examples=600, deadline=None)
@given(pieces=st.lists(_PIECES, max_size=60), joiner=st.sampled_from(["", " "]))
def test_scores_from_the_runs_of_the_tokens_are_the_reference_scores(
    pieces: list[str], joiner: str
) -> None:
    value = joiner.join(pieces)
    lowered = value.lower()
    assert detect_module._runs(lowered) == re.findall(r"\w+", lowered)
    assert detect_module.language_scores(value) == _reference_scores(value)


def test_scores_of_the_eval_texts_are_the_reference_scores() -> None:
    for value in TEXTS:
        for variant in (value, value.upper()):
            assert detect_module.language_scores(variant) == _reference_scores(variant), variant
