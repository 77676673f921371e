"""English replacements: the alternative in the flagged word's number, the article fixed."""

from __future__ import annotations

from collections.abc import Sequence

from ..lexicon import Entry
from ..text import Token
from ..types import Replacement
from .common import DELETE, delete, index

_EN_PLURAL = {
    "person": "people",
    "baby": "babies",
    "woman": "women",
    "man": "men",
    "individual": "individuals",
    "user": "users",
    "unit": "units",
    "hospital": "hospitals",
}
_EN_VERB_PLURAL = {"uses": "use", "drinks": "drink", "was": "were", "is": "are", "has": "have"}


# Entries that are adjectives as often as nouns: only these get the attribute guard below (a
# plural such as "junkies" or a noun such as "addict" is not an attribute).
_EN_ADJECTIVES = frozenset(
    ["alcoholic", "crazy", "insane", "drunk", "psycho", "schizo", "handicapped", "lunatic"]
)
# Words that may follow a noun used as a noun ("the addict was", "addicts who"); anything else
# after the flagged word may be the noun it modifies ("alcoholic parents"): advice only.
_EN_AFTER_NOUN = frozenset(
    [
        "is", "was", "are", "were", "has", "have", "had", "who", "that", "which", "and", "or",
        "but", "in", "on", "at", "of", "to", "with", "for", "from", "by", "can", "could", "will",
        "would", "should", "may", "might", "must", "need", "needs", "needed", "said", "says",
        "get", "gets", "got", "do", "does", "did", "like", "as", "than", "too", "also", "often",
        "still", "who's", "don't", "doesn't", "didn't", "can't", "won't", "isn't", "aren't",
        "wasn't", "weren't", "deserve", "deserves", "want", "wants", "live", "lives", "use",
        "uses", "die", "die", "died", "go", "goes", "went", "come", "comes", "came", "feel",
        "feels", "felt", "become", "became", "seem", "seems", "seemed", "sleep", "sleeps",
        "there", "here", "today", "yesterday", "tonight", "again", "now", "then", "last", "every",
        "recently", "once", "never", "always", "when", "because", "if", "into", "about", "after",
        "before", "without", "near", "outside", "inside", "around", "downtown", "anymore",
    ]
)  # fmt: skip


def _en_plural(alt: str) -> str | None:
    words = alt.split()
    for i, w in enumerate(words):
        if w in _EN_PLURAL:
            out = [*words[:i], _EN_PLURAL[w], *words[i + 1 :]]
            if i + 1 < len(out) and out[i + 1] == "who" and i + 2 < len(out):
                verb = _EN_VERB_PLURAL.get(out[i + 2])
                if verb is None:
                    return None
                out[i + 2] = verb
            # "people with a substance use disorder": the article goes with the plural.
            return " ".join(out).replace(" with a ", " with ").replace(" with an ", " with ")
    return None


def build(
    text: str, tokens: Sequence[Token], start: int, end: int, entry: Entry, ui: str
) -> list[Replacement]:
    out: list[Replacement] = []
    for alt in entry.alternatives:
        if alt in DELETE:
            out += delete(text, tokens, start, end, ui, alt)
    matched = text[start:end].lower()
    if entry.is_phrase:
        for alt in entry.alternatives:
            if alt in DELETE:
                continue
            if matched == entry.base:
                out.append(Replacement(start, end, alt, alt, alt))
            elif matched == entry.base + "s" and (many := _en_plural(alt)) is not None:
                out.append(Replacement(start, end, many, alt, many))  # "drug users"
        return out
    if matched.endswith(("'s", "\u2019s", "s'")):
        return out  # "an addict's family": rewording, not a swap
    plural = matched != entry.base and matched.endswith("s")
    k = index(tokens, start)
    prev = tokens[k - 1] if k is not None and k > 0 else None
    nxt = tokens[k + 1] if k is not None and k + 1 < len(tokens) else None
    if (
        not plural
        and entry.base in _EN_ADJECTIVES
        and nxt is not None
        and nxt.sentence == tokens[k].sentence  # type: ignore[index]
        and text[end : nxt.start] == " "
        and nxt.lower not in _EN_AFTER_NOUN
    ):
        return out  # maybe an attribute ("alcoholic parents"): a noun phrase does not fit
    for alt in entry.alternatives:
        if alt in DELETE or "(" in alt:
            continue
        words = alt.split()
        if not any(w in _EN_PLURAL for w in words):
            continue  # not a noun for a person or a place: advice
        new = _en_plural(alt) if plural else alt
        if new is None:
            continue
        s = start
        if prev is not None and prev.lower in ("a", "an") and text[prev.end : start] == " ":
            article = "an" if new[0] in "aeiou" else "a"
            if article != prev.lower:
                s = prev.start
                art = article.capitalize() if prev.text[0].isupper() else article
                out.append(Replacement(s, end, f"{art} {new}", alt, new))
                continue
        out.append(Replacement(s, end, new, alt, new))
    return out
