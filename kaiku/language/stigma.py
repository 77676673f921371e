"""Stigmatising words and phrases, found by morphology (fi) or stem + suffix (sv, en)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from . import morph, suggest, svmorph
from .lexicon import Entry, Lexicon, adjective_entries, match_fi, match_stem_suffix
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
        "säg",
        "säga",
        "säger",
        "sägs",
        "sanomme",
        "sanotaan",
        "kallades",
        "kallas",
        "kallade",
        "kutsuttiin",
        "kutsutaan",
        "kutsui",
        "nimitettiin",
        "called",
        "sano",
        "sanokaa",
        "say",
    ]
)
# "called"/"kallades"/"kutsuttiin" introduce a word only when right before it ("were called
# lunatics"); "som" is not a meta word at all ("antalet som begår självmord").
_STRONG_META = META_WORDS - {
    "kuten", "esimerkiksi", "esim", "like", "kallades", "kallas", "kallade", "kutsuttiin",
    "kutsutaan", "kutsui", "nimitettiin", "called",
}  # fmt: skip
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


def _wordset(words: str) -> frozenset[str]:
    """A set from space-separated words (long closed-class lists read better as prose)."""
    return frozenset(words.split())


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
    match = match_fi if lang == "fi" else match_stem_suffix
    # A word repeated in the text is looked up once per check (the lookups are memoised
    # across checks too, but each costs a key and a call).
    seen: dict[str, Entry | None] = {}
    for t in tokens:
        if t.protected:
            continue
        if taken and any(s <= t.start < end for s, end in taken):
            continue
        word = t.lower
        if word in seen:
            entry = seen[word]
        else:
            entry = seen[word] = match(word, lex)
        if entry is None or any(x.match(text, t.start) for x in entry.exclude):
            continue
        hits.append((t.start, t.end, entry))
    taken = [(s, end) for s, end, _ in hits]
    for s, end, e in _nominal_hits(text, lowered, lang, tokens):
        if e.base in lex.allowed or any(a < end and s < b for a, b in taken):
            continue
        hits.append((s, end, e))

    findings = []
    prev_meta_end: int | None = None
    historical: dict[int, bool] = {}
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
        # A name (a fellowship, a title), a law, a historical name in a historical context
        # and an idiom that is about no one are notes, not alarms.
        named = not meta and (
            _name_or_title(text, tokens, s, lang)
            or _law_name(text[s:end], lang)
            or (e.historical and _historical_context(text, tokens, s, lang, historical))
            or (e.figurative and not _about_person(text, tokens, s, end, lang))
        )
        severity: Severity = "info" if meta or named else _severity(e.severity)
        msg_code = "stigma.quoted" if meta else "stigma.named" if named else e.code
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
        if e.trigger and not any(tr in lowered for tr in e.trigger):
            return []
        if e.anchor and len(lowered) == len(text):  # (equal lengths: offsets agree)
            return _anchored_spans(e, e.pattern, text, lowered)
        return [m.span() for m in e.pattern.finditer(text)]
    return []


def _anchored_spans(
    e: Entry, pattern: re.Pattern[str], text: str, lowered: str
) -> list[tuple[int, int]]:
    """What ``pattern.finditer(text)`` finds, trying only the starts within ``anchor_reach``
    before an anchor (every match holds one there), in the same order and without overlap."""
    hits: list[int] = []
    for a in e.anchor:
        q = lowered.find(a)
        while q >= 0:
            hits.append(q)
            q = lowered.find(a, q + 1)
    out: list[tuple[int, int]] = []
    pos = 0
    for q in sorted(hits):
        s = max(pos, q - e.anchor_reach)
        while s <= q:
            m = pattern.match(text, s)
            if m is None:
                s += 1
                continue
            out.append(m.span())
            pos = s = max(m.end(), s + 1)
    return out


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


# --- names, titles, laws, history and idioms ---------------------------------------------

_OPENERS = frozenset(':–—(-"”“«»\n')


def _token_index(tokens: Sequence[Token], start: int) -> int | None:
    return next((k for k, t in enumerate(tokens) if t.start <= start < t.end), None)


def _name_or_title(text: str, tokens: Sequence[Token], start: int, lang: str) -> bool:
    """A capitalised hit inside a sentence is part of a name or title in Finnish and Swedish,
    where common nouns are not capitalised ("Nimettömät Alkoholistit", "kirjasta Hullu
    rakkaus", "Anonyma Narkomaner"); in English it needs a capitalised neighbour too."""
    idx = _token_index(tokens, start)
    if idx is None:
        return False
    t = tokens[idx]
    if not t.text[:1].isupper() or t.text.isupper():
        return False
    before = text[: t.start].rstrip()
    opened = t.initial or not before or before[-1] in _OPENERS
    prev = tokens[idx - 1] if idx > 0 and tokens[idx - 1].sentence == t.sentence else None
    nxt = (
        tokens[idx + 1]
        if idx + 1 < len(tokens) and tokens[idx + 1].sentence == t.sentence
        else None
    )
    prev_cap = prev is not None and prev.text[:1].isupper() and not prev.text.isupper()
    next_cap = nxt is not None and nxt.text[:1].isupper() and not nxt.text.isupper()
    if opened:
        # "Anonyma Alkoholister träffas": the sentence starts with the name.
        return next_cap and lang != "en" and nxt is not None and nxt.start - t.end <= 1
    return lang != "en" or prev_cap or next_cap


_LAW_RE = {
    "fi": re.compile(r"(?:laki|lain|lakia|lakiin|lailla|laissa|lait)$", re.I),
    "sv": re.compile(r"(?:lag|lagen|lagens|lagar)$", re.I),
    "en": re.compile(r"(?!)"),
}


def _law_name(word: str, lang: str) -> bool:
    """The name of a law ("alkoholistilaki", "lösdrivarlagen") quotes its time's wording."""
    return _LAW_RE[lang].search(word) is not None and len(word) > 6


_HISTORY_RE = {
    "fi": re.compile(
        r"\b(?:1[5-8]\d\d|19[0-7]\d)(?:-lu\w*)?\b|\b19\d0-lu\w*|\b(?:vuosisad\w*|aikoinaan|ennen\s+vanhaan|"
        r"entisaik\w*|historia\w*|kutsuttiin|"
        r"nimitettiin|tunnettiin|museo\w*|näyttely\w*)\b",
        re.I,
    ),
    "sv": re.compile(
        r"\b(?:1[5-8]\d\d|19[0-7]\d)(?:-tal\w*)?\b|\b19\d0-tal\w*|\b(?:århundrade\w*|förr|förr\s+i\s+tiden|"
        r"historia\w*|historisk\w*|kallades|hette|tidigare|"
        r"museum\w*|utställning\w*)\b",
        re.I,
    ),
    "en": re.compile(
        r"\b(?:1[5-8]\d\d|19[0-7]\d)s?\b|\b19\d0s\b|\b(?:centur\w*|formerly|once\s+known|historic\w*|"
        r"were\s+called|was\s+called|known\s+as|"
        r"museum\w*|exhibition\w*|victorian)\b",
        re.I,
    ),
}


def _historical_context(
    text: str, tokens: Sequence[Token], start: int, lang: str, memo: dict[int, bool]
) -> bool:
    idx = _token_index(tokens, start)
    if idx is None:
        return False
    sent = tokens[idx].sentence
    if sent not in memo:
        sent_tokens = [t for t in tokens if t.sentence == sent]
        # To the next sentence's first word: the year "1841" is not a word token.
        later = [t.start for t in tokens if t.sentence > sent]
        span = text[sent_tokens[0].start : later[0] if later else len(text)]
        memo[sent] = _HISTORY_RE[lang].search(span) is not None
    return memo[sent]


_PERSON_FI = _wordset(
    "ihminen mies nainen tyyppi naapuri äiti isä poika tyttö ukko akka kaveri potilas asiakas "
    "henkilö eukko jätkä heppu lapsi nuori vanhus setä täti mummo pappa vaari tyyppi kuski "
    "kuljettaja ämmä hemmo äijä kundi likka muija opettaja pomo ex hän sinä sä minä mä te he "
    "joku kukaan se tuo toi"
)
_PERSON_EN = _wordset(
    "man men woman women guy guys person people lady ladies neighbour neighbor neighbours "
    "driver boy girl kid kids bloke dude patient killer ex mother father mum mom dad wife "
    "husband son daughter boss teacher he she they you i someone somebody who him her them "
    "cat fan"
)
_FI_COPULA = frozenset(["olla", "tulla"])
_PERSON_SV = _wordset(
    "hon han hen du jag ni vi de man kvinna kvinnan mannen kille killen tjej tjejen gubbe "
    "gubben tant tanten granne grannen person personen människa människan typ typen lärare "
    "chef chefen mamma pappa morsa farsa unge ungen"
)
_SV_BE = _wordset("är var blev blir bli vara varit")
# Words that may follow a predicate adjective; any other word right after it is what the
# adjective intensifies or describes ("galet glad", "crazy happy", "crazy about").
_SV_FUNCTION_WORDS = _wordset(
    "och eller men som när om att nu idag igen också ju ändå alltså just så den det de där här då"
)
_EN_FUNCTION_WORDS = _wordset(
    "and or but this that these those the a an to in on at with of by from as when if so "
    "too now today again enough yet still then there here because while who which"
)
_EN_BE = _wordset("is are was were am be been 's 're 'm")
_EN_MOVE = _wordset("go goes going went gone drive drives driving drove")


def _about_person(text: str, tokens: Sequence[Token], start: int, end: int, lang: str) -> bool:
    """Whether an everyday intensifier ("hullu", "crazy", "insane") is said about a person:
    before a person noun ("hullu mies", "the crazy woman"), as a noun ("hullut pitäisi",
    "joku hullu"), or as the predicate of a person ("hän on ihan hullu", "he is insane").
    "hullun hauska", "hulluna tähän", "hullu kiire", "crazy about", "prices are insane" are
    idioms about no one."""
    idx = _token_index(tokens, start)
    if idx is None:
        return True
    t = tokens[idx]
    sent = [k for k in range(len(tokens)) if tokens[k].sentence == t.sentence]
    nxt = (
        tokens[idx + 1]
        if idx + 1 in sent and not text[t.end : tokens[idx + 1].start].strip()
        else None
    )
    before = [tokens[k] for k in sent if k < idx]
    if lang == "fi":
        word = t.lower
        if word.startswith("hullun") or word.endswith(("na", "nä", "ksi", "ua", "inta", "intä")):
            # "hullun hauska", "hulluna onnesta", "tulla hulluksi", "oli hullua", "hulluinta oli"
            return False
        if nxt is not None:
            cands = _fi_lemmas(nxt.lower)
            if cands & _PERSON_FI:
                return True
            if _fi_wclasses(nxt.lower) & {"nimisana", "laatusana", "nimisana_laatusana"}:
                return False  # "hullu kiire", "hullu idea"
        copula = [k for k, b in enumerate(before) if _fi_lemmas(b.lower) & _FI_COPULA]
        if copula:
            subject = before[: copula[-1]]
            return not subject or any(
                bool(_fi_lemmas(b.lower) & _PERSON_FI) or (b.text[:1].isupper() and not b.initial)
                for b in subject
            )
        return True  # a noun: "hullut pitäisi", "joku hullu"
    if lang == "sv":
        if nxt is not None and nxt.lower in _PERSON_SV:
            return True  # "en galen man"
        if t.lower.endswith("a") and before and before[-1].lower in ("de", "alla", "dessa"):
            return True  # "de galna på avdelningen": a noun for people
        if nxt is not None and nxt.lower not in _SV_FUNCTION_WORDS:
            return False  # "galen i fotboll", "galet roligt", "galet glad": about no one
        for k, b in enumerate(before):
            if b.lower in _SV_BE:
                subject = before[max(0, k - 2) : k]
                return any(x.lower in _PERSON_SV or (x.text[:1].isupper() and not x.initial)
                           for x in subject)  # fmt: skip
        # As a noun: "de galna", "alla galna".
        return bool(before) and before[-1].lower in ("de", "alla", "dessa", "några")
    if lang == "en":
        if t.lower.endswith("ies") or (nxt is not None and nxt.lower in _PERSON_EN):
            return True  # "the crazies", "a crazy man"
            return True
        if nxt is not None and nxt.lower not in _EN_FUNCTION_WORDS:
            return False  # "crazy about", "crazy fun night", "crazy happy": about no one
        words = [b.lower for b in before]
        if any(w in _EN_MOVE for w in words):
            return False  # "the crowd went mad", "drives me crazy", "I'm going crazy"
        for k, w in enumerate(words):
            if w in _EN_BE:
                return any(x in _PERSON_EN for x in words[max(0, k - 2) : k])
            head, sep, tail = w.replace("\u2019", "'").partition("'")
            if sep and tail in ("s", "re", "m"):
                return head in _PERSON_EN  # "he's completely crazy", "you're insane"
        return False
    return True


def _fi_lemmas(word: str) -> set[str]:
    out = {word}
    for a in morph.analyze(word):
        out.add(a.baseform)
        out.update(a.tails)
    return out


def _fi_wclasses(word: str) -> set[str]:
    return {a.wclass for a in morph.analyze(word)}


@lru_cache(maxsize=20_000)
def _fi_case_number(word: str, gen: int) -> frozenset[tuple[str, str]]:
    del gen  # only part of the cache key
    return frozenset(
        (r.get("SIJAMUOTO", ""), r.get("NUMBER", ""))
        for r in morph.raw_analyze(word)
        if r.get("SIJAMUOTO")
    )


def _fi_agree(adjective: str, word: str) -> bool:
    """A Finnish attribute agrees with its head in case and number ("masentuneille nuorille");
    "masentuneille suunnattu" does not: the adjective is the noun there. Unknown readings
    count as agreeing (the old answer)."""
    gen = morph.generation()
    a, b = _fi_case_number(adjective, gen), _fi_case_number(word, gen)
    return not a or not b or bool(a & b)


# --- adjectives and participles used as nouns for people ---------------------------------

_FI_VERBISH = frozenset(["teonsana", "kieltosana"])
# Voikko files some of these as nouns ("muistisairas"); the lemma list decides, not the class.
_FI_ADJ_CLASSES = frozenset(["laatusana", "nimisana", "nimisana_laatusana"])
_FI_NOUNISH = frozenset(
    ["nimisana", "laatusana", "nimisana_laatusana", "lukusana", "etunimi", "sukunimi", "nimi"]
)
_FI_PREDICATE = frozenset(
    ["olla", "tulla", "tuntua", "näyttää", "vaikuttaa", "pysyä", "muuttua", "jäädä", "kokea"]
)
_FI_CHAIN = frozenset(["laatusana", "nimisana_laatusana", "seikkasana"])
_SV_DETERMINERS = _wordset(
    "de dessa alla våra era deras många några flera fler somliga andra med för av till hos "
    "om bland mot åt från vid på i och eller samt att som"
)
_SV_FUNCTION = _wordset(
    "är var har hade ska skulle kan kunde vill ville måste borde bör får fick blir blev bor "
    "lever sitter står ligger inte aldrig ofta sällan alltid också redan fortfarande mer "
    "mest i på med av till från för om vid hos under utan och eller men som att än behöver "
    "saknas drabbas syns finns fanns"
)
_EN_NOUNS = _wordset(
    "people person persons man men woman women child children youth community population "
    "adult adults patient patients student students toilet toilets parking access badge "
    "economy market area areas region prices demand sector group groups veteran veterans "
    "mother mothers father fathers "
    # Clinical heads: "the psychotic episode", "the depressed state" describe, not label.
    "episode disorder illness diagnosis break state spectrum ward unit condition care "
    "treatment phase"
)


def _nominal_hits(
    text: str, lowered: str, lang: str, tokens: Sequence[Token]
) -> list[tuple[int, int, Entry]]:
    entries = adjective_entries(lang)
    if not entries:
        return []
    if lang == "fi":
        return _nominal_fi(tokens, entries, lowered) if morph.voikko_available() else []
    out: list[tuple[int, int, Entry]] = []
    for e in entries:
        if e.pattern is None:
            continue
        for m in e.pattern.finditer(lowered):
            s, end = m.span()
            if _nominal_use(text, tokens, s, end, lang, strict=e.strict):
                out.append((s, end, e))
    return out


def _fi_adjective_prefilter(entries: Sequence[Entry]) -> re.Pattern[str]:
    """Each lemma without its last three letters (the part inflection leaves alone): a text
    without any of them needs no Voikko work."""
    heads = {lemma[:-3] for e in entries for pos in e.lemmas for lemma in pos}
    return re.compile("|".join(sorted(map(re.escape, heads), key=len, reverse=True)))


_FI_ADJ_PREFILTER: dict[int, re.Pattern[str]] = {}


def _nominal_fi(
    tokens: Sequence[Token], entries: Sequence[Entry], lowered: str
) -> list[tuple[int, int, Entry]]:
    out: list[tuple[int, int, Entry]] = []
    pre = _FI_ADJ_PREFILTER.get(id(entries))
    if pre is None:
        pre = _FI_ADJ_PREFILTER.setdefault(id(entries), _fi_adjective_prefilter(entries))
    starts = [m.start() for m in pre.finditer(lowered)]
    if not starts:
        return out
    candidates = sorted(
        {i for i, t in enumerate(tokens) if any(t.start <= p < t.end for p in starts)}
    )
    for i in candidates:
        t = tokens[i]
        if t.protected or len(t.lower) < 6:
            continue
        for e in entries:
            want = e.lemmas[0] if e.lemmas else frozenset()
            analyses = morph.analyze(t.lower)
            if not any(a.baseform in want and a.wclass in _FI_ADJ_CLASSES for a in analyses):
                continue
            if t.lower.endswith(("ksi", "na", "nä", "lta", "ltä")):
                break  # "masentuneeksi", "masentuneena", "näyttää masentuneelta": a predicate
            if _fi_predicate_before(tokens, i):
                break
            nxt = (
                tokens[i + 1]
                if i + 1 < len(tokens) and tokens[i + 1].sentence == t.sentence
                else None
            )
            if nxt is not None:
                classes = _fi_wclasses(nxt.lower)
                nominal_like = classes & _FI_NOUNISH and not classes & _FI_VERBISH
                if not classes or (nominal_like and _fi_agree(t.lower, nxt.lower)):
                    break  # "masentuneet nuoret": an attribute
            out.append((t.start, t.end, e))
            break
    return out


def _fi_predicate_before(tokens: Sequence[Token], i: int) -> bool:
    """Looking back over adjectives, adverbs and "ja": is there a form of olla or a verb of
    seeming ("olin nuori ja masentunut", "hän on usein masentunut")?"""
    k = i - 1
    while k >= 0 and tokens[k].sentence == tokens[i].sentence and k >= i - 5:
        w = tokens[k].lower
        if _fi_lemmas(w) & _FI_PREDICATE:
            return True
        if w not in ("ja", "tai", "sekä", "ei", "en", "et", "emme", "ette", "eivät") and not (
            _fi_wclasses(w) & _FI_CHAIN
        ):
            return False
        k -= 1
    return False


# What may follow an adjective used as a noun ("a bipolar can...", "the bipolar are..."):
# function words, forms of "be" and "have", auxiliaries and their negations.
_EN_AFTER_NOUN = (
    _EN_FUNCTION_WORDS
    | _EN_BE
    | _wordset(
        "has have had can could will would shall should must may might does do did who whom "
        "whose isn't wasn't aren't weren't can't cannot couldn't won't wouldn't shouldn't "
        "doesn't don't didn't hasn't haven't hadn't"
    )
)


def _nominal_use(
    text: str, tokens: Sequence[Token], s: int, end: int, lang: str, *, strict: bool = False
) -> bool:
    first = _token_index(tokens, s)
    last = _token_index(tokens, end - 1)
    if first is None or last is None:
        return False
    sent = tokens[first].sentence
    prev = tokens[first - 1] if first > 0 and tokens[first - 1].sentence == sent else None
    nxt = tokens[last + 1] if last + 1 < len(tokens) and tokens[last + 1].sentence == sent else None
    gap = text[tokens[last].end : nxt.start] if nxt is not None else ""
    if lang == "sv":
        if prev is not None and prev.lower not in _SV_DETERMINERS:
            return False  # "de är deprimerade", "unga vuxna deprimerade": not a noun phrase start
        if nxt is None or gap.strip():
            return True
        w = nxt.lower
        return w in _SV_FUNCTION or svmorph.is_verb_form(w)
    # English: after "the"; a noun follows unless the next word is a verb or function word.
    if nxt is None or gap.strip():
        return True
    w = nxt.lower
    if strict:
        return w.replace("\u2019", "'") in _EN_AFTER_NOUN
    if w in _EN_NOUNS:
        return False
    return not (w.endswith("s") and not w.endswith(("ss", "us", "is", "ys")) and len(w) > 3)
