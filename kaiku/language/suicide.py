"""Suicide-safe communication: method and place detail, success framing, suicide as a solution,
and a pointer to help. Follows WHO's resource for media professionals (2023 update) and the
Finnish recommendations that build on it; the word lists are the project's own."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from .messages import message
from .text import Token
from .types import Finding, Severity
from .words import FiWordSet

SOURCE = "WHO: Preventing suicide \u2013 a resource for media professionals (2023)"
SOURCE_HELP = "WHO: Preventing suicide \u2013 a resource for media professionals (2023); MIELI ry"


@dataclass(frozen=True, slots=True)
class Rules:
    mention_words: FiWordSet | None
    method_words: FiWordSet | None
    prevention_words: FiWordSet | None
    mention_re: re.Pattern[str]
    method_re: re.Pattern[str] | None
    prevention_re: re.Pattern[str] | None
    framing_re: re.Pattern[str]
    solution_re: re.Pattern[str]
    negation_re: re.Pattern[str]
    help_re: re.Pattern[str]
    trigger: tuple[str, ...]
    self_method_re: re.Pattern[str]
    deed_re: re.Pattern[str]
    death_re: re.Pattern[str]
    death_method_re: re.Pattern[str]


@lru_cache(maxsize=4)
def rules(lang: str) -> Rules:
    path = resources.files("kaiku.language").joinpath("data", "suicide.toml")
    d = tomllib.loads(path.read_text(encoding="utf-8"))[lang]

    def rx(key: str) -> re.Pattern[str]:
        return re.compile(str(d[key]), re.IGNORECASE)

    fi = lang == "fi"
    return Rules(
        FiWordSet(d["mention_words"]) if fi else None,
        FiWordSet(d["method_words"]) if fi else None,
        FiWordSet(d["prevention_words"]) if fi else None,
        rx("mention"),
        None if fi else rx("method"),
        None if fi else rx("prevention"),
        rx("framing"),
        rx("solution"),
        rx("negation"),
        rx("help"),
        tuple(str(w) for w in d["trigger"]),
        rx("self_method"),
        rx("deed"),
        rx("death"),
        rx("death_method"),
    )


def check_suicide(
    text: str,
    lang: str,
    tokens: Sequence[Token],
    sentences: Sequence[tuple[int, int]],
    ui_lang: str,
) -> list[Finding]:
    r = rules(lang)
    lowered = text.lower()
    if not any(w in lowered for w in r.trigger):
        return []
    out: list[Finding] = []

    def add(code: str, s: int, e: int, severity: Severity, source: str = SOURCE) -> None:
        out.append(
            Finding(
                "stigma",
                code,
                s,
                e,
                text[s:e],
                severity,
                message(code, ui_lang, text=text[s:e]),
                _suggestions(code, lang),
                source,
            )
        )

    first_mention: tuple[int, int] | None = None
    by_sentence: dict[int, list[Token]] = {}
    for t in tokens:
        if not t.protected:
            by_sentence.setdefault(t.sentence, []).append(t)
    for idx, (ss, se) in enumerate(sentences):
        sent = lowered[ss:se]
        sent_tokens = by_sentence.get(idx, [])
        mentions = [
            (t.start, t.end)
            for t in sent_tokens
            if r.mention_words is not None and t.lower in r.mention_words
        ]
        mentions += [(ss + m.start(), ss + m.end()) for m in r.mention_re.finditer(sent)]
        if not mentions:
            told = _told_without_the_word(r, sent, sent_tokens)
            if told is not None:
                # A self-inflicted death told by its method: the method is the detail to drop.
                add("suicide.method_detail", ss + told[0], ss + told[1], "warn")
                if first_mention is None:
                    first_mention = (ss + told[0], ss + told[1])
            continue
        mentions.sort()
        if first_mention is None:
            first_mention = mentions[0]
        for m in r.framing_re.finditer(sent):
            add("suicide.success_framing", ss + m.start(), ss + m.end(), "warn")
        if _prevention(r, sent, sent_tokens):
            continue
        for m in r.solution_re.finditer(sent):
            if r.negation_re.search(sent[max(0, m.start() - 25) : m.start()]):
                continue
            add("suicide.as_solution", ss + m.start(), ss + m.end(), "warn")
        methods: list[tuple[int, int]] = []
        if r.method_words is not None:
            methods = [(t.start, t.end) for t in sent_tokens if t.lower in r.method_words]
        elif r.method_re is not None:
            methods = [(ss + m.start(), ss + m.end()) for m in r.method_re.finditer(sent)]
        if methods:
            # One finding per sentence, covering all its method and place words.
            add("suicide.method_detail", min(s for s, _ in methods), max(e for _, e in methods),
                "warn")  # fmt: skip
    if first_mention is not None and r.help_re.search(lowered) is None:
        add("suicide.helpline", first_mention[0], first_mention[1], "info", SOURCE_HELP)
    return out


def _told_without_the_word(
    r: Rules, sent: str, sent_tokens: Sequence[Token]
) -> tuple[int, int] | None:
    """The span of the method when a sentence tells of a self-inflicted death through its
    verbs: a reflexive method verb ("hirttäytyi", "hängde sig", "shot herself"), or a deed, a
    method or place word and a death together ("hyppäsi katolta ja kuoli", "jumped from the
    bridge and died"). Prevention sentences ("suoja-aidat ehkäisevät") are left alone."""
    m = r.self_method_re.search(sent)
    if m is not None:
        return None if _prevention(r, sent, sent_tokens) else m.span()
    if r.death_re.search(sent) is None or r.deed_re.search(sent) is None:
        return None
    places = [x.span() for x in r.death_method_re.finditer(sent)]
    if not places or _prevention(r, sent, sent_tokens):
        return None
    return places[0][0], places[-1][1]


def _prevention(r: Rules, sent: str, sent_tokens: Sequence[Token]) -> bool:
    if r.prevention_words is not None:
        return any(t.lower in r.prevention_words for t in sent_tokens)
    return r.prevention_re is not None and r.prevention_re.search(sent) is not None


def _suggestions(code: str, lang: str) -> list[str]:
    if code == "suicide.success_framing":
        return {
            "fi": ["itsemurha", "itsemurhayritys"],
            "sv": ["självmord", "självmordsförsök"],
            "en": ["suicide", "suicide attempt"],
        }[lang]
    if code == "suicide.helpline":
        return {
            "fi": ["Jos sinulla on itsetuhoisia ajatuksia, soita MIELI ry:n Kriisipuhelimeen "
                   "09 2525 0111."],
            "sv": ["Om du har självmordstankar, ring MIELI rf:s kristelefon 09 2525 0111."],
            "en": ["If you have thoughts of suicide, call the MIELI crisis line 09 2525 0111."],
        }[lang]  # fmt: skip
    return []
