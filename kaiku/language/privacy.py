"""Privacy: identifiers, personal names, and a person named together with health data.

The alarm that matters is ``privacy.person_with_health``: an identifiable person (a name, a
henkilötunnus, or a phone, e-mail or home address not given as a contact) and a health,
substance-use or client-of-service word in the same sentence. A name next to a job title
("toiminnanjohtaja Maija Meikäläinen") or right after a contact cue ("Lisätietoja: ...") is a
professional contact, not a disclosure. Lone identifiers are ``info`` except the
henkilötunnus, which is always ``block``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from . import ids, morph
from .messages import message
from .text import Token
from .types import Finding, Severity
from .words import FiWordSet

SOURCE_GDPR = "EU GDPR Art. 9 (health data); Kaiku (own judgement on what identifies)"
SOURCE_HETU = "Tietosuojalaki 1050/2018 29 § (henkilötunnus); GDPR Art. 87"
SOURCE_CONTACT = "Kaiku (own judgement)"
ID_SOURCES = {
    "hetu": SOURCE_HETU,
    "personnummer": "Folkbokföringslagen (1991:481) 18 §; Skatteverket SKV 704; GDPR Art. 87",
    "samordningsnummer": "Folkbokföringslagen (1991:481) 18 a §; Skatteverket SKV 707; "
    "GDPR Art. 87",
    "ssn": "US Social Security Administration: SSN randomization (2011); GDPR Art. 87",
    "fodselsnummer": "Folkeregisterloven § 2-2 (fødselsnummer); GDPR Art. 87",
    "cpr": "CPR-loven (Danish Civil Registration System Act); GDPR Art. 87",
}
_PROPER = frozenset({"etunimi", "sukunimi"})
_ORG_EMAIL = re.compile(
    r"^(?:info|toimisto|kirjaamo|palaute|asiakaspalvelu|office|contact|kansli|viestinta|"
    r"viestintä|rekry|hallinto|noreply|no-reply|tiedotus|press|media|hello|hei|moi)\b",
    re.I,
)
_NEN_SURNAME = re.compile(r"^[A-ZÅÄÖ][a-zåäö]+(?:nen|sen|selle|sellä|seltä|sestä|sessa)$")
_WORK_RE = re.compile(
    r"(?:kirja|teos|romaani|artikkeli|luento|puhe|esitelmä|esitys|blogi|podcast|tutkimus|"
    r"kolumni|haastattelu|kirjoitus|väitöskirja|elokuva|dokumentti|book|article|talk|lecture|"
    r"study|column|podcast|film|bok|artikel|föreläsning|studie|kolumn)(?:'s)?[a-zåäö]{0,5}",
)
_HONORIFIC = frozenset({"dr", "mr", "mrs", "ms", "tri", "fru", "herr"})


@dataclass(frozen=True, slots=True)
class LangRules:
    health_fi: FiWordSet | None
    client_fi: FiWordSet | None
    title_fi: FiWordSet | None
    health_re: re.Pattern[str] | None
    client_re: re.Pattern[str] | None
    title_re: re.Pattern[str] | None
    contact_re: re.Pattern[str]
    broad_contact_re: re.Pattern[str]
    residence_re: re.Pattern[str]
    recruitment_re: re.Pattern[str]


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    path = resources.files("kaiku.language").joinpath("data", "privacy.toml")
    return tomllib.loads(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    path = resources.files("kaiku.language").joinpath("data", "first_names.txt")
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(x.strip() for x in lines if x.strip() and not x.startswith("#"))


@lru_cache(maxsize=1)
def org_markers() -> frozenset[str]:
    return frozenset(str(w).lower() for w in _data()["org_markers"]["words"])


@lru_cache(maxsize=4)
def rules(lang: str) -> LangRules:
    d = _data()[lang]

    def rx(key: str) -> re.Pattern[str]:
        return re.compile(str(d[key]), re.IGNORECASE)

    if lang == "fi":
        return LangRules(
            FiWordSet(d["health"]),
            FiWordSet(d["client"]),
            FiWordSet(d["title"]),
            None,
            None,
            None,
            rx("contact"),
            rx("broad_contact"),
            rx("residence"),
            rx("recruitment"),
        )
    return LangRules(
        None,
        None,
        None,
        rx("health"),
        rx("client"),
        rx("title"),
        rx("contact"),
        rx("broad_contact"),
        rx("residence"),
        rx("recruitment"),
    )


# --- names ------------------------------------------------------------------------------


def _capitalised(word: str) -> bool:
    return len(word) > 1 and word[0].isupper() and not word.isupper()


@lru_cache(maxsize=50_000)
def _in_first_names(word: str) -> bool:
    names = first_names()
    if word in names:
        return True
    if "-" in word:
        # "Anna-Liisa", "Per-Olofs", "Marja-Leenalle": every part a given name, the last inflected.
        parts = word.split("-")
        return len(parts) == 2 and parts[0] in names and _in_first_names(parts[1])
    for suffix in ("'s", "\u2019s", "s", ":n", "n", "lle", "lla", "llä", "lta", "ltä", "sta", "stä",
                   "ssa", "ssä", "a", "ä", "ta", "tä", "ksi", "in", "na", "nä"):  # fmt: skip
        if word.endswith(suffix) and word[: -len(suffix)] in names:
            return True
    return False


@lru_cache(maxsize=50_000)
def _name_info(word: str, lang: str, gen: int) -> tuple[bool, bool]:
    """(looks like a name, also has a common-word reading)."""
    del gen  # only part of the cache key
    if lang == "fi":
        analyses = morph.analyze(word)
        if analyses:
            name = any(a.wclass in _PROPER for a in analyses) or any(
                a.baseform.capitalize() in first_names() for a in analyses if a.wclass in _PROPER
            )
            common = any(a.wclass not in _PROPER and a.wclass != "paikannimi" for a in analyses)
            place_only = all(a.wclass == "paikannimi" for a in analyses)
            if place_only and not _in_first_names(word):
                return False, False  # "Helsingin"; but "Mari" is also a given name
            return name or _in_first_names(word), common
        return _in_first_names(word) or _NEN_SURNAME.match(word) is not None, False
    return _in_first_names(word), False


def find_names(tokens: Sequence[Token], lang: str) -> list[tuple[int, int]]:
    """Token index ranges [i, j) that look like personal names."""
    out: list[tuple[int, int]] = []
    markers = org_markers()
    gen = morph.generation()
    i = 0
    n = len(tokens)
    while i < n:
        t = tokens[i]
        if not t.text[0].isupper() or t.protected or t.hashtag or not _capitalised(t.text):
            i += 1
            continue
        is_name, common = _name_info(t.text, lang, gen)
        nxt = tokens[i + 1] if i + 1 < n and tokens[i + 1].sentence == t.sentence else None
        next_cap = nxt is not None and _capitalised(nxt.text) and not nxt.protected
        prev = tokens[i - 1] if i > 0 and tokens[i - 1].sentence == t.sentence else None
        honorific = prev is not None and prev.lower.rstrip(".") in _HONORIFIC
        if not is_name and not honorific:
            i += 1
            continue
        if t.initial and common and not next_cap:
            i += 1
            continue
        in_list = _in_first_names(t.text) or (lang == "fi" and _fi_given_name(t.text))
        if t.initial and not in_list and not next_cap and not honorific:
            i += 1
            continue
        if common and not in_list and not honorific:
            i += 1  # "Kalliossa", "Mäki": a surname reading alone is not enough
            continue
        if nxt is not None and nxt.lower in markers:
            i += 2
            continue
        j = i + 1
        while (
            j < n
            and j < i + 3
            and tokens[j].sentence == t.sentence
            and _capitalised(tokens[j].text)
            and not tokens[j].protected
            and tokens[j].lower not in markers
            and not (j + 1 < n and tokens[j + 1].lower in markers)
            and not _acronym_compound(tokens[j].text)
        ):
            j += 1
        after = tokens[j] if j < n and tokens[j].sentence == t.sentence else None
        if any(_org_compound(x.text) for x in (*tokens[i:j], *([after] if after else []))):
            i = j
            continue  # "Aalto-yliopisto", "Aino-säätiö", "Fredrika Bremer-förbundet"
        if _named_after(tokens, i, j, lang):
            i = j + 1
            continue  # "Minna Canthin päivänä", "Elias Lönnrotin koulussa", "St Mary's Hospital"
        out.append((i, j))
        i = j
    return out


def _acronym_compound(word: str) -> bool:
    """ "HIV-diagnoosi", "ADHD-lääkitys": an acronym compound, not the next part of a name."""
    head, _, tail = word.partition("-")
    return bool(tail) and head.isupper() and len(head) > 1


def _org_compound(word: str) -> bool:
    """ "Aalto-yliopisto", "Bremer-förbundet": a name joined to a common noun is an organisation."""
    head, _, tail = word.partition("-")
    return bool(tail) and tail.islower() and head[:1].isupper() and not head.isupper()


def _wordset(words: str) -> frozenset[str]:
    """A set from space-separated words (long closed lists read better as prose)."""
    return frozenset(words.split())


def _fi_given_name(word: str) -> bool:
    """Voikko knows Finnish given names in every case ("Pekalle", "Mikon", "Juha-Pekan")."""
    return any(a.wclass == "etunimi" for a in morph.analyze(word))


# Words after a name that make it the name of a day, place, building, prize or organisation.
_NAMED_FI = _wordset(
    "päivä koulu lukio huvila talo sali puisto säätiö palkinto seura instituutti opisto katu "
    "tie aukio museo kirjasto keskus sairaala rahasto stipendi mitali akatemia teatteri "
    "kappeli kirkko silta tori ranta saari kartano kylä yliopisto liitto yhdistys juhla "
    "viikko vuosi kilpailu rata polku"
)
_NAMED_SV = re.compile(
    r"(?:dag|dagen|skola|skolan|gården|huset|hus|parken|stiftelsen|stiftelse|förbundet|"
    r"föreningen|institutet|institut|priset|pris|sjukhuset|sjukhus|gatan|vägen|torget|"
    r"museet|teatern|veckan|festen|fonden)$"
)
_NAMED_EN = _wordset(
    "day school house foundation hospital trust centre center award prize street road "
    "university college institute hall park memorial fund library museum theatre theater "
    "bridge square society lecture week festival"
)


# After a lone given name only these make a name of an institution ("Auroran sairaala");
# "Mikaelin torilla" and "Annan kotona" are about the person.
_INSTITUTION = _wordset(
    "sairaala koulu lukio säätiö yliopisto instituutti opisto liitto yhdistys seura rahasto "
    "palkinto teatteri museo kirjasto kirkko kappeli hospital school foundation university "
    "institute college trust award prize fund theatre theater museum library church "
    "sjukhus sjukhuset skola skolan stiftelsen stiftelse förbundet föreningen institutet "
    "teatern museet biblioteket kyrkan"
)


def _named_after(tokens: Sequence[Token], i: int, j: int, lang: str) -> bool:
    """A name followed by a word for a day, place or organisation names that, not a person
    ("Minna Canthin päivänä", "Elias Lönnrotin koulussa", "St Mary's Hospital")."""
    sent = tokens[i].sentence
    # The last word of the span is a marker only in a possessive or "The"/"St" name ("St
    # Mary's Hospital", "The Florence Nightingale Foundation"); "Lucy Hall" is a person.
    first_prev = tokens[i - 1].lower.rstrip(".") if i > 0 and tokens[i - 1].sentence == sent else ""
    absorbed = j - i > 1 and (
        lang == "fi"
        or first_prev in ("the", "st", "saint", "sankt")
        or tokens[j - 2].text.endswith(("'s", "\u2019s", "s"))
    )
    lone_given = j - i == 1 and (
        _in_first_names(tokens[i].text) or (lang == "fi" and _fi_given_name(tokens[i].text))
    )
    cands = [tokens[j - 1]] if absorbed else []
    if j < len(tokens) and tokens[j].sentence == sent:
        cands.append(tokens[j])
    for t in cands:
        w = t.lower
        if lang == "fi":
            heads = {x for a in morph.analyze(w) for x in a.tails} | {w}
        elif lang == "sv":
            m = _NAMED_SV.search(w)
            heads = {m.group(0), w} if m else set()
        else:
            heads = {w} & _NAMED_EN
        if lone_given:
            heads &= _INSTITUTION
        elif lang == "fi":
            heads &= _NAMED_FI
        if heads:
            return True
    return False


_PRONOUNS = {
    "fi": _wordset("hän hänen häntä hänellä hänelle hänet hänestä häneltä hänessä häneen"),
    "sv": _wordset("han hon hen hans hennes hens honom henne"),
    "en": _wordset("he she his her him hers"),
}
# Verbs of weather and time after a sentence-initial "Lumi", "Tuuli", "Aamu", "Onni":
# the word is the noun, not the given name.
_NATURE_FI = _wordset(
    "sataa tuulla puhaltaa paistaa alkaa valjeta koittaa sulaa tuiskuta kääntyä olla peittää "
    "narskua kimaltaa potkia potkaista suosia hymyillä"
)


def _ambiguous_initial_names(
    tokens: Sequence[Token], lang: str, names: Sequence[tuple[int, int]], text: str
) -> list[int]:
    """Sentence-initial words that are given names but also common nouns ("Onni", "Lumi",
    "Aamu"): find_names leaves them out; in a health sentence they are taken as names unless
    a verb of weather or time follows ("Lumi satoi", "Aamu alkoi")."""
    if lang != "fi":
        return []
    taken = {k for i, j in names for k in range(i, j)}
    gen = morph.generation()
    out = []
    for k, t in enumerate(tokens):
        if not t.initial or k in taken or t.protected or not _ambiguous_given(t.text, gen):
            continue
        if _named_after(tokens, k, k + 1, lang):
            continue
        nxt = (
            tokens[k + 1] if k + 1 < len(tokens) and tokens[k + 1].sentence == t.sentence else None
        )
        if nxt is not None:
            lemmas = {a.baseform for a in morph.analyze(nxt.lower)}
            if lemmas & _NATURE_FI and not (
                lemmas & {"olla"} and _human_predicate(tokens, k, text)
            ):
                continue
        out.append(k)
    return out


@lru_cache(maxsize=20_000)
def _ambiguous_given(word: str, gen: int) -> bool:
    """A capitalised given name that is also a common noun ("Onni", "Lumi", "Päivin")."""
    del gen  # only part of the cache key: the answer depends on the morphology backend
    if not _capitalised(word) or not (_in_first_names(word) or _fi_given_name(word)):
        return False
    # Only the truly ambiguous ones; find_names judged the others.
    return any(a.wclass == "nimisana" for a in morph.analyze(word))


# Words that introduce a person by name: "Kiitos Jonnalle", "Tack Alexander", "Thanks,
# Jordan", "This is Maya", "Meet Harriet", "Tässä on Mira", "Här är Moa".
_INTRO = {
    "fi": _wordset("kiitos kiitokset onnea onnittelut esittelemme tapasimme tavattiin"),
    "sv": _wordset("tack grattis möt träffade intervjuade"),
    "en": _wordset("thanks thank congratulations meet met interviewed welcome"),
}
# "This is Maya", "Tässä on Mira", "Här är Moa": the copula introduces only after these.
_INTRO_COPULA = {"is": ("this", "here"), "on": ("tässä", "täällä"), "är": ("här", "det")}


def _after_client_word(
    tokens: Sequence[Token],
    r: LangRules,
    name_spans: Sequence[tuple[int, int, int, int]],
    lang: str,
    text: str,
) -> list[int]:
    """Capitalised words that must be names by what comes before: a client word ("vår klient
    Tobias") or a word that introduces a person ("Thanks, Jordan", "This is Maya")."""
    taken = {k for *_x, i, j in name_spans for k in range(i, j)}
    out = []
    for k in range(1, len(tokens)):
        t, prev = tokens[k], tokens[k - 1]
        if not t.text[0].isupper():
            continue  # most words: the cheapest test first
        if k in taken or prev.sentence != t.sentence or t.protected or not _capitalised(t.text):
            continue
        nxt = (
            tokens[k + 1] if k + 1 < len(tokens) and tokens[k + 1].sentence == t.sentence else None
        )
        if t.initial or (nxt is not None and _capitalised(nxt.text)):
            continue  # a two-word capitalised run is find_names' to judge
        gap = text[prev.end : t.start].strip()
        if _is(r.client_fi, r.client_re, prev) and not gap:
            out.append(k)
        elif gap in ("", ",") and _in_intro_position(tokens, k):
            before = tokens[k - 2].lower if k >= 2 and tokens[k - 2].sentence == t.sentence else ""
            if prev.lower in _INTRO[lang] or before in _INTRO_COPULA.get(prev.lower, ()):
                out.append(k)
    return out


def _in_intro_position(tokens: Sequence[Token], k: int) -> bool:
    """The introducing word is near the start of its sentence ("Thanks, Jordan, for...",
    "This is Maya."), not a verb deep inside one."""
    sent = tokens[k].sentence
    start = k
    while start > 0 and tokens[start - 1].sentence == sent:
        start -= 1
    return k - start <= 3


def _human_predicate(tokens: Sequence[Token], k: int, text: str) -> bool:
    """ "Onni on A-klinikan asiakas": after "on", a client or health word in the same clause
    makes it a person; "Ilona oli suuri, kun toipumisryhmä valmistui" is not."""
    sent = tokens[k].sentence
    r = rules("fi")
    rest = []
    for m in range(k + 2, min(len(tokens), k + 6)):
        t = tokens[m]
        if t.sentence != sent or "," in text[tokens[m - 1].end : t.start]:
            break
        rest.append(t)
    return any(_is(r.client_fi, r.client_re, t) or _is(r.health_fi, r.health_re, t) for t in rest)


def _name_email(text: str) -> bool:
    """An address whose local part is a given name ("pekka.virtanen@", "johan.ek [at]")."""
    local = re.split(r"\s*(?:@|\[at\]|\(at\)|\{at\}|\[ät\]|\(ät\))", text, maxsplit=1)[0]
    return any(p.capitalize() in first_names() for p in re.split(r"[._-]", local) if p)


# --- the check --------------------------------------------------------------------------


def _is(word_set: FiWordSet | None, regex: re.Pattern[str] | None, tok: Token) -> bool:
    if word_set is not None:
        return tok.lower in word_set
    return regex is not None and regex.fullmatch(tok.lower) is not None


def check_privacy(
    text: str,
    lang: str,
    tokens: Sequence[Token],
    sentences: Sequence[tuple[int, int]],
    ui_lang: str,
    names: Sequence[tuple[int, int]] | None = None,
) -> list[Finding]:
    findings: list[Finding] = []
    r = rules(lang)

    def add(code: str, s: int, e: int, severity: Severity, source: str) -> None:
        msg = message(code, ui_lang)
        findings.append(Finding("privacy", code, s, e, text[s:e], severity, msg, [], source))

    # The henkilötunnus and the other countries' identity numbers: always ``block``.
    codes = ids.find_identity_codes(text)
    hetus = [(s, e) for s, e, _kind in codes]
    for s, e, kind in codes:
        add(f"privacy.{kind}", s, e, "block", ID_SOURCES[kind])
    phones = list(ids.find_phones(text))
    emails = list(ids.find_emails(text))
    addresses = list(ids.find_addresses(text))
    for s, e in phones:
        add("privacy.phone", s, e, "info", SOURCE_CONTACT)
    for s, e in emails:
        add("privacy.email", s, e, "info", SOURCE_CONTACT)
    for s, e in ids.find_ibans(text):
        add("privacy.iban", s, e, "info", SOURCE_CONTACT)
    for s, e in addresses:
        add("privacy.address", s, e, "info", SOURCE_CONTACT)

    if names is None:
        names = find_names(tokens, lang)
    name_spans = [(tokens[i].start, tokens[j - 1].end, i, j) for i, j in names]
    exempt_names: set[int] = set()
    for k, (_s, _e, i, j) in enumerate(name_spans):
        if _professional(tokens, i, j, r, text):
            exempt_names.add(k)
        else:
            add("privacy.name", _s, _e, "info", SOURCE_CONTACT)

    by_sentence: dict[int, list[Token]] = {}
    for t in tokens:
        by_sentence.setdefault(t.sentence, []).append(t)
    health_memo: dict[int, bool] = {}

    def health_in(s_idx: int) -> bool:
        if s_idx not in health_memo:
            sent_tokens = by_sentence.get(s_idx, [])
            if r.health_fi is not None:
                health_set = r.health_fi
                hit = any(t.lower in health_set for t in sent_tokens if not t.protected)
            else:
                ss, se = sentences[s_idx]
                hit = (
                    r.health_re is not None and r.health_re.search(text[ss:se].lower()) is not None
                )
            health_memo[s_idx] = hit
        return health_memo[s_idx]

    for k in _after_client_word(tokens, r, name_spans, lang, text):
        # "Vår klient Tobias", "asiakkaamme Jari": a capitalised word right after a client
        # word is the client's name even when it is in no name list.
        name_spans.append((tokens[k].start, tokens[k].end, k, k + 1))
        add("privacy.name", tokens[k].start, tokens[k].end, "info", SOURCE_CONTACT)
    for k in _ambiguous_initial_names(tokens, lang, names, text):
        if health_in(tokens[k].sentence) and not _professional(tokens, k, k + 1, r, text):
            name_spans.append((tokens[k].start, tokens[k].end, k, k + 1))
            add("privacy.name", tokens[k].start, tokens[k].end, "info", SOURCE_CONTACT)

    id_starts = sorted([s for s, _ in hetus] + [s for s, _ in phones + emails + addresses])
    name_starts = [s for s, *_ in name_spans]
    reported: set[int] = set()
    for s_idx, (ss, se) in enumerate(sentences):
        # Cheap gate first: only a sentence with some identifier needs the health lookup.
        if s_idx in reported:
            continue
        if not any(ss <= s < se for s in id_starts) and not any(ss <= s < se for s in name_starts):
            continue
        sentence = text[ss:se].lower()
        personal_names = [
            k
            for k, (s, _e, _i, _j) in enumerate(name_spans)
            if ss <= s < se and k not in exempt_names
        ]
        named_emails = [(s, e) for s, e in emails if ss <= s < se and _name_email(text[s:e])]
        if not health_in(s_idx):
            # "Tapasin Mikaelin. Hän kertoi olleensa katkaisuhoidossa.": the next sentence
            # speaks of the same person through a pronoun.
            nxt = s_idx + 1
            if (personal_names or named_emails) and nxt < len(sentences) and health_in(nxt):
                head = by_sentence.get(nxt, [])[:4]
                if any(t.lower in _PRONOUNS[lang] for t in head):
                    end = sentences[nxt][1]
                    while end > ss and text[end - 1].isspace():
                        end -= 1
                    add("privacy.person_with_health", ss, end, "block", SOURCE_GDPR)
                    reported.add(nxt)
            continue
        identified = any(ss <= s < se for s, _ in hetus)
        identified = identified or bool(personal_names) or bool(named_emails)
        contact = r.broad_contact_re.search(sentence) is not None
        has_exempt = any(
            ss <= s < se for k, (s, *_rest) in enumerate(name_spans) if k in exempt_names
        )
        if not identified and not contact and not has_exempt:
            weak = [
                (s, e)
                for s, e in phones + emails
                if ss <= s < se and not _ORG_EMAIL.match(text[s:e])
            ]
            identified = bool(weak)
        if not identified and r.residence_re.search(sentence):
            identified = any(ss <= s < se for s, _ in addresses)
        if identified:
            end = se
            while end > ss and text[end - 1].isspace():
                end -= 1
            add("privacy.person_with_health", ss, end, "block", SOURCE_GDPR)
    return findings


def _professional(tokens: Sequence[Token], i: int, j: int, r: LangRules, text: str) -> bool:
    """A name given with a job title or as the contact person is not a disclosure; a name
    right after or in apposition with a client word ("asiakkaamme Pekka") always is."""
    sent = tokens[i].sentence

    def same(k: int) -> Token | None:
        if 0 <= k < len(tokens) and tokens[k].sentence == sent and not tokens[k].protected:
            return tokens[k]
        return None

    before = [t for t in (same(i - 1), same(i - 2)) if t is not None]
    after = same(j)
    apposition = after is not None and text[tokens[j - 1].end : after.start].strip() in (",", "")
    if any(_is(r.client_fi, r.client_re, t) for t in before) or (
        apposition and after is not None and _is(r.client_fi, r.client_re, after)
    ):
        return False
    last = tokens[j - 1].text
    if r.title_fi is None:
        genitive = last.endswith(("'s", "\u2019s", "s"))
    else:
        genitive = last.endswith("n") and not last.endswith("nen")
    if (
        genitive
        and after is not None
        and not any(_is(r.title_fi, r.title_re, t) for t in before)
        and (r.title_fi is None or any(a.wclass == "nimisana" for a in morph.analyze(after.lower)))
        and after.start - tokens[j - 1].end <= 1
        and _is(r.title_fi, r.title_re, after)
    ):
        return False  # "Annas terapeut", "Annan terapeutti": the person's own carer
    # After the name only the next word (or the one after an article) is its title: "Maija
    # Meikäläinen, toiminnanjohtaja", "Jane Doe, the director"; "Natalie Cole sees a
    # therapist" is about Natalie's health.
    nxt_word = same(j)
    after_title = [nxt_word] if nxt_word is not None else []
    if nxt_word is not None and nxt_word.lower in ("the", "a", "an", "our", "vår", "vårt"):
        after_title += [t for t in (same(j + 1),) if t is not None]
    window = [t for t in (same(i - 1), same(i - 2), same(i - 3), *after_title) if t]
    # A title after the name counts unless a genitive name owns another noun first ("Timon
    # lääkitys muutettiin psykiatrin vastaanotolla": the psychiatrist is not Timo).
    owned = (
        genitive
        and after is not None
        and after.start - tokens[j - 1].end <= 1
        and not _is(r.title_fi, r.title_re, after)
    )
    if owned:
        window = [t for t in window if t.start < tokens[i].start]
    if r.title_fi is not None:
        # A verb of a role before the name has the name as its object ("Esittelemme Pasin",
        # "Haastattelimme Sirpaa"); only after the name is it the person's own role.
        window = [
            t
            for t in window
            if t.start > tokens[i].start
            or not any(a.wclass == "teonsana" for a in morph.analyze(t.lower))
        ]
    if any(_is(r.title_fi, r.title_re, t) for t in window):
        return True
    if (
        after is not None
        and after.start - tokens[j - 1].end <= 1
        and _WORK_RE.fullmatch(after.lower)
    ):
        return True  # "Lehtosen kirja", "Smith's book": the person's work, not their health
    start = tokens[i - 4].start if i >= 4 and tokens[i - 4].sentence == sent else None
    if start is None:
        start = _sentence_start(tokens, i)
    return r.contact_re.search(text[start : tokens[i].start].lower()) is not None


def _sentence_start(tokens: Sequence[Token], i: int) -> int:
    k = i
    while k > 0 and tokens[k - 1].sentence == tokens[i].sentence:
        k -= 1
    return tokens[k].start
