"""The fast paths of the tokeniser and the identifier search (cheap pre-checks, look-behinds
moved after the first character, memoised phone parsing) find exactly what the plain patterns
they replace found. The references below are the code as it was before the speed-up."""

from __future__ import annotations

import re
from collections.abc import Iterator

import phonenumbers
from hypothesis import given, settings
from hypothesis import strategies as st

from kaiku.language import ids, stigma, text
from kaiku.language.lexicon import lexicon_for

# --- references: the patterns and loops as first written ----------------------------------

_REF_URL_RE = text.URL_RE
_REF_MENTION_RE = re.compile(
    r"(?<![\w@])@[A-Za-z0-9_](?:[\w.-]*\w)?(?:@[a-z0-9-]+(?:\.[a-z0-9-]+)+)?"
)
_REF_HASHTAG_RE = re.compile(r"(?<![\w#&])#(\w+)")
_REF_HETU_RE = re.compile(
    r"(?<![\w-])(\d{2})(\d{2})(\d{2})([-+A-FU-Y])(\d{3})([0-9A-Y])(?![\w-])", re.I
)
_REF_PHONE_RE = re.compile(r"(?<![\w+.,/])(?:\+|00)?\d[\d\u00a0 ()/-]{5,17}\d(?![\w.,]\d)")
_REF_IBAN_RE = re.compile(
    r"(?<![A-Z0-9])([A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?)(?![A-Z0-9])"
)


def _ref_url_spans(value: str) -> list[tuple[int, int]]:
    out = []
    for m in _REF_URL_RE.finditer(value):
        u = text.strip_trailing(m.group(0))
        if "@" in value[max(0, m.start() - 1) : m.start()]:
            continue
        out.append((m.start(), m.start() + len(u)))
    return out


def _ref_protected(value: str) -> list[tuple[int, int]]:
    if "." not in value and "@" not in value and "/" not in value:
        return []
    spans = _ref_url_spans(value)
    spans += [m.span() for m in text.EMAIL_RE.finditer(value)]
    spans += [m.span() for m in _REF_MENTION_RE.finditer(value)]
    spans.sort()
    return spans


def _ref_tokenize(value: str) -> tuple[tuple[text.Token, ...], tuple[tuple[int, int], ...]]:
    sentences = text.sentence_spans(value)
    protected = _ref_protected(value)
    tokens: list[text.Token] = []
    si = 0
    pi = 0
    first_in_sentence = -1
    for m in text.WORD_RE.finditer(value):
        s, e = m.span()
        while si < len(sentences) - 1 and s >= sentences[si][1]:
            si += 1
        while pi < len(protected) and protected[pi][1] <= s:
            pi += 1
        prot = pi < len(protected) and protected[pi][0] <= s < protected[pi][1]
        tag = s > 0 and value[s - 1] == "#"
        initial = first_in_sentence != si
        if initial:
            first_in_sentence = si
        word = m.group(0)
        tokens.append(text.Token(s, e, word, word.lower(), si, initial, prot, tag))
    return tuple(tokens), tuple(sentences)


def _ref_quoted(value: str) -> list[tuple[int, int]]:
    spans = []
    for m in text.QUOTE_SPAN_RE.finditer(value):
        g = 1 if m.group(1) is not None else 2
        spans.append(m.span(g))
    return spans


def _ref_hetu(value: str) -> list[tuple[int, int]]:
    out = []
    for m in _REF_HETU_RE.finditer(value):
        if ids._hetu_ok(m):
            out.append(m.span())
    return out


def _ref_phones(value: str) -> Iterator[tuple[int, int]]:
    for m in _REF_PHONE_RE.finditer(value):
        cand = m.group(0).rstrip()
        if not cand.startswith(("+", "0")):
            continue
        digits = sum(c.isdigit() for c in cand)
        if digits < 7 or digits > 15:
            continue
        try:
            num = phonenumbers.parse(cand, "FI")
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(num):
            yield m.start(), m.start() + len(cand)


def _ref_ibans(value: str) -> Iterator[tuple[int, int]]:
    for m in _REF_IBAN_RE.finditer(value):
        v = m.group(1)
        while v and not ids.iban_valid(v):
            if " " not in v:
                v = ""
                break
            v = v.rsplit(" ", 1)[0]
        if v:
            yield m.start(1), m.start(1) + len(v)


def _ref_addresses(value: str) -> list[tuple[int, int]]:
    spans = [m.span() for m in ids._ADDRESS_RE.finditer(value)]
    spans += [m.span() for m in ids._EN_ADDRESS_RE.finditer(value)]
    return sorted(spans)


def _ref_emails(value: str) -> list[tuple[int, int]]:
    spans = [m.span() for m in text.EMAIL_RE.finditer(value)]
    if "[" in value or "(" in value or "{" in value:
        spans += [m.span() for m in ids.DISGUISED_EMAIL_RE.finditer(value)]
    return sorted(spans)


# --- generated texts: fragments where the fast paths and the patterns could part ways -------

FRAGMENTS = [
    "https://", "http://", "WWW.", "www.", ".fi", ".FI", ".com", ".org/x", "kaiku.fi", "@",
    "@kaiku", "nimi@esimerkki.fi", "#", "#Tag", "&#", "##", "\"", "“", "”", "'", "\u2019", "«", "»",
    "(", ")",
    "+358 40 123 4567", "040 123 4567", "00358401234567", "09 310 1691", "+", "00", "0", "-", "/",
    ",", ".", " ", "\n", "\u00a0", "131052-308T", "010101A123N", "290200-1234", "A", "x", "_",
    "FI21 1234 5600 0007 85", "FI2112345600000785", "SE45 5000 0000 0583 9825 7466", "GB", "FI",
    "Mannerheimintie 12 A 3", "Norra Esplanaden 4", "Bulevardi 5", "Esplanadi 2, 00100 Helsinki",
    "12 North Street, Flat 4, Leeds LS1 4AB", "Street", "Road", "tie 7", "katu", " 12", "gatan 3",
    "Puh.", "Kiitos Anna.", "ä", "Ö", "1", "2", "3", "9", "İ", "\u017f", "\u212a", "[at]",
]  # fmt: skip
texts_st = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(alphabet="aA1 .-+@/:#'\"", max_size=4)),
    max_size=30,
).map("".join)


@settings(max_examples=600, deadline=None)
@given(texts_st)
def test_tokenize_and_spans_match_the_plain_patterns(value: str) -> None:
    text.tokenize.cache_clear()
    assert text.tokenize(value) == _ref_tokenize(value)
    assert text.protected_spans(value) == _ref_protected(value)
    assert text.url_spans(value) == _ref_url_spans(value)
    assert text.quoted_spans(value) == _ref_quoted(value)
    assert [m.span(1) for m in text.HASHTAG_RE.finditer(value)] == [
        m.span(1) for m in _REF_HASHTAG_RE.finditer(value)
    ]
    assert [m.span() for m in text.MENTION_RE.finditer(value)] == [
        m.span() for m in _REF_MENTION_RE.finditer(value)
    ]


@settings(max_examples=600, deadline=None)
@given(texts_st)
def test_identifier_search_matches_the_plain_patterns(value: str) -> None:
    assert list(ids.find_hetu(value)) == _ref_hetu(value)
    assert list(ids.find_phones(value)) == list(_ref_phones(value))
    assert list(ids.find_ibans(value)) == list(_ref_ibans(value))
    assert list(ids.find_addresses(value)) == _ref_addresses(value)
    assert list(ids.find_emails(value)) == _ref_emails(value)


# --- anchored phrase patterns ---------------------------------------------------------------

_ANCHORED = [e for lang in ("fi", "sv", "en") for e in lexicon_for(lang).phrases if e.anchor]
HEAD_WORDS = [
    "kossu", "Kalja", "viina", "kama", "lääke", "BENTSO", "subu", "spiidi", "amfe", "huume",
    "heroiini", "hasis", "pössy", "nappi", "sieni", "jointti", "ganja", "dokaus", "doku", "röökki",
    "pää", "PÄÄ", "päi", "päihde", "-", "p", "ää", "äi", "den", "lle", "kin", "hän", " ", ".", "x",
    "İ", "1",
]  # fmt: skip


def test_some_phrase_pattern_is_anchored() -> None:
    assert _ANCHORED, "no anchored entry: the test below would test nothing"


@settings(max_examples=800, deadline=None)
@given(st.lists(st.sampled_from(HEAD_WORDS), max_size=25).map("".join))
def test_anchored_phrase_search_finds_what_finditer_finds(value: str) -> None:
    for e in _ANCHORED:
        assert e.pattern is not None
        expected = [m.span() for m in e.pattern.finditer(value)]
        got = stigma._phrase_spans(e, value, value.lower(), (), use_lemmas=True)
        assert got == expected, e.base
