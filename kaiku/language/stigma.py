"""Stigmatising words and phrases, found by morphology (fi) or stem + suffix (sv, en)."""

from __future__ import annotations

from collections.abc import Sequence

from . import morph, suggest
from .lexicon import Entry, Lexicon, match_fi, match_stem_suffix
from .messages import message
from .text import Token, inside, quoted_spans
from .types import Finding, Severity
from .words import lemma_candidates

# Words that introduce a term as a word ("the word 'addict'", "sana narkkari").
META_WORDS = frozenset(
    [
        "sana",
        "sanaa",
        "sanan",
        "sanat",
        "sanoja",
        "sanoista",
        "termi",
        "termiä",
        "termin",
        "termit",
        "termejä",
        "ilmaus",
        "ilmausta",
        "ilmauksen",
        "ilmaukset",
        "ilmauksia",
        "nimitys",
        "nimitystä",
        "nimityksen",
        "nimityksiä",
        "nimitykset",
        "käsite",
        "käsitettä",
        "kuten",
        "esimerkiksi",
        "esim",
        "word",
        "words",
        "term",
        "terms",
        "label",
        "labels",
        "expression",
        "expressions",
        "phrase",
        "like",
        "ord",
        "ordet",
        "orden",
        "term",
        "termen",
        "termer",
        "uttryck",
        "uttrycket",
        "begrepp",
        "begreppet",
        "benämning",
        "benämningen",
        "som",
        "säg",
        "säga",
        "sano",
        "sanokaa",
        "say",
    ]
)
_STRONG_META = META_WORDS - {"kuten", "esimerkiksi", "esim", "like", "som"}
# "X on loukkaava sana", "X is an outdated term": the word itself is the subject.
_META_NOUNS = frozenset(
    [
        "sana",
        "sanana",
        "sanoja",
        "sanat",
        "sanoina",
        "termi",
        "termejä",
        "termit",
        "termeinä",
        "ilmaus",
        "ilmauksia",
        "ilmaukset",
        "nimitys",
        "nimityksiä",
        "nimitykset",
        "word",
        "words",
        "term",
        "terms",
        "expression",
        "expressions",
        "label",
        "labels",
        "ord",
        "orden",
        "orden",
        "termer",
        "uttryck",
        "uttrycken",
    ]
)
_COPULA = frozenset(["on", "oli", "ovat", "is", "was", "are", "är", "var"])
_LIST_GLUE = frozenset(["ja", "tai", "sekä", "eikä", "and", "or", "och", "eller", "nor"])


def check_stigma(
    text: str,
    lang: str,
    tokens: Sequence[Token],
    lex: Lexicon,
    ui_lang: str,
) -> list[Finding]:
    quotes = quoted_spans(text)
    hits: list[tuple[int, int, Entry]] = []
    lowered = text.lower()

    use_lemmas = lang == "fi" and morph.voikko_available()
    for e in lex.phrases:
        for s, end in _phrase_spans(e, text, lowered, tokens, use_lemmas=use_lemmas):
            if any(x.match(text, s) for x in e.exclude):
                continue
            hits.append((s, end, e))

    taken = [(s, end) for s, end, _ in hits]
    for t in tokens:
        if t.protected:
            continue
        if any(s <= t.start < end for s, end in taken):
            continue
        entry = match_fi(t.lower, lex) if lang == "fi" else match_stem_suffix(t.lower, lex)
        if entry is None or any(x.match(text, t.start) for x in entry.exclude):
            continue
        hits.append((t.start, t.end, entry))

    findings = []
    prev_meta_end: int | None = None
    for s, end, e in sorted(hits, key=lambda h: h[0]):
        if _proper_name(tokens, s, lang):
            continue
        meta = (
            inside(quotes, s, end)
            or _meta_before(tokens, s)
            or _meta_after(tokens, end)
            or (prev_meta_end is not None and _list_glue(text[prev_meta_end:s]))
        )
        prev_meta_end = end if meta else None
        severity: Severity = "info" if meta else _severity(e.severity)
        msg_code = "stigma.quoted" if meta else e.code
        findings.append(
            Finding(
                "stigma",
                e.code,
                s,
                end,
                text[s:end],
                severity,
                message(msg_code, ui_lang, text=text[s:end]),
                suggest.shown([*e.alternatives, *e.advice], text[s:end], ui_lang),
                e.source,
                suggest.replacements(text, tokens, s, end, e, ui_lang),
            )
        )
    return findings


def _severity(value: str) -> Severity:
    if value == "block":
        return "block"
    return "info" if value == "info" else "warn"


def _list_glue(between: str) -> bool:
    """True when only commas and conjunctions separate two terms ("nisti tai narkkari")."""
    words = between.replace(",", " ").replace("”", " ").replace('"', " ").split()
    return len(words) <= 1 and all(w.lower() in _LIST_GLUE for w in words)


def _meta_after(tokens: Sequence[Token], end: int) -> bool:
    idx = next((k for k, t in enumerate(tokens) if t.end == end), None)
    if idx is None or idx + 1 >= len(tokens) or tokens[idx + 1].lower not in _COPULA:
        return False
    sent = tokens[idx].sentence
    return any(t.lower in _META_NOUNS for t in tokens[idx + 2 : idx + 7] if t.sentence == sent)


def _proper_name(tokens: Sequence[Token], start: int, lang: str) -> bool:
    """A capitalised hit followed by another capitalised word is most likely a name or title
    ("Crazy Horse")."""
    idx = next((k for k, t in enumerate(tokens) if t.start == start), None)
    if idx is None or idx + 1 >= len(tokens):
        return False
    t, nxt = tokens[idx], tokens[idx + 1]
    return (
        t.text[:1].isupper()
        and not t.text.isupper()
        and nxt.sentence == t.sentence
        and nxt.text[:1].isupper()
        and not nxt.text.isupper()
        and lang in ("en", "sv", "fi")
    )


def _meta_before(tokens: Sequence[Token], start: int) -> bool:
    idx = next((k for k, t in enumerate(tokens) if t.start == start), None)
    if idx is None:
        return False
    sent = tokens[idx].sentence
    for back in (1, 2, 3):
        k = idx - back
        if k < 0 or tokens[k].sentence != sent:
            break
        word = tokens[k].lower
        if word in _STRONG_META or (back == 1 and word in META_WORDS):
            return True
    return False


def _phrase_spans(
    e: Entry, text: str, lowered: str, tokens: Sequence[Token], *, use_lemmas: bool
) -> list[tuple[int, int]]:
    if e.lemmas and use_lemmas:
        if e.trigger and not any(tr in lowered for tr in e.trigger):
            return []
        return _lemma_sequence_spans(e, tokens)
    if e.pattern is not None:
        return [m.span() for m in e.pattern.finditer(text)]
    return []


def _lemma_sequence_spans(e: Entry, tokens: Sequence[Token]) -> list[tuple[int, int]]:
    out = []
    n = len(tokens)
    first = e.lemmas[0]
    for i in range(n):
        if tokens[i].protected or not (lemma_candidates(tokens[i].lower) & first):
            continue
        pos = i
        ok = True
        for want in e.lemmas[1:]:
            nxt = None
            for k in range(pos + 1, min(n, pos + 4)):
                if tokens[k].sentence != tokens[i].sentence:
                    break
                if lemma_candidates(tokens[k].lower) & want:
                    nxt = k
                    break
            if nxt is None:
                ok = False
                break
            pos = nxt
        if ok:
            out.append((tokens[i].start, tokens[pos].end))
    return out
