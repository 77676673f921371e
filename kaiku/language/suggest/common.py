"""What the Finnish, Swedish and English builders share: token lookup, the end of a
sentence, and removing a word."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence

from ..messages import message
from ..text import Token
from ..types import Replacement

DELETE = frozenset({"(poista)", "(stryk)", "(remove)"})


def removal_label(word: str, ui: str) -> str:
    """What a "(poista)" alternative says to the user: remove "idiootti"."""
    return message("suggest.remove", ui, text=word)


def shown(alternatives: Sequence[str], word: str, ui: str) -> list[str]:
    """The lexicon's suggestions as the user reads them (a removal in words, not a marker)."""
    return [removal_label(word, ui) if a in DELETE else a for a in alternatives]


_END_PUNCT = frozenset('.!?,;:)]}"”’»')


def index(tokens: Sequence[Token], start: int) -> int | None:
    """The token starting at ``start`` (tokens are in text order: a binary search)."""
    k = bisect_left(tokens, start, key=lambda t: t.start)
    return k if k < len(tokens) and tokens[k].start == start else None


def ending_at(tokens: Sequence[Token], end: int) -> Token | None:
    k = bisect_left(tokens, end, key=lambda t: t.end)
    return tokens[k] if k < len(tokens) and tokens[k].end == end else None


def continues(text: str, end: int) -> bool:
    """True when the sentence goes on after ``end`` (a relative clause then needs a comma)."""
    rest = text[end:].lstrip(" \t")
    return bool(rest) and rest[0] not in _END_PUNCT and rest[0] != "\n"


# Determiners that can stand alone once the noun after them goes ("se idiootti lähti" -> "se
# lähti"). English has none: "the moron left" -> "the left" is no sentence.
_STANDALONE = frozenset(
    ["se", "tuo", "tämä", "ne", "nuo", "nämä", "den", "det", "de", "denna", "detta", "dessa"]
)


def delete(
    text: str, tokens: Sequence[Token], start: int, end: int, ui: str, alt: str
) -> list[Replacement]:
    """Removing a word after a determiner that can stand alone, when a word of the same
    sentence follows it; the span runs to the end of that word so that it can take a capital.
    Elsewhere ("olet idiootti.", "Idiootti lähti.") removing would break the sentence."""
    k = index(tokens, start)
    if k is None or k == 0 or k + 1 >= len(tokens):
        return []
    prev, nxt = tokens[k - 1], tokens[k + 1]
    if prev.lower not in _STANDALONE or prev.sentence != tokens[k].sentence:
        return []
    if nxt.sentence != tokens[k].sentence or text[end : nxt.start].strip() != "":
        return []
    label = removal_label(text[start:end], ui)
    return [Replacement(start, nxt.end, nxt.text, removal_label(text[start:end], ui), label)]
