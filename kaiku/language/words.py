"""Finnish word sets matched by lemma (with Voikko) or by stem plus ending (without)."""

from __future__ import annotations

from collections.abc import Iterable

from . import morph
from .lexicon import FI_END_RE


class FiWordSet:
    """Items: ``silta`` (any compound part or base form), ``asiakas$`` (only the head of a word,
    so ``asiakaspalvelu`` is not a client word), ``hirttäyty*`` (a prefix of the lemma) and
    ``korvaushoid~`` (a surface prefix used only for words Voikko does not analyse: it covers
    consonant gradation on the fallback)."""

    def __init__(self, items: Iterable[str]) -> None:
        self.anywhere: set[str] = set()
        self.head_only: set[str] = set()
        prefixes: list[str] = []
        surface: list[str] = []
        for raw in items:
            item = raw.strip().lower()
            if not item:
                continue
            if item.endswith("~"):
                surface.append(item[:-1])
            elif item.endswith("*"):
                prefixes.append(item[:-1])
            elif item.endswith("$"):
                self.head_only.add(item[:-1])
            else:
                self.anywhere.add(item)
        self.prefixes = tuple(prefixes)
        self.surface_prefixes = tuple(prefixes + surface)
        self._all = self.anywhere | self.head_only
        self._cache: dict[tuple[str, int], bool] = {}

    def __contains__(self, word: object) -> bool:
        if not isinstance(word, str):
            return False
        key = (word, morph.generation())
        hit = self._cache.get(key)
        if hit is None:
            hit = self._match(word)
            if len(self._cache) > 50_000:
                self._cache.clear()
            self._cache[key] = hit
        return hit

    def _match(self, word: str) -> bool:
        analyses = morph.analyze(word)
        for a in analyses:
            if a.baseform.startswith(self.prefixes) and self.prefixes:
                return True
            if any(t in self._all for t in a.tails):
                return True
            if any(p in self.anywhere for p in a.parts) or any(
                m in self.anywhere for m in a.modifiers
            ):
                return True
            if any(t.startswith(self.prefixes) for t in a.tails) and self.prefixes:
                return True
        if analyses and "-" not in word:
            return False
        return self._surface(word)

    def _surface(self, word: str) -> bool:
        if ":" in word and word.split(":", 1)[0] in self._all:
            return True  # "adhd:staan", "hiv:n": an abbreviation with a colon ending
        for piece in word.split("-") if "-" in word else (word,):
            if self.surface_prefixes and piece.startswith(self.surface_prefixes):
                return True
            for item in self._all:
                if piece.startswith(item) and FI_END_RE.fullmatch(piece[len(item) :]):
                    return True
                if item in self.head_only and item in piece[1:]:
                    rest = piece[piece.index(item, 1) + len(item) :]
                    if FI_END_RE.fullmatch(rest):
                        return True
                stem = item[:-1] if len(item) > 4 and item[-1] in "aeiouyäö" else item
                if piece.startswith(stem) and FI_END_RE.fullmatch(piece[len(stem) :]):
                    return True
        return False


def lemma_candidates(word: str) -> set[str]:
    """Base forms, compound heads and compound parts of a lowercased Finnish word."""
    out: set[str] = set()
    for a in morph.analyze(word):
        out.add(a.baseform)
        out.update(a.tails)
        out.update(a.parts)
    if not out:
        out.add(word)
    return out
