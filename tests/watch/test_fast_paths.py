"""The watch's faster text helpers give the same results as the regexes they replace."""

from __future__ import annotations

import email.utils
import html
import json
import random
import re
import sys
from pathlib import Path

import nh3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kaiku import dates
from kaiku.watch.ingest import analysis, parse, sanitize
from kaiku.watch.ingest.sanitize import _squash, content_hash, text_of

EVAL_SET = Path(__file__).parents[1] / "language" / "eval_set.jsonl"

_REF_SPACE_RE = re.compile(r"\s+")


def test_squashing_whitespace_knows_the_same_whitespace_as_the_regex() -> None:
    spaces = [chr(c) for c in range(sys.maxunicode + 1) if _REF_SPACE_RE.fullmatch(chr(c))]
    assert [c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace()] == spaces
    rng = random.Random(5)
    alphabet = ["a", "ä", "<b>", "&amp;", "&nbsp;", *spaces]
    for _ in range(2000):
        value = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        assert _squash(value) == _REF_SPACE_RE.sub(" ", value).strip()
        unescaped = html.unescape(re.sub(r"<[^>]*>", " ", value))
        assert text_of(value) == _REF_SPACE_RE.sub(" ", unescaped).strip()


def test_content_hash_normalises_case_and_whitespace() -> None:
    title = "Päihdepalvelut\u00a0 leikkausten\tkohteena"
    assert content_hash(title, " Aluevaltuusto\n päätti  tänään. ") == content_hash(
        "päihdepalvelut leikkausten kohteena", "aluevaltuusto päätti tänään."
    )


def _stigma_texts() -> list[str]:
    rng = random.Random(11)
    texts = [json.loads(line)["text"] for line in EVAL_SET.read_text().splitlines()]
    # Case variants and characters that the regex engine folds unlike str.lower: dotless and
    # dotted I, long s, the Kelvin and Angstrom signs, micro sign, sigma, curly quotes.
    swaps = {"i": "\u0131", "I": "\u0130", "s": "\u017f", "k": "\u212a", "å": "\u212b",
             "m": "\u00b5", "a": "\u03a3", "'": "\u2019", " ": "\u00a0"}  # fmt: skip
    out = []
    for value in texts:
        out += [value, value.upper(), value.title()]
        for old, new in swaps.items():
            if old in value:
                out.append(value.replace(old, new, 1))
                out.append(value.upper().replace(old.upper(), new, 1))
    out += [" ".join(rng.sample(texts, 4)) for _ in range(300)]
    return out


# (Finnish phrases are lemma sequences with cheap triggers: no pattern search to speed up.)
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_lowered_phrase_search_answers_as_the_case_insensitive_one(lang: str) -> None:
    gate = analysis._stigma_gate(lang)[2]
    assert gate is not None and gate.lowered is not None  # the phrases are plain lowercase
    hits = 0
    for value in _stigma_texts():
        expected = gate.combined.search(value) is not None
        assert gate.search(value, value.lower()) == expected, value
        hits += expected
    assert hits > 20  # the texts do exercise the phrases


def test_the_reusable_sanitiser_gives_what_nh3_clean_gives() -> None:
    rng = random.Random(3)
    parts = [
        "<p>", "</p>", "<script>x()</script>", "<!-- c -->", '<a href="javascript:x">',
        '<a href="https://a.example/?q=1&amp;b=2" onclick="y()">', "</a>", "<img src=x>",
        "<style>p{}</style>", "<table><td colspan=2>", "Päihde &nbsp; työ", "<b", "&bogus;",
    ]  # fmt: skip
    for _ in range(500):
        raw = "".join(rng.choice(parts) for _ in range(rng.randint(0, 20)))
        expected = nh3.clean(
            raw,
            tags=sanitize._TAGS,
            attributes=sanitize._ATTRIBUTES,
            url_schemes=sanitize._SCHEMES,
            link_rel="noopener nofollow noreferrer",
            strip_comments=True,
        )
        assert sanitize.clean_html(raw) == expected
        assert sanitize._strip_tags(raw) == nh3.clean(raw, tags=set())


def _reference_scan(value: str, lang: str) -> tuple[list[str], bool, bool, bool]:
    found: list[str] = []
    flagged = False
    lowered = value[: analysis.ANALYSED_CHARS].lower()
    for word in analysis._WORD_RE.findall(lowered):
        lemmas, flag = analysis._word_info(word, lang)
        found += lemmas
        flagged = flagged or flag
    # The triggers searched in the text itself, as stigma_count searches them.
    triggered = any(t in lowered for t in analysis._letter_triggers(lang) or ())
    needs = analysis._phrase_needs(lang)
    held = frozenset(f for f in (needs[0] if needs else ()) if f in lowered)
    return list(dict.fromkeys(found)), flagged, triggered, held


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_scanning_gives_the_lemmas_and_flags_of_a_word_by_word_scan(
    lang: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(analysis, "_WORD_CACHE_MAX", 500)  # the cache fills and is replaced
    texts = [json.loads(line)["text"] for line in EVAL_SET.read_text().splitlines()]
    flagged = 0
    for value in [*texts, " ".join(texts[:40])]:
        expected = _reference_scan(value, lang)
        assert analysis._scan(value, lang) == expected, value
        flagged += expected[1]
    assert flagged > 10


def test_the_common_rfc_822_dates_are_read_as_the_email_module_reads_them() -> None:
    rng = random.Random(2)
    days = ["Mon, ", "Sun, ", "Xyz, ", "mon, ", ""]
    months = [*dates._MONTHS, "mar", "MAR"]
    zones = ["+0000", "-0000", "+0200", "-0530", "GMT", "UT", "UTC", "EET", "Z", "+9999", "+0060"]
    read = 0
    for _ in range(20000):
        day = f"{rng.randint(0, 33):0{rng.choice([1, 2])}d}"
        year = rng.choice([1989, 2024, 2099, 24])
        hms = ":".join(f"{rng.randint(0, n):02d}" for n in (25, 61, 61))
        value = f"{rng.choice(days)}{day} {rng.choice(months)} {year} {hms} {rng.choice(zones)}"
        fast = dates._rfc822_common(value)
        if fast is None:  # not the common form, or not a real date: the general way decides
            continue
        read += 1
        slow = email.utils.parsedate_to_datetime(dates._TZ_RE.sub(dates._tz_offset, value))
        assert (fast, fast.utcoffset()) == (slow, slow.utcoffset()), value
    assert read > 3000


def test_canonical_url_takes_a_short_way_for_plain_links_with_the_same_result() -> None:
    rng = random.Random(11)
    schemes = ["http", "https", "HTTP", "ftp", "javascript"]
    hosts = ["example.fi", "Example.FI.", "ex-ample.fi", "a..b", "[::1]", "h.fi:8080", "h.fi:443",
             "user@h.fi", "hä.fi", "1.2.3.4", "-", ""]  # fmt: skip
    path_parts = ["", "/", "/a", "/A/b.html", "/ä", "/a b", "/%20", "/a;b", "/@x", "/\t", "//x",
                  "/\u00a0", "/\u2028", "/a\x00"]  # fmt: skip
    names = [
        "a",
        "B",
        "utm_source",
        "UTM_Medium",
        "fbclid",
        "x_y",
        "a.b",
        "~",
        "",
        "ä",
        "a+b",
        "%41",
    ]
    values = ["", "1", "x y", "a=b", "ä", "%2F", "+", "-._~", "rss"]
    fragments = ["", "#", "#top", "#a?b", "#a b"]
    short = 0
    for _ in range(20_000):
        pairs = [
            rng.choice(names) + rng.choice(["", "=", "=" + rng.choice(values)])
            for _ in range(rng.randint(0, 4))
        ]
        query = rng.choice(["", "?", "?" + "&".join(pairs), "?" + "&&".join(pairs)])
        url = (
            f"{rng.choice(['', ' '])}{rng.choice(schemes)}://{rng.choice(hosts)}"
            f"{rng.choice(path_parts)}{query}{rng.choice(fragments)}{rng.choice(['', chr(10)])}"
        )
        if sanitize._PLAIN_URL.fullmatch(url.strip()):
            short += 1
        assert sanitize.canonical_url(url) == sanitize._canonical_url(url.strip()), url
    assert short > 1000  # the short way was taken, and checked, many times


def test_content_hash_of_squashed_text_is_the_hash_of_the_text_squashed_again() -> None:
    rng = random.Random(12)
    alphabet = ["a", "Ä", " ", "\u00a0", "\t", "\n", "<p>", "&amp;", "İ", "ẞ", "x" * 30]
    for _ in range(3000):
        title = sanitize.plain("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 20))))
        raw = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 400)))
        text = text_of(raw)[: rng.choice([20_000, 4001, 4000, 3999, 57])]
        assert content_hash(title, text, squashed=True) == content_hash(title, text)


def test_prepared_items_come_back_from_a_worker_process_exactly_as_they_left() -> None:
    from datetime import UTC, datetime, timedelta, timezone

    from kaiku.watch.ingest.prepare import PreparedItem, pack, unpack

    rng = random.Random(11)
    helsinki = timezone(timedelta(hours=2))
    items = []
    for n in range(300):
        when = [
            None,
            datetime(1969, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
            datetime(2026, 3, 29, 3, 0, 0, rng.randrange(10**6), tzinfo=helsinki),
            datetime(2038, 1, 19, 3, 14, 8, 1, tzinfo=UTC),
        ][n % 4]
        items.append(
            PreparedItem(
                guid=f"tag:esimerkki,2026:{n}",
                url=f"https://esimerkki.example/ä/{n}",
                canonical_url="" if n % 5 else f"https://esimerkki.example/{n}",
                url_hash=f"{n:016x}",
                content_hash="",
                title="Päihdetyö ja 🙂 ”lainaus”\u2028",
                summary_html=f"<p>{'å' * rng.randrange(3000)}</p>",
                text="x" * rng.randrange(5),
                author_name="",
                author_handle="@kaiku@esimerkki.example",
                platform="mastodon",
                language=rng.choice(["fi", "sv", "en", ""]),
                published_at=when,
                engagement={"likes": n, "boosts": 2**40} if n % 2 else {},
                lemmas=" päihde työ ",
                stigma_findings_count=n % 3,
                mentioned_accounts=["mastodon:a@b.example"] * (n % 2),
                links=[f"https://l.example/{n}"],
                topic_scores={1: 2.0, 7: 0.5} if n % 3 else {},
            )
        )
    back = unpack(pack(items))
    assert back == items
    assert [i.published_at for i in back] == [i.published_at for i in items]


def _outcome(text: str, *, defused: bool) -> object:
    try:
        feed = parse._parse_xml(text, defused=defused)
    except Exception as exc:  # a WatchError's code, or any other failure by its type
        return ("error", getattr(exc, "code", type(exc).__name__))
    problem = feed.problem.code if feed.problem else ""
    return (feed.format, feed.title, feed.site_url, feed.entries, problem, feed.skipped)


@pytest.mark.slow  # 5 s or more on the shared machine: `make test` runs it, `make unit` not
def test_the_c_parser_reads_every_feed_that_declares_no_entity_as_the_defused_one_does() -> None:
    from tests.watch.corpus_gen import cases
    from tests.watch.server import CORPUS

    bodies = [case.body for case in cases()] + [p.read_bytes() for p in CORPUS.iterdir()]
    compared = 0
    for body in bodies:
        text = parse.decode(body)
        if not text.lstrip().startswith("<") or "<!ENTITY" in text:
            continue
        compared += 1
        for cut in (len(text), len(text) // 2, len(text) // 3):  # whole, and broken off
            fast = _outcome(text[:cut], defused=False)
            assert fast == _outcome(text[:cut], defused=True), body[:120]
    assert compared >= 150


def test_a_document_that_could_declare_an_entity_takes_the_defused_parser(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    chosen: list[bool | None] = []
    real = parse._pull

    def spy(text: str, *, defused: bool | None = None) -> parse.ParsedFeed:
        chosen.append("<!ENTITY" in text if defused is None else defused)
        return real(text, defused=defused)

    monkeypatch.setattr(parse, "_pull", spy)
    with pytest.raises(parse.WatchError) as refused:
        parse.parse_feed(b'<!DOCTYPE rss [<!ENTITY e "x">]><rss><channel></channel></rss>')
    assert refused.value.code == "xml_entities" and chosen == [True]
    chosen.clear()
    parse.parse_feed(b"<rss><channel><item><title>t</title><guid>1</guid></item></channel></rss>")
    assert chosen == [False]


def test_a_decisive_opening_gives_the_language_the_first_thousand_characters_give() -> None:
    """Texts of one language, 300 to 3,000 characters, from the language library's sentences."""
    from kaiku.language import detect_language
    from kaiku.watch.ingest.analysis import OPENING_CHARS, guess_language

    rows = [json.loads(line) for line in EVAL_SET.open(encoding="utf-8")]
    by_language: dict[str, list[str]] = {}
    for row in rows:
        by_language.setdefault(row["lang"], []).append(row["text"])
    rng = random.Random(5)
    seen: dict[str, int] = {}
    for language, sentences in sorted(by_language.items()):
        for _ in range(300):
            text = " ".join(rng.choice(sentences) for _ in range(rng.randint(3, 40)))
            if len(text) <= OPENING_CHARS:
                continue
            assert guess_language(text) == detect_language(text[:1000]), text[:200]
            seen[language] = seen.get(language, 0) + 1
    assert set(seen) == {"fi", "sv", "en"} and min(seen.values()) >= 200


# Pieces of Finnish text around the stigma phrases' triggers, with what can sit next to a
# word: digits and underscores (word characters that start no word), hyphens, apostrophes,
# case and characters whose lowercase differs in length (İ).
_TRIGGER_PIECES = st.sampled_from(
    [
        "kärsii", "Kärsi", "itsemurha", "ITSEMURH", "sortui", "cp", "CP-", "adhd", "skitso",
        "vammainen", "dementikko", "kulkija", "väärinkäyttäjä", "psykopaatti", "mongo",
        "päihde", "palvelu", "kama-pää", "huumepää", "jälkkäri", "kehari", "spastinen",
        " ", ". ", "-", "'", "\u2019", "_", "2", "x", "ä", "İ", "\u00a0", "\n", "(", "a1",
    ]
)  # fmt: skip
_PIECES_TEXT = st.lists(_TRIGGER_PIECES, max_size=40).map("".join)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=_PIECES_TEXT, text=_PIECES_TEXT, pad=st.sampled_from([0, 0, 0, 3990, 4100]))
def test_the_triggers_found_in_the_words_are_those_found_in_the_text(
    title: str, text: str, pad: int
) -> None:
    """``analyse`` tells stigma_count from its cached words whether a phrase trigger is in the
    text; the reference searches the text itself (the former way). Same findings, and the
    same answer from the words as from the text whenever the words cover it."""
    text = "a " * (pad // 2) + text  # past ANALYSED_CHARS the text is searched again
    body = f"{title}. {text}" if title else text
    got = analysis.analyse(title, text, matcher=None, hint="fi")
    flagged = any(analysis._scan(part, "fi")[1] for part in (title, text) if part)
    assert got.stigma_findings == analysis.stigma_count(body, "fi", words_flagged=flagged)
    triggers = analysis._letter_triggers("fi")
    assert triggers  # the Finnish triggers are letters: the short way is taken
    if len(body) <= analysis.ANALYSED_CHARS:
        from_words = any(analysis._scan(part, "fi")[2] for part in (title, text) if part)
        assert from_words == any(t in body.lower() for t in triggers)


# Words and phrases around the stigma phrase patterns of the three languages, with what can
# sit next to a word and characters the regex engine folds unlike str.lower.
_PHRASE_PIECES = st.sampled_from(
    [
        "former", "addict", "addicts", "Recovering", "ex-addict", "drug", "users", "user",
        "substance", "abuse", "meth-head", "dope fiend", "the", "drunk", "drunks", "clean",
        "got", "stay", "for", "3", "sober", "and", "mentally", "ill", "suffers", "from",
        "schizophrenia", "de", "hemlösa", "psykiskt", "sjuka", "begick", "självmord", "lider",
        "av", "ångest", "helt", "autist", "cp-", "barn", "kama", "pää", "huumepää", "huume",
        "päihde", "palvelu", "Kossu-", "päät", " ", "  ", ". ", "-", "'", "\u2019", "_", "x",
        "ä", "İ", "\u017f", "\u212a", "\u00a0", "\n", "(", "a1", "<b>", "&amp;",
    ]
)  # fmt: skip
_PHRASE_TEXT = st.lists(_PHRASE_PIECES, max_size=40).map(" ".join) | st.lists(
    _PHRASE_PIECES, max_size=40
).map("".join)


def _eval_and_phrase_texts() -> list[str]:
    fi = [
        "Kama-päät",
        "huumepäitä kadulla",
        "Viinapäähän",
        "spiidipäiltä",
        "doku-pääkin",
        "Kossupäät",
    ]
    sv = ["de hemlösa", "Hon lider av ångest", "begick självmord", "helt autist"]
    en = ["former addicts", "Drug users", "meth heads", "clean and sober", "a drunk"]
    return [*_stigma_texts(), *fi, *sv, *en]


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_every_phrase_match_holds_what_the_phrases_need(lang: str) -> None:
    """The strings ``_scan`` looks for in its words are needed: wherever the lowered phrase
    search finds something, they satisfy an alternative of the phrase patterns."""
    needs = analysis._phrase_needs(lang)
    assert needs  # the short way is taken for every language
    gate = analysis._stigma_gate(lang)[2]
    assert gate is not None and gate.lowered is not None
    hits = 0
    for value in _eval_and_phrase_texts():
        lowered = value.lower()
        if gate.lowered.search(lowered) is not None:
            hits += 1
            held = frozenset(f for f in needs[0] if f in lowered)
            possible = analysis._possible_phrases(lang, held)
            assert possible and any(p.search(lowered) for p in possible), value
    assert hits > 5


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_the_alternation_finds_a_phrase_exactly_when_one_of_its_patterns_does(lang: str) -> None:
    needs = analysis._phrase_needs(lang)
    gate = analysis._stigma_gate(lang)[2]
    assert needs and gate is not None and gate.lowered is not None
    patterns = [pattern for _sets, pattern in needs[1]]
    assert len(patterns) == len(analysis._phrase_sources(lang))
    for value in _eval_and_phrase_texts():
        lowered = value.lower()
        expected = gate.lowered.search(lowered) is not None
        assert any(p.search(lowered) for p in patterns) == expected, value


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=_PHRASE_TEXT,
    text=_PHRASE_TEXT,
    lang=st.sampled_from(["fi", "sv", "en"]),
    pad=st.sampled_from([0, 0, 0, 3990, 4100]),
)
def test_skipping_the_phrase_search_by_the_words_finds_what_the_search_finds(
    title: str, text: str, lang: str, pad: int
) -> None:
    """``analyse`` skips the phrase search when no word holds a phrase factor; the reference
    is the stigma check gated by the search itself (the former way), on the same text."""
    text = "a " * (pad // 2) + text
    body = f"{title}. {text}" if title else text
    got = analysis.analyse(title, text, matcher=None, hint=lang)
    assert got.stigma_findings == analysis.stigma_count(body, lang)
    gate = analysis._stigma_gate(lang)[2]
    assert gate is not None and gate.lowered is not None
    covered = len(body) <= analysis.ANALYSED_CHARS
    if (
        covered
        and analysis._UNSAFE_FOR_LOWERED.search(body) is None
        and gate.lowered.search(body.lower())
    ):
        # Whenever the lowered search finds a phrase in what the words cover, they said it
        # could. (Other texts take the search: case folding differs there.)
        held = frozenset().union(*(analysis._scan(part, lang)[3] for part in (title, text)))
        possible = analysis._possible_phrases(lang, held)
        assert possible and any(p.search(body.lower()) for p in possible)


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_the_phrase_gate_gives_the_stigma_count_of_the_full_search_on_the_eval_texts(
    lang: str,
) -> None:
    found = 0
    for value in _eval_and_phrase_texts():
        got = analysis.analyse("", value, matcher=None, hint=lang).stigma_findings
        assert got == analysis.stigma_count(value, lang), value
        found += got
    assert found > 5


# Pieces of text with every kind of character a word can begin, hold or end with, and the
# whitespace that str.split knows (Unicode spaces, line separators, the file separators).
_WORD_PIECES = st.sampled_from(
    [
        "päihde", "Sote-uudistus", "a-klinikan", "don't", "o\u2019brien", "x_y", "_x", "2024",
        "(2024)", "#12003", "palveluista.", "-", "'", "\u2019", "--", "a--b", "a-", "-a", "ä",
        "İ", "ß", "\u0915\u093f", "ǅ", "½", "٣", "<p>", "&amp;", "\u00a0", "\u2028", "\x1c",
        "\u3000", " ", "\t", "\n", "\r\n", "\x85", ".", ",", "x2", "2x", "(", ")", "«",
        "»", "“", "”", "…", "!", "?", ";", ":", "[", "]", '"', "-(", ").",
    ]
)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(pieces=st.lists(_WORD_PIECES, max_size=60), joiner=st.sampled_from(["", " "]))
def test_the_words_of_the_tokens_are_the_words_of_the_text(pieces: list[str], joiner: str) -> None:
    """``_words`` splits on whitespace and takes a token of letters (once stripped of
    punctuation) as one word; the reference is the regex on the whole text (the former way),
    lowered as ``_scan`` lowers it."""
    lowered = joiner.join(pieces).lower()
    assert analysis._words(lowered) == analysis._WORD_RE.findall(lowered)
