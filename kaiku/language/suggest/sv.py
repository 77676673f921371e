"""Swedish replacements: the head noun in the flagged word's number and definiteness."""

from __future__ import annotations

from collections.abc import Sequence

from ..lexicon import Entry
from ..text import Token
from ..types import Replacement
from .common import DELETE, delete, index

# Head nouns of the Swedish alternatives: indefinite and definite singular and plural.
_SV_NOUNS: dict[str, tuple[str, str, str, str]] = {
    "person": ("person", "personen", "personer", "personerna"),
    "människa": ("människa", "människan", "människor", "människorna"),
    "bostad": ("bostad", "bostaden", "bostäder", "bostäderna"),
    "lägenhet": ("lägenhet", "lägenheten", "lägenheter", "lägenheterna"),
    "sjukhus": ("sjukhus", "sjukhuset", "sjukhus", "sjukhusen"),
}
_SV_SG_DET = frozenset({"en", "ett", "varje", "någon", "något", "ingen", "inget", "denna"})
_SV_PL_DET = frozenset(
    [
        "många",
        "flera",
        "alla",
        "några",
        "inga",
        "två",
        "tre",
        "fyra",
        "fem",
        "dessa",
        "våra",
        "era",
        "deras",
        "sina",
        "mina",
        "dina",
        "fler",
        "fåtal",
    ]
)


def _sv_class(rest: str, *, are_noun: bool) -> tuple[int, bool, bool] | None:
    if rest.endswith(("na", "nas")):
        return 1, True, rest.endswith("s")
    if rest in ("n", "en", "et", "ns", "ens", "ets"):
        return 0, True, rest.endswith("s")
    if rest in ("ar", "er", "or", "r", "ars", "ers", "ors", "rs"):
        return 1, False, rest.endswith("s")
    if rest == "s" and not are_noun:
        return 0, False, True
    return None


def _sv_form(word: str, entry: Entry, prev: str) -> tuple[int, bool, bool] | None:
    """(number 0/1, definite, genitive) of a Swedish noun, or None when unclear."""
    w = word.lower()
    are_noun = entry.base.endswith("are")
    if w == entry.base:
        if not are_noun:
            return 0, False, False
        # knarkare is one or many: the word before decides, or nothing does.
        if prev in _SV_SG_DET:
            return 0, False, False
        if prev in _SV_PL_DET:
            return 1, False, False
        return None
    rests = []
    if w.startswith(entry.base):
        rests.append(w[len(entry.base) :])
    rests += [w[len(s) :] for s in sorted(entry.stems, key=len, reverse=True) if w.startswith(s)]
    for rest in rests:
        found = _sv_class(rest, are_noun=are_noun)
        if found is not None:
            return found
    return None


def build(
    text: str, tokens: Sequence[Token], start: int, end: int, entry: Entry, ui: str
) -> list[Replacement]:
    out: list[Replacement] = []
    for alt in entry.alternatives:
        if alt in DELETE:
            out += delete(text, tokens, start, end, ui, alt)
    if entry.is_phrase:
        matched = text[start:end].lower()
        return out + [
            Replacement(start, end, alt, alt, alt)
            for alt in entry.alternatives
            if alt not in DELETE and matched == entry.base
        ]
    k = index(tokens, start)
    if k is None:
        return out
    prev = tokens[k - 1].lower if k > 0 and tokens[k - 1].sentence == tokens[k].sentence else ""
    form = _sv_form(text[start:end], entry, prev)
    if form is None:
        return out
    number, definite, gen = form
    for alt in entry.alternatives:
        words = alt.split()
        head = next((i for i, w in enumerate(words) if w in _SV_NOUNS), None)
        if head is None:
            continue
        if head > 0 and (number, definite) != (0, False):
            continue  # an adjective before the head needs its own form and an article
        forms = _SV_NOUNS[words[head]]
        noun = forms[number * 2 + int(definite)]
        tail = words[head + 1 :]
        if gen:
            if tail:
                continue  # "personen som använder droger"s: the genitive needs rewording
            noun += "" if noun.endswith("s") else "s"
        new = " ".join([*words[:head], noun, *tail])
        out.append(Replacement(start, end, new, alt, new))
    return out
