"""Finnish replacements: the alternative inflected to the flagged word's case and number."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from .. import inflect, morph
from ..inflect import Form
from ..lexicon import Entry
from ..messages import message
from ..text import WORD_RE, Token
from ..types import Replacement
from .common import DELETE, continues, delete, ending_at, index

# Head nouns after which a participle attribute still describes a person: "narkkarikaveri"
# becomes "huumeita käyttävä kaveri", but "narkkarikämppä" is a place, not a person, so it
# gets advice only.
FI_PERSON_HEADS = frozenset(
    [
        "ihminen",
        "henkilö",
        "äiti",
        "isä",
        "vanhempi",
        "kaveri",
        "ystävä",
        "nainen",
        "mies",
        "poika",
        "tyttö",
        "nuori",
        "lapsi",
        "veli",
        "sisko",
        "sisar",
        "puoliso",
        "naapuri",
        "tuttava",
        "tuttu",
        "asiakas",
        "potilas",
        "isoisä",
        "isoäiti",
        "mummo",
        "pappa",
        "vaimo",
        "aviomies",
        "tytär",
        "mutsi",
        "faija",
        "kamu",
        "frendi",
        "jäsen",
        "opiskelija",
        "työntekijä",
        "asukas",
    ]
)
_FI_REL_PLURAL = {
    "joka": "jotka",
    "jonka": "joiden",
    "jota": "joita",
    "jolla": "joilla",
    "jolle": "joille",
    "jolta": "joilta",
    "jossa": "joissa",
    "josta": "joista",
    "johon": "joihin",
    "jona": "joina",
}
# Case endings of words Voikko does not know (nisti, narkki): the part after the stem of an
# i-final base form, longest first. Used only to read the flagged word's case and number.
_FI_UNKNOWN_I = (
    ("eille", "ulkotulento", "plural"),
    ("eillä", "ulkoolento", "plural"),
    ("eilla", "ulkoolento", "plural"),
    ("eiltä", "ulkoeronto", "plural"),
    ("eilta", "ulkoeronto", "plural"),
    ("eissä", "sisaolento", "plural"),
    ("eissa", "sisaolento", "plural"),
    ("eistä", "sisaeronto", "plural"),
    ("eista", "sisaeronto", "plural"),
    ("eihin", "sisatulento", "plural"),
    ("eiksi", "tulento", "plural"),
    ("einä", "olento", "plural"),
    ("eina", "olento", "plural"),
    ("ejen", "omanto", "plural"),
    ("ien", "omanto", "plural"),
    ("ejä", "osanto", "plural"),
    ("eja", "osanto", "plural"),
    ("ille", "ulkotulento", "singular"),
    ("illä", "ulkoolento", "singular"),
    ("illa", "ulkoolento", "singular"),
    ("iltä", "ulkoeronto", "singular"),
    ("ilta", "ulkoeronto", "singular"),
    ("issä", "sisaolento", "singular"),
    ("issa", "sisaolento", "singular"),
    ("istä", "sisaeronto", "singular"),
    ("ista", "sisaeronto", "singular"),
    ("iksi", "tulento", "singular"),
    ("iin", "sisatulento", "singular"),
    ("inä", "olento", "singular"),
    ("ina", "olento", "singular"),
    ("iä", "osanto", "singular"),
    ("ia", "osanto", "singular"),
    ("in", "omanto", "singular"),
    ("it", "nimento", "plural"),
    ("i", "nimento", "singular"),
)


@lru_cache(maxsize=4_096)
def _np_words(alt: str) -> tuple[tuple[str, ...], tuple[str, ...], str] | None:
    """An alternative split into fixed dependents, the words that inflect (the trailing run of
    nominatives: "käyttävä ihminen") and a relative clause; None when it is not a noun phrase
    Kaiku can inflect (a clause, a verb, a note in brackets)."""
    if "(" in alt or not morph.voikko_available():
        return None
    np_part, _, rel = alt.partition(", ")
    words = np_part.split()
    if not words:
        return None
    run: list[str] = []
    for w in reversed(words):
        if not _is_nominative_singular(w):
            break
        run.insert(0, w)
    if not run:
        return None
    fixed = words[: len(words) - len(run)]
    for w in fixed:
        readings = morph.raw_analyze(w)
        if not readings or any(a.get("MOOD") for a in readings):
            return None
    return tuple(fixed), tuple(run), rel


def _is_nominative_singular(word: str) -> bool:
    return any(
        a.get("CLASS") in inflect.NOMINALS
        and a.get("SIJAMUOTO") == "nimento"
        and a.get("NUMBER") == "singular"
        and a.get("BASEFORM", "").lower() == word.lower()
        for a in morph.raw_analyze(word)
    )


@lru_cache(maxsize=4_096)
def _fi_relative(rel: str, number: str) -> str | None:
    if number == "singular" or not rel:
        return rel
    words = rel.split()
    pron = _FI_REL_PLURAL.get(words[0].lower())
    if pron is None:
        return None
    out = [pron, *words[1:]]
    if words[0].lower() == "joka" and len(words) > 1:
        verb = inflect.verb_plural(words[1])
        if verb is None:
            return None
        out[1] = verb
    return " ".join(out)


@lru_cache(maxsize=8_192)
def _fi_attrs(alt: str, form: Form) -> str | None:
    """The alternative's attributes without its head, agreeing with ``form`` ("huumeita
    käyttäviä" for a partitive plural); None when there are none or they cannot inflect."""
    parts = _np_words(alt)
    if parts is None or parts[2]:
        return None
    fixed, run, _ = parts
    # "huumeita käyttävä ihminen" gives up its head noun; "psyykkisesti sairastunut" is an
    # attribute as it stands.
    head_is_noun = any(a.get("CLASS") == "nimisana" for a in morph.raw_analyze(run[-1]))
    attrs = run[:-1] if head_is_noun else run
    if not attrs:
        return None
    words = list(fixed)
    for w in attrs:
        f = inflect.inflect(w, form.case, form.number)
        if f is None:
            return None
        words.append(f)
    return " ".join(words)


@lru_cache(maxsize=8_192)
def _fi_np(alt: str, form: Form) -> tuple[str, str] | None:
    """The whole alternative in ``form``: (noun phrase, relative clause)."""
    parts = _np_words(alt)
    if parts is None:
        return None
    fixed, run, rel = parts
    words = list(fixed)
    for w in run:
        f = inflect.inflect(w, form.case, form.number)
        if f is None:
            return None
        words.append(f)
    if form.possessive:
        head = inflect.with_possessive(words[-1], run[-1], form.case, form.number, form.possessive)
        if head is None:
            return None
        words[-1] = head
    words[-1] += form.clitic
    rel_out = _fi_relative(rel, form.number)
    if rel_out is None:
        return None
    return " ".join(words), rel_out


def _fi_form(word: str, entry: Entry) -> tuple[str, Form] | None:
    found = inflect.form_of(word)
    if found is not None:
        return found
    if morph.raw_analyze(word.lower()) or not entry.base.endswith("i"):
        return None
    lowered = word.lower()
    for stem in sorted({entry.base[:-1], *(s for s in entry.stems if s)}, key=len, reverse=True):
        if not lowered.startswith(stem):
            continue
        rest = lowered[len(stem) :]
        for ending, case, number in _FI_UNKNOWN_I:
            if rest == ending or (stem.endswith("i") and "i" + rest == ending):
                return entry.base, Form(case, number)
    return None


def build(
    text: str, tokens: Sequence[Token], start: int, end: int, entry: Entry, ui: str
) -> list[Replacement]:
    out: list[Replacement] = []
    alts = entry.alternatives
    for alt in alts:
        if alt in DELETE:
            out += delete(text, tokens, start, end, ui, alt)
    k = index(tokens, start)
    last = ending_at(tokens, end)
    if k is None or last is None:
        return out
    word = tokens[k]
    if entry.is_phrase:
        return out + _fi_phrase(text, tokens, start, end, entry, last)
    analyses = morph.analyze(word.lower)
    as_modifier = (
        bool(analyses)
        and all(entry.base not in a.tails for a in analyses)
        and any(entry.base in a.modifiers for a in analyses)
    )
    if as_modifier:
        return out + _fi_modifier(text, word, entry, analyses[0].boundaries)
    found = _fi_form(word.text, entry)
    if found is None:
        return out
    _, form = found
    nxt = tokens[k + 1] if k + 1 < len(tokens) else None
    attributive = (
        nxt is not None
        and nxt.sentence == word.sentence
        and text[word.end : nxt.start] == " "
        and _attributive(word.lower, nxt.lower, form)
    )
    if attributive and nxt is not None:
        # "hullu mies": the noun is the person; the adjective usually just goes.
        label = message("suggest.remove", ui, text=word.text)
        cap = word.text[:1].isupper()
        noun = nxt.text[0].upper() + nxt.text[1:] if cap else nxt.text
        out.append(Replacement(start, nxt.end, noun, "", label))
        for alt in alts:
            attrs = _fi_attrs(alt, form)
            if attrs is not None:
                out.append(Replacement(start, end, attrs, alt, attrs))
                continue
            parts = _np_words(alt)
            if parts is not None and parts[2] and _continues_ok(text, nxt.end, form):
                rel = _fi_relative(parts[2], form.number)
                if rel is not None and not parts[0] and len(parts[1]) == 1:
                    new = f"{nxt.text}, {rel}" + ("," if continues(text, nxt.end) else "")
                    out.append(Replacement(start, nxt.end, new, alt, new.rstrip(",")))
        return out
    for alt in alts:
        built = _fi_np(alt, form)
        if built is None:
            continue
        np, rel = built
        if rel and not _continues_ok(text, end, form):
            continue
        new = f"{np}, {rel}" if rel else np
        if rel and continues(text, end):
            new += ","
        out.append(Replacement(start, end, new, alt, new.rstrip(",")))
    return out


def _continues_ok(text: str, end: int, form: Form) -> bool:
    """A relative clause does not fit a genitive before the noun it belongs to ("narkkareiden
    palvelut"); after an object in the genitive ("näin narkkarin eilen") it does."""
    if form.case != "omanto" or not continues(text, end):
        return True
    rest = text[end:]
    m = WORD_RE.match(text, end + len(rest) - len(rest.lstrip()))
    if m is None:
        return True
    return not any(
        a.get("CLASS") in inflect.NOMINALS for a in morph.raw_analyze(m.group(0).lower())
    )


def _attributive(word: str, nxt: str, form: Form) -> bool:
    """The flagged word stands before a noun in its own case and number ("hullu mies",
    "mielisairas potilas"): a word put in its place would leave two noun phrases side by side.
    A noun in the genitive before another is a possessor ("narkkarin äidin"), not this."""
    found = inflect.form_of(nxt)
    if found is None:
        return False
    _, nform = found
    if (nform.case, nform.number) != (form.case, form.number):
        return False
    if not any(a.get("CLASS") == "nimisana" for a in morph.raw_analyze(nxt)):
        return False
    adjective = any(
        a.get("CLASS") in ("laatusana", "nimisana_laatusana") for a in morph.raw_analyze(word)
    )
    return adjective or form.case != "omanto"


def _fi_modifier(
    text: str, word: Token, entry: Entry, boundaries: tuple[int, ...]
) -> list[Replacement]:
    """narkkarikavereitaan -> huumeita käyttäviä kavereitaan; alkoholistiäidille -> äidille,
    jolla on alkoholiriippuvuus. Only when the remaining part names a person."""
    cut = next((b for b in boundaries if b >= len(entry.base) - 2 and b > 0), None)
    if cut is None:
        return []
    rest = word.text[cut:]
    found = inflect.form_of(rest)
    if found is None:
        return []
    lemma, form = found
    if lemma not in FI_PERSON_HEADS and not lemma.endswith(("ja", "jä")):
        return []
    out: list[Replacement] = []
    for alt in entry.alternatives:
        attrs = _fi_attrs(alt, form)
        if attrs is not None:
            new = f"{attrs} {rest.lower()}"
            out.append(Replacement(word.start, word.end, new, alt, new))
            continue
        parts = _np_words(alt)
        if parts is None or not parts[2] or parts[0] or len(parts[1]) != 1:
            continue
        if not _continues_ok(text, word.end, form):
            continue
        rel = _fi_relative(parts[2], form.number)
        if rel is None:
            continue
        new = f"{rest.lower()}, {rel}" + ("," if continues(text, word.end) else "")
        out.append(Replacement(word.start, word.end, new, alt, new.rstrip(",")))
    return out


def _verb_key(word: str) -> tuple[str, ...] | None:
    for a in morph.raw_analyze(word.lower()):
        if a.get("MOOD"):
            return (
                a.get("MOOD", ""),
                a.get("TENSE", ""),
                a.get("PERSON", ""),
                a.get("NUMBER", ""),
                a.get("NEGATIVE", ""),
            )
    return None


def _fi_phrase(
    text: str, tokens: Sequence[Token], start: int, end: int, entry: Entry, last: Token
) -> list[Replacement]:
    out: list[Replacement] = []
    first_word = text[start:end].split()[0]
    verb = _verb_key(first_word)
    found = inflect.form_of(last.text) if verb is None else None
    for alt in entry.alternatives:
        words = alt.split()
        if verb is not None:
            # "teki itsemurhan" -> "kuoli itsemurhaan": only when the verbs share mood, tense
            # and person; "tekee itsemurhan" gets the advice only.
            if words and _verb_key(words[0]) == verb:
                out.append(Replacement(start, end, alt, alt, alt))
            continue
        if found is None:
            continue
        built = _fi_np(alt, found[1])
        if built is None or built[1]:
            continue
        out.append(Replacement(start, end, built[0], alt, built[0]))
    return out


def inflect_alternative(word: str, alt: str) -> str | None:
    """``alt`` in the case and number of ``word`` ("epäonnistuneen itsemurhan" ->
    "itsemurhayrityksen"), without a relative clause; None when Kaiku cannot be sure."""
    found = inflect.form_of(word)
    if found is None:
        return None
    built = _fi_np(alt, found[1])
    if built is None or built[1]:
        return None
    return built[0]


for _cached in (_np_words, _fi_relative, _fi_attrs, _fi_np):
    morph.register_cache(_cached.cache_clear)
