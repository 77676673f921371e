"""Splitting a long text into a numbered thread at sentence boundaries."""

from __future__ import annotations

import re
from collections.abc import Callable

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=\S)|\n{2,}")
_WORD = re.compile(r"\S+\s*")


def _pieces(text: str) -> list[str]:
    return [p.strip() for p in _SENTENCE_END.split(text) if p.strip()]


def _same(text: str) -> str:
    return text


def split_thread(
    text: str,
    limit: int,
    count: Callable[[str], int] = len,
    *,
    max_parts: int = 25,
    first: Callable[[str], str] = _same,
) -> list[str]:
    """Parts that each fit ``limit`` as ``count`` measures, numbered " 1/3" when more than one.

    Sentences stay whole where they fit; a sentence longer than a part is cut between words.
    ``first`` turns the first part into the text that is sent (a platform that gets the post's
    link at the end of the first part): the first part must fit with it.
    """
    text = text.strip()
    if count(first(text)) <= limit:
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
    if chunks and count(first(chunks[0])) > budget:
        # The first sentence fits a part but not with what the platform appends to it.
        head, rest = "", ""
        for word in _WORD.findall(chunks[0]):
            if not rest and (not head or count(first(head + word.rstrip())) <= budget):
                head += word
            else:
                rest += word
        chunks[:1] = [c for c in (head.rstrip(), rest.rstrip()) if c]
    parts: list[str] = []
    current = ""
    for chunk in chunks:
        joined = f"{current} {chunk}" if current else chunk
        sent = first(joined) if not parts else joined
        if current and count(sent) > budget:
            parts.append(current)
            current = chunk
        else:
            current = joined
    if current:
        parts.append(current)
    parts = parts[:max_parts]
    total = len(parts)
    return [f"{part} {i}/{total}" for i, part in enumerate(parts, start=1)]
