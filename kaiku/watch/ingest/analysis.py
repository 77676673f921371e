"""Cheap per-item analysis: language, lemmas, topic matches and stigma findings.

Made to run on tens of thousands of items a minute: words are analysed once per process (the
Voikko cache in ``kaiku.language.morph`` plus a memo here), topics are compiled once per
organisation into a lemma index, and the stigma check runs only on items whose text contains
something the stigma lexicon could match (its prefilter and phrase triggers).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from typing import Any

from kaiku.language import LANGS, check, detect_language, lemmas
from kaiku.language.detect import best_language, language_scores
from kaiku.language.lexicon import Lexicon, lexicon_for, match_fi, match_stem_suffix
from kaiku.language.stigma import check_stigma
from kaiku.language.text import findall_by_token, tokenize

try:  # the standard library's regex parser, for what the phrase patterns need (``_needed``)
    from re import _parser as _sre  # type: ignore[attr-defined]
except ImportError:  # a Python without it: the phrase search runs on every text, as before
    _sre = None

ANALYSED_CHARS = 4000  # enough of a long article to place it; the rest adds little
# A letter, then word characters, with inner hyphens and apostrophes ("a-klinikan"). Written
# as runs rather than as a per-character choice, which the regex engine matches much faster.
_WORD_RE = re.compile(r"[^\W\d_]\w*(?:[-'\u2019]\w+)*")


@lru_cache(maxsize=300_000)
def word_lemmas(word: str, lang: str) -> tuple[str, ...]:
    """Base forms (fi, with compound parts) or stems (sv, en) of one lowercased word."""
    return tuple(lemmas(word, lang))


# Per language: each word's lemmas, the words the stigma lexicon could match, the words that
# contain one of its phrase triggers, and the words that contain strings the phrase patterns
# need (``_phrase_needs``), with those strings. Replaced (not cleared) when full, so a thread
# that holds the old ones can finish with them.
_WordCache = tuple[dict[str, tuple[str, ...]], set[str], set[str], dict[str, frozenset[str]]]
_WORD_CACHE: dict[str, _WordCache] = {lang: ({}, set(), set(), {}) for lang in LANGS}
_NO_FACTORS: frozenset[str] = frozenset()
_WORD_CACHE_MAX = 300_000


def _word_info(word: str, lang: str) -> tuple[tuple[str, ...], bool]:
    """The word's lemmas (one-letter ones dropped) and whether the stigma lexicon could match."""
    found = tuple(lemma for lemma in word_lemmas(word, lang) if len(lemma) > 1)
    lex = _stigma_gate(lang)[0]
    if lex.prefilter.search(word) is None:
        return found, False
    # The check's own single-word matcher: "addiction" shares a stem with "addict" but is
    # not a finding, so it need not send the item through the full check.
    match = match_fi(word, lex) if lang == "fi" else match_stem_suffix(word, lex)
    return found, match is not None


# Characters that no word (``_WORD_RE``) holds, often at the ends of a token: "(2024)",
# "palveluista.". Not the hyphen or apostrophes, which words hold.
_TOKEN_ENDS = '.,;:!?()[]{}"«»“”„…'


def _words(lowered: str) -> list[str]:
    """``_WORD_RE.findall(lowered)``, token by token (kaiku.language.text.findall_by_token:
    a token of letters only is one word). About a third faster than the regex on the whole
    text."""
    return findall_by_token(lowered, _WORD_RE.findall, str.isalpha, _TOKEN_ENDS)


def text_lemmas(text: str, lang: str) -> list[str]:
    return _scan(text, lang)[0]


def _scan(text: str, lang: str) -> tuple[list[str], bool, bool, frozenset[str]]:
    """Lemmas of the text in order without duplicates, whether a word may be stigma, whether
    a word contains one of the stigma phrases' triggers (when ``_letter_triggers``), and the
    strings the phrase patterns need that its words contain (``_phrase_needs``)."""
    lemmas_of, flagged_words, triggered_words, factor_words = _WORD_CACHE[lang]
    if len(lemmas_of) > _WORD_CACHE_MAX:  # plain dicts are faster than lru_cache on this path
        lemmas_of, flagged_words, triggered_words, factor_words = _WORD_CACHE[lang] = (
            {},
            set(),
            set(),
            {},
        )
    # Each distinct word once, in order of first appearance: the lemma order stays the same.
    words = dict.fromkeys(_words(text[:ANALYSED_CHARS].lower()))
    new = [w for w in words if w not in lemmas_of]
    if new:
        triggers = _letter_triggers(lang) or ()
        needs = _phrase_needs(lang)
        factors = needs[0] if needs is not None else ()
        for word in new:
            lemmas_of[word], flagged = _word_info(word, lang)
            if flagged:
                flagged_words.add(word)
            if any(trigger in word for trigger in triggers):
                triggered_words.add(word)
            held = frozenset(factor for factor in factors if factor in word)
            if held:
                factor_words[word] = held
    found = dict.fromkeys(chain.from_iterable(map(lemmas_of.__getitem__, words)))
    return (
        list(found),
        not flagged_words.isdisjoint(words),
        not triggered_words.isdisjoint(words),
        (
            frozenset().union(*map(factor_words.__getitem__, factor_words.keys() & words))
            if not factor_words.keys().isdisjoint(words)
            else _NO_FACTORS
        ),
    )


DETECTED_CHARS = 1000
OPENING_CHARS = 300
DECISIVE_LEAD = 8.0  # points: four stopwords more than any other language


def guess_language(text: str, hint: str = "") -> str:
    """The feed's own language hint, else the detector's guess from the first 1,000
    characters; when the opening 300 already put one language far ahead (a clear Finnish,
    Swedish or English text), that is the answer, at about a third of the cost."""
    hint = hint.lower()[:2]
    if hint in LANGS:
        return hint
    if len(text) > OPENING_CHARS:
        scores = language_scores(text[:OPENING_CHARS])
        if scores is not None:
            ranked = sorted(scores.values(), reverse=True)
            if ranked[0] - ranked[1] >= DECISIVE_LEAD:
                return best_language(scores)
    return detect_language(text[:DETECTED_CHARS])


# --- topics ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TopicSpec:
    """What matching needs of a Topic row (so worker threads never touch the database)."""

    id: int
    name: str
    keywords: tuple[str, ...]


@lru_cache(maxsize=20_000)
def _keyword_forms(keyword: str) -> tuple[tuple[str, ...], ...]:
    """Each way the keyword can appear among item lemmas: per language, one lemma per word."""
    words = [w.lower() for w in _WORD_RE.findall(keyword)]
    if not words:
        return ()
    forms: dict[tuple[str, ...], None] = {tuple(words): None}
    for lang in LANGS:
        forms[tuple((word_lemmas(w, lang) or (w,))[0] for w in words)] = None
    return tuple(forms)


class TopicMatcher:
    """Topics compiled into an index from lemma to the keywords that start with it.

    The index is built on first use, where matching happens: the pipeline makes a matcher per
    organisation in the writer's process and sends it to the parse worker processes, so the
    writer need not load Voikko, hunspell and the stemmers for the keywords' base forms
    (about 8 MB). A matcher travels as its topics alone and each process builds the index
    once for the same topics (``_matcher_for``), instead of unpickling it with every feed.
    """

    def __init__(self, topics: Iterable[TopicSpec]) -> None:
        self.topics = list(topics)
        self._built: dict[str, tuple[tuple[int, tuple[str, ...]], ...]] | None = None
        # Whether any keyword has a word: exactly when the index will have an entry.
        self._any = any(_WORD_RE.search(k) for topic in self.topics for k in topic.keywords)

    @property
    def _index(self) -> dict[str, tuple[tuple[int, tuple[str, ...]], ...]]:
        if self._built is None:
            # First lemma -> (topic id, the keyword's lemmas), each pair once.
            index: dict[str, dict[tuple[int, tuple[str, ...]], None]] = {}
            for topic in self.topics:
                for keyword in topic.keywords:
                    for form in _keyword_forms(keyword):
                        index.setdefault(form[0], {})[(topic.id, form)] = None
            self._built = {lemma: tuple(pairs) for lemma, pairs in index.items()}
        return self._built

    def __reduce__(self) -> tuple[Any, tuple[tuple[TopicSpec, ...]]]:
        return _matcher_for, (tuple(self.topics),)

    def __bool__(self) -> bool:
        return self._any

    def match(
        self, lemma_list: Sequence[str] | dict[str, None], title_lemmas: Iterable[str]
    ) -> dict[int, float]:
        """Topic id -> score: 1 per matched keyword, 2 when it is in the title.

        ``lemma_list`` may be the item's lemmas as the keys of a dict (``analyse`` has them
        so): they are looked up there instead of being copied into a set first."""
        if not self._any:
            return {}
        index = self._index
        present = lemma_list if isinstance(lemma_list, dict) else dict.fromkeys(lemma_list)
        in_title = set(title_lemmas)
        scores: dict[int, float] = {}
        for lemma in present.keys() & index.keys():
            for topic_id, form in index[lemma]:
                if len(form) > 1 and not all(word in present for word in form):
                    continue
                weight = 2.0 if in_title.issuperset(form) else 1.0
                scores[topic_id] = scores.get(topic_id, 0.0) + weight
        return scores


@lru_cache(maxsize=64)
def _matcher_for(topics: tuple[TopicSpec, ...]) -> TopicMatcher:
    """One matcher per distinct set of topics in a process (see ``TopicMatcher``)."""
    return TopicMatcher(topics)


# --- stigma ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _PhraseGate:
    """The phrase patterns combined into one search, plus a faster equivalent for most texts.

    ``lowered`` is the same alternation compiled without IGNORECASE, searched in the lowered
    text (about three times faster). It gives the same answer as ``combined`` on the original
    text when the pattern sources are plain lowercase (no escapes that name characters, no
    backreferences, no inline flags) and the text has no character whose case the regex
    engine folds differently from ``str.lower`` (dotless i, long s, the Kelvin sign, Greek
    sigma...). Texts of ASCII, Latin-1 (but the micro sign) and general punctuation, which
    covers fi, sv and en, take the fast way; any other character sends a text to
    ``combined``.
    """

    combined: re.Pattern[str]
    lowered: re.Pattern[str] | None

    def search(self, text: str, lowered_text: str) -> bool:
        if self.lowered is not None and _UNSAFE_FOR_LOWERED.search(text) is None:
            return self.lowered.search(lowered_text) is not None
        return self.combined.search(text) is not None


_UNSAFE_FOR_LOWERED = re.compile(r"[^\x00-\x7f\u00a0-\u00b4\u00b6-\u00ff\u2000-\u206f]")
# Escapes that name characters or groups, and inline flags: the lowered form is not used then.
_NOT_PLAIN = re.compile(r"\\[xuUN0-9]|\(\?(?![:!=]|<[!=])|\(\?P")


def _phrase_gate(sources: list[str]) -> _PhraseGate:
    alternation = "|".join(f"(?:{p})" for p in sources)
    try:  # one search instead of one per phrase
        combined = re.compile(alternation, re.IGNORECASE)
    except re.error:
        return _PhraseGate(re.compile(r"\w"), None)  # let every text through to the check
    plain = alternation == alternation.lower() and _NOT_PLAIN.search(alternation) is None
    return _PhraseGate(combined, re.compile(alternation) if plain else None)


_LETTERS = re.compile(r"[^\W\d_]+")


@lru_cache(maxsize=8)
def _letter_triggers(lang: str) -> tuple[str, ...] | None:
    """The phrase triggers of ``lang`` when each is letters only, else None.

    A run of letters in a text lies inside one word of ``_WORD_RE`` (a word takes every
    letter, digit and underscore after its first letter), so such a trigger is in a text
    exactly when it is in one of the text's words: ``_scan`` can tell from its cached words,
    once per word, what ``stigma_count`` would otherwise search every text for."""
    triggers = _stigma_gate(lang)[1]
    return triggers if all(_LETTERS.fullmatch(t) for t in triggers) else None


def _letters_of(value: str) -> str | None:
    """The longest run of letters in ``value`` (a substring of it), or None when it has none."""
    runs = _LETTERS.findall(value)
    return max(runs, key=len) if runs else None


def _needed(sequence: Any) -> frozenset[str] | None:
    """Strings of letters such that every match of the parsed regex ``sequence`` contains
    one of them (as a substring), or None when this cannot be told.

    A run of literal characters in a sequence is in every match, and so is any piece of it;
    an alternation needs one of its branches' strings, a repeat of at least one its item's.
    Of the candidates, the one with the longest shortest string is kept (the rarest, as a
    rule). Anything else (classes, any character, assertions, optional parts) adds nothing.
    """
    candidates: list[frozenset[str]] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            letters = _letters_of("".join(run))
            if letters is not None:
                candidates.append(frozenset([letters]))
            run.clear()

    for op, av in sequence:
        if op is _sre.LITERAL:
            run.append(chr(av))
            continue
        flush()
        found: frozenset[str] | None = None
        if op is _sre.SUBPATTERN:
            _group, add_flags, del_flags, inner = av
            if not add_flags and not del_flags:
                found = _needed(inner)
        elif op is _sre.BRANCH:
            branches = [_needed(branch) for branch in av[1]]
            if all(b is not None for b in branches):
                found = frozenset().union(*(b for b in branches if b is not None))
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT) and av[0] >= 1:
            found = _needed(av[2])
        elif op is _sre.ATOMIC_GROUP:
            found = _needed(av)
        if found:
            candidates.append(found)
    flush()
    if not candidates:
        return None
    return max(candidates, key=lambda c: (min(map(len, c)), -len(c)))


def _needed_all(sequence: Any) -> list[frozenset[str]] | None:
    """Every candidate of ``_needed`` for the top of ``sequence``: a match contains one string
    of each. None when there is none."""
    out: list[frozenset[str]] = []
    for op, av in sequence:
        found = _needed([(op, av)])
        if found:
            out.append(found)
    # Consecutive literals make longer strings together: add the sequence's best as well.
    best = _needed(sequence)
    if best:
        out.append(best)
    out = list(dict.fromkeys(out))
    # A set that another implies (each of the other's strings contains one of its own: "a"
    # and "addict") tells nothing more.
    return [
        mine
        for mine in out
        if not any(other != mine and all(any(s in o for s in mine) for o in other) for other in out)
    ] or None


RARE_FACTOR_CHARS = 2
# Per phrase pattern: the sets of strings a match needs one string of each of, and the
# pattern compiled as the lowered search has it (no IGNORECASE).
PhraseNeed = tuple[tuple[frozenset[str], ...], re.Pattern[str]]
PhraseNeeds = tuple[tuple[str, ...], tuple[PhraseNeed, ...]]


@lru_cache(maxsize=8)
def _phrase_needs(lang: str) -> PhraseNeeds | None:
    """What a match of each phrase pattern needs, or None when it cannot be told or the
    patterns have no lowered form (``_PhraseGate``): per pattern, sets of strings of letters
    such that each match contains one string of each set, with the pattern; and all those
    strings.

    Being letters, each string lies inside one word of ``_WORD_RE`` wherever it is in a
    lowered text (see ``_letter_triggers``): ``_scan`` finds, once per distinct word, which of
    them a word holds, and ``analyse`` searches only the patterns whose needs the words meet
    (``_possible_phrases``), most often none, instead of the whole alternation: that search
    was the dearest part of the stigma gate, about 25 µs for 2,000 characters of Finnish and
    100 µs of English. The alternation finds a match exactly when one of its patterns does.
    """
    gate = _stigma_gate(lang)[2]
    if gate is None or gate.lowered is None or _sre is None:
        return None
    needs: list[PhraseNeed] = []
    for source in _phrase_sources(lang):
        try:
            sets = _needed_all(list(_sre.parse(source)))
            pattern = re.compile(source)
        except (re.error, AttributeError, TypeError, ValueError):  # the parser's internals changed
            return None
        if sets is None:
            return None
        # Leaving a set out only lets more texts through to the search, and a set with a
        # string of one letter ("a") lets nearly every text through anyway, at the cost of
        # looking for it in every word.
        rare = [found for found in sets if min(map(len, found)) >= RARE_FACTOR_CHARS]
        needs.append((tuple(rare or sets), pattern))
    strings = sorted({s for sets, _pattern in needs for found in sets for s in found})
    return tuple(strings), tuple(needs)


def _possible_phrases(lang: str, held: frozenset[str]) -> tuple[re.Pattern[str], ...] | None:
    """The phrase patterns whose needs the strings ``held`` by a text's words meet: only
    they can match the lowered text. None when not known (search them all)."""
    needs = _phrase_needs(lang)
    if needs is None:
        return None
    if not held:
        return ()
    return tuple(
        pattern for sets, pattern in needs[1] if all(not found.isdisjoint(held) for found in sets)
    )


def _phrase_sources(lang: str) -> list[str]:
    """The phrase patterns that the combined search looks for (those without triggers)."""
    return [
        e.pattern.pattern
        for e in lexicon_for(lang).phrases
        if e.pattern is not None and not e.trigger
    ]


@lru_cache(maxsize=8)
def _stigma_gate(lang: str) -> tuple[Lexicon, tuple[str, ...], _PhraseGate | None]:
    lex = lexicon_for(lang)
    triggers = tuple(t for e in lex.phrases for t in e.trigger)
    sources = _phrase_sources(lang)
    return lex, triggers, _phrase_gate(sources) if sources else None


def _phrase_found(
    text: str,
    lowered: str,
    phrases: _PhraseGate | None,
    patterns: Sequence[re.Pattern[str]] | None,
) -> bool:
    if phrases is None:
        return False
    if patterns is not None:
        return any(pattern.search(lowered) is not None for pattern in patterns)
    return phrases.search(text, lowered)


def stigma_count(
    text: str,
    lang: str,
    *,
    words_flagged: bool | None = None,
    triggered: bool | None = None,
    phrase_patterns: Sequence[re.Pattern[str]] | None = None,
) -> int:
    """How many stigma findings the language check makes in ``text`` (cheap when none).

    ``words_flagged`` is the word-level prefilter result when the caller has it already;
    ``triggered`` whether a phrase trigger is in the text, when the caller knows (``_scan``'s
    answer for words that cover all of ``text``); ``phrase_patterns`` the phrase patterns
    that alone can match the lowered text, when the caller knows (``_possible_phrases``).
    """
    text = text[:ANALYSED_CHARS]
    lex, triggers, phrases = _stigma_gate(lang)
    lowered = text.lower()
    if words_flagged is None:
        words_flagged = lex.prefilter.search(lowered) is not None
    if triggered is None:
        triggered = any(t in lowered for t in triggers)
    if (
        not words_flagged
        and not triggered
        and not _phrase_found(text, lowered, phrases, phrase_patterns)
    ):
        return 0
    try:
        tokens, _sentences = tokenize(text)
        return len(check_stigma(text, lang, tokens, lex, "fi"))
    except TypeError:  # the internal signature changed: take the slower public way
        return sum(1 for finding in check(text, lang) if finding.kind == "stigma")


# --- one item ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Analysis:
    language: str
    lemmas: str  # " a b c ": padded so that a search can look for " lemma "
    topic_scores: dict[int, float]
    stigma_findings: int


def analyse(title: str, text: str, *, matcher: TopicMatcher | None, hint: str = "") -> Analysis:
    body = f"{title}. {text}" if title else text
    lang = guess_language(body, hint)
    title_lemmas, title_flag, title_triggered, title_factor = (
        _scan(title, lang) if title else ([], False, False, _NO_FACTORS)
    )
    text_lemma_list, text_flag, text_triggered, text_factor = _scan(text, lang)
    # The words tell about the triggers when they cover all that the check reads: the title
    # and text together, with nothing cut at ANALYSED_CHARS.
    triggered = None
    phrase_patterns = None
    if len(body) <= ANALYSED_CHARS:
        if _letter_triggers(lang) is not None:
            triggered = title_triggered or text_triggered
        # The factors are of the lowered search, which answers for texts it is safe on.
        if _phrase_needs(lang) is not None and _UNSAFE_FOR_LOWERED.search(body) is None:
            phrase_patterns = _possible_phrases(lang, title_factor | text_factor)
    # A dict as an ordered set: the matcher looks lemmas up in it as it is.
    found = dict.fromkeys([*title_lemmas, *text_lemma_list])
    scores: dict[int, float] = {}
    if matcher:
        scores = matcher.match(found, title_lemmas)
    return Analysis(
        language=lang,
        lemmas=f" {' '.join(found)} " if found else "",
        topic_scores=scores,
        stigma_findings=stigma_count(
            body,
            lang,
            words_flagged=title_flag or text_flag,
            triggered=triggered,
            phrase_patterns=phrase_patterns,
        ),
    )
