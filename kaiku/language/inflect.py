"""Finnish inflection built from Voikko's analysis: Voikko cannot generate forms, so candidate
forms are built from the base form (stems x endings) and kept only when Voikko reads them back
with the wanted base form, case and number. A form Voikko does not confirm is never returned:
the caller then shows its suggestion as advice, not as a one-click replacement.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from . import morph

NOMINALS = frozenset({"nimisana", "laatusana", "nimisana_laatusana", "lukusana"})

# Endings per case, written with back vowels ("A" is a/ä, "O" o/ö, "U" u/y); "V" repeats the
# stem's last vowel (talo-on). The first ending that Voikko confirms wins, so the common one
# comes first.
_SG: dict[str, tuple[str, ...]] = {
    "nimento": ("",),
    "omanto": ("n",),
    "osanto": ("A", "tA", "ttA"),
    "olento": ("nA",),
    "tulento": ("ksi",),
    "sisaolento": ("ssA",),
    "sisaeronto": ("stA",),
    "sisatulento": ("Vn", "seen", "hVn"),
    "ulkoolento": ("llA",),
    "ulkoeronto": ("ltA",),
    "ulkotulento": ("lle",),
    "vajanto": ("ttA",),
}
_PL: dict[str, tuple[str, ...]] = {
    "nimento": ("t",),
    "omanto": ("ten", "en", "den", "tten", "jen"),
    "osanto": ("A", "jA", "tA"),
    "olento": ("nA",),
    "tulento": ("ksi",),
    "sisaolento": ("ssA",),
    "sisaeronto": ("stA",),
    "sisatulento": ("in", "hin", "Vn", "siin"),
    "ulkoolento": ("llA",),
    "ulkoeronto": ("ltA",),
    "ulkotulento": ("lle",),
    "vajanto": ("ttA",),
    "keinonto": ("n",),
}
CLITICS = ("kaan", "kään", "kin", "han", "hän", "ko", "kö", "pa", "pä")
_POSSESSIVE = {"1s": ("ni",), "2s": ("si",), "1p": ("mme",), "2p": ("nne",)}
_POSSESSIVE_3 = ("Vn", "nsA")

# Consonant gradation: strong -> weak and back, tried on the last consonant cluster.
_GRADES = (
    ("kk", "k"),
    ("pp", "p"),
    ("tt", "t"),
    ("nk", "ng"),
    ("mp", "mm"),
    ("lt", "ll"),
    ("nt", "nn"),
    ("rt", "rr"),
    ("lk", "l"),
    ("hk", "h"),
    ("k", "v"),
    ("p", "v"),
    ("t", "d"),
    ("k", ""),
)
_VOWELS = "aeiouyäö"


@dataclass(frozen=True, slots=True)
class Form:
    """What a word's case and number are, read from Voikko's analysis."""

    case: str
    number: str
    possessive: str = ""
    clitic: str = ""


def _back(word: str) -> bool:
    """Vowel harmony of the last compound part (the part that takes the ending)."""
    analyses = morph.analyze(word)
    start = analyses[0].boundaries[-1] if analyses else 0
    tail = word[start:] or word
    for ch in reversed(tail):
        if ch in "aou":
            return True
        if ch in "äöy":
            return False
    return False


def _harmonise(ending: str, *, back: bool) -> str:
    table = str.maketrans("AOU", "aou") if back else str.maketrans("AOU", "äöy")
    return ending.translate(table)


def _graded(stem: str) -> Iterator[str]:
    """The stem with its last consonant cluster in the other grade (katu -> kadu)."""
    yield stem
    # The cluster sits before the stem's final vowels (or at the very end: asiakas -> asiakka).
    k = len(stem)
    while k > 0 and stem[k - 1] in _VOWELS:
        k -= 1
    head_end = k
    while k > 0 and stem[k - 1] not in _VOWELS:
        k -= 1
    # For a consonant-final stem (asiaka|s), grade the cluster before its last vowel instead.
    if head_end == len(stem):
        v = k
        while v > 0 and stem[v - 1] in _VOWELS:
            v -= 1
        c = v
        while c > 0 and stem[c - 1] not in _VOWELS:
            c -= 1
        spans = [(c, v), (k, head_end)]
    else:
        spans = [(k, head_end)]
    for a, b in spans:
        cluster = stem[a:b]
        for strong, weak in _GRADES:
            for old, new in ((strong, weak), (weak, strong)):
                if old and cluster.endswith(old):
                    yield stem[: b - len(old)] + new + stem[b:]


def _stems(lemma: str, *, plural: bool) -> list[str]:
    """Candidate stems, most likely first. Over-generation is harmless: Voikko filters."""
    L = lemma
    raw: list[str] = []
    if L.endswith("nen"):
        raw += [L[:-3] + "se", L[:-3] + "s", L[:-3] + "si"]
    elif L.endswith(("ton", "tön")):
        v = "a" if L.endswith("ton") else "ä"
        raw += [L[:-3] + "ttom" + v, L[:-3] + "ttom" + "i", L[:-3] + "ttöm" + "i", L]
    elif L.endswith(("nut", "nyt", "lut", "lyt", "rut", "ryt", "sut", "syt")):
        raw += [L[:-2] + "ee", L[:-2] + "ei", L]
    elif L[-1] == "e":
        raw += [L + "e", L + "i", L[:-1] + "ei", L]
    elif L.endswith(("as", "äs", "es", "is", "os", "us", "ys")):
        v = L[-2]
        raw += [L[:-1] + v, L[:-1] + "i", L[:-1] + "de", L[:-1] + "kse", L[:-1] + "ksi", L]
        raw += [L[:-2] + "ii", L[:-2] + "ei", L[:-1] + "t", L[:-1] + "he", L[:-1] + "hi"]
    elif L.endswith(("in", "ar", "är", "el")):
        raw += [L[:-1] + "me", L[:-1] + "mi", L + "e", L + "i", L]
    elif L[-1] in _VOWELS:
        last = L[-1]
        if len(L) > 1 and L[-2] == last:  # long vowel: maa -> mai-
            raw += [L, L[:-1] + "i"]
        elif L.endswith(("ie", "uo", "yö")):
            raw += [L, L[:-2] + L[-1] + "i"]
        elif last in "aä":
            o = "o" if last == "a" else "ö"
            pl = [L[:-1] + "i", L[:-1] + o + "i", L[:-1] + "ei"]
            raw += [*pl, L] if plural else [L, *pl]
        elif last == "i":
            pl = [L[:-1] + "ei", L, L[:-1] + "e"]
            raw += pl if plural else [L, L[:-1] + "e", L[:-1] + "ei"]
        else:  # o, u, y, ö
            raw += [L + "i", L] if plural else [L, L + "i"]
    else:
        raw += [L + "i", L + "e", L]
    out: dict[str, None] = {}
    for stem in raw:
        for g in _graded(stem):
            out[g] = None
    return list(out)


def _reads_as(word: str, lemma: str, case: str, number: str, *, exact: bool = True) -> bool:
    handle_results = morph.raw_analyze(word)
    for a in handle_results:
        if a.get("BASEFORM", "").lower() != lemma:
            continue
        if a.get("SIJAMUOTO") != case or a.get("NUMBER") != number:
            continue
        if exact and a.get("POSSESSIVE"):
            continue
        return True
    return False


@lru_cache(maxsize=8_192)
def inflect(lemma: str, case: str, number: str) -> str | None:
    """``lemma`` (a nominal in its base form) in ``case`` and ``number``, confirmed by Voikko;
    None when no candidate is confirmed (or Voikko is missing)."""
    lemma = lemma.lower()
    if not morph.voikko_available():
        return None
    if case == "nimento" and number == "singular":
        return lemma if _reads_as(lemma, lemma, case, number) else None
    table = _PL if number == "plural" else _SG
    endings = table.get(case)
    if not endings:
        return None
    back = _back(lemma)
    for stem in _stems(lemma, plural=number == "plural"):
        for ending in endings:
            e = ending.replace("V", stem[-1]) if "V" in ending else ending
            if "V" in ending and stem[-1] not in _VOWELS:
                continue
            cand = stem + _harmonise(e, back=back)
            if _reads_as(cand, lemma, case, number):
                return cand
    return None


@lru_cache(maxsize=2_048)
def with_possessive(form: str, lemma: str, case: str, number: str, person: str) -> str | None:
    """``form`` with a possessive suffix (kavereita -> kavereitaan), confirmed by Voikko."""
    back = _back(lemma)
    endings = _POSSESSIVE_3 if person == "3" else _POSSESSIVE.get(person, ())
    bases = [form]
    if form.endswith(("n", "t")) and case in ("nimento", "omanto", "sisatulento"):
        bases.append(form[:-1])
    if case == "tulento" and form.endswith("ksi"):
        bases.append(form[:-1] + "e")
    for base in bases:
        for ending in endings:
            if "V" in ending:
                if base[-1] not in _VOWELS or base[-2:-1] == base[-1:]:
                    continue
                ending = ending.replace("V", base[-1])
            cand = base + _harmonise(ending, back=back)
            for a in morph.raw_analyze(cand):
                if (
                    a.get("BASEFORM", "").lower() == lemma
                    and a.get("SIJAMUOTO") == case
                    and a.get("NUMBER") == number
                    and a.get("POSSESSIVE") == person
                ):
                    return cand
    return None


@lru_cache(maxsize=1_024)
def verb_plural(verb: str) -> str | None:
    """A third-person singular present verb in the plural (käyttää -> käyttävät)."""
    if not morph.voikko_available():
        return None
    lemma = next(
        (
            a.get("BASEFORM", "").lower()
            for a in morph.raw_analyze(verb)
            if a.get("PERSON") == "3" and a.get("NUMBER") == "singular"
        ),
        None,
    )
    if lemma is None:
        return None
    if verb == "on":
        return "ovat"
    stems = [verb[:-1], verb] if len(verb) > 2 and verb[-1] == verb[-2] else [verb]
    for stem in stems:
        for ending in ("vat", "vät"):
            cand = stem + ending
            for a in morph.raw_analyze(cand):
                if (
                    a.get("BASEFORM", "").lower() == lemma
                    and a.get("PERSON") == "3"
                    and a.get("NUMBER") == "plural"
                    and a.get("MOOD") == "indicative"
                ):
                    return cand
    return None


@lru_cache(maxsize=20_000)
def form_of(word: str) -> tuple[str, Form] | None:
    """The base form and the case, number, possessive and clitic of a nominal word, when all
    of Voikko's nominal readings agree; None when they do not ("pilvipäähän" is an illative
    or a nominative with -hän): a form Kaiku cannot be sure of gets advice, not a button."""
    surface = word.lower()
    readings = [a for a in morph.raw_analyze(surface) if a.get("CLASS") in NOMINALS]
    if not readings:
        return None
    keys = {
        (a.get("SIJAMUOTO", ""), a.get("NUMBER", ""), a.get("POSSESSIVE", "")) for a in readings
    }
    if len(keys) != 1:
        return None
    case, number, poss = keys.pop()
    if not case or not number:
        return None
    lemma = readings[0].get("BASEFORM", "").lower()
    clitic = readings[0].get("FOCUS", "") or ""
    if not clitic:
        # -han, -ko and -pa are not tagged: the word without them must read the same.
        for c in CLITICS:
            if surface.endswith(c) and len(surface) > len(c) + 2:
                bare = morph.raw_analyze(surface[: -len(c)])
                if any(
                    a.get("BASEFORM", "").lower() == lemma
                    and (a.get("SIJAMUOTO"), a.get("NUMBER"), a.get("POSSESSIVE", "") or "")
                    == (case, number, poss or "")
                    for a in bare
                ):
                    clitic = c
                    break
    return lemma, Form(case, number, poss or "", clitic)


for _cached in (inflect, with_possessive, verb_plural, form_of):
    morph.register_cache(_cached.cache_clear)
