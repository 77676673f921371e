"""Splitting a long text into a numbered thread at sentence boundaries."""

from __future__ import annotations

import re
from collections.abc import Callable

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=\S)|\n{2,}")
_WORD = re.compile(r"\S+\s*")


def _pieces(text: str) -> list[str]:
    return [p.strip() for p in _SENTENCE_END.split(text) if p.strip()]


def split_thread(
    text: str, limit: int, count: Callable[[str], int] = len, *, max_parts: int = 25
) -> list[str]:
    """Parts that each fit ``limit`` as ``count`` measures, numbered " 1/3" when more than one.

    Sentences stay whole where they fit; a sentence longer than a part is cut between words.
    """
    text = text.strip()
    if count(text) <= limit:
        return [text]
    budget = limit - len(" 99/99")
    chunks: list[str] = []
    for piece in _pieces(text):
        if count(piece) <= budget:
            chunks.append(piece)
            continue
        current = ""
        for word in _WORD.findall(piece):
            if current and count(current + word.rstrip()) > budget:
                chunks.append(current.rstrip())
                current = ""
            current += word
        if current.strip():
            chunks.append(current.rstrip())
    parts: list[str] = []
    current = ""
    for chunk in chunks:
        joined = f"{current} {chunk}" if current else chunk
        if current and count(joined) > budget:
            parts.append(current)
            current = chunk
        else:
            current = joined
    if current:
        parts.append(current)
    parts = parts[:max_parts]
    total = len(parts)
    return [f"{part} {i}/{total}" for i, part in enumerate(parts, start=1)]
