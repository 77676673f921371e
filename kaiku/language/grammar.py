"""After a replacement: does the changed sentence still hold together?

Two checks, Finnish only (they need Voikko): the replacement's head word must carry the case
and number of the word it replaced (``narkkareille`` -> ``huumeita käyttävä ihminen`` is caught
even though Voikko's grammar checker does not see it), and Voikko's own grammar checker runs on
the sentence around the change.
"""

from __future__ import annotations

from collections.abc import Sequence

from . import inflect, morph
from .messages import message
from .text import WORD_RE, sentence_spans
from .types import Finding

SOURCE = "Voikko"

Change = tuple[int, int, str, str]  # start, end (in the new text), original, replacement


def _case_name(case: str, number: str, ui: str) -> str:
    return message(f"grammar.case.{case}", ui) + ", " + message(f"grammar.number.{number}", ui)


def _head(words: list[str]) -> str | None:
    return words[-1] if words else None


def check_changes(text: str, changes: Sequence[Change], lang: str, ui: str) -> list[Finding]:
    """Findings for the sentences a replacement changed; [] when the change is no longer in
    the text (typed over since) or Voikko is missing."""
    if lang != "fi" or not morph.voikko_available():
        return []
    out: list[Finding] = []
    sentences = sentence_spans(text)
    done: set[tuple[int, int]] = set()
    for start, end, original, new in changes:
        if not (0 <= start <= end <= len(text)) or text[start:end] != new:
            continue
        out += _agreement(text, start, end, original, ui)
        sent = next(((a, b) for a, b in sentences if a <= start <= b), (start, end))
        if sent in done:
            continue
        done.add(sent)
        a, b = sent
        # Only what the change brought in: errors the sentence had before are not its fault.
        before = [d for _, _, d in morph.grammar_errors(text[a:start] + original + text[end:b], ui)]
        for s, length, description in morph.grammar_errors(text[a:b], ui):
            if description in before:
                before.remove(description)
                continue
            es, ee = a + s, a + s + length
            out.append(
                Finding(
                    "grammar",
                    "grammar.voikko",
                    es,
                    ee,
                    text[es:ee],
                    "warn",
                    message(
                        "grammar.voikko", ui, text=text[es:ee], description=description.rstrip(".")
                    ),
                    [],
                    SOURCE,
                )
            )
    return out


def _agreement(text: str, start: int, end: int, original: str, ui: str) -> list[Finding]:
    old_words = WORD_RE.findall(original)
    new_part = text[start:end].split(",")[0]
    new_words = WORD_RE.findall(new_part)
    old, new = _head(old_words), _head(new_words)
    if old is None or new is None:
        return []
    if any(a.get("MOOD") for w in old_words for a in morph.raw_analyze(w.lower())):
        return []  # a verb phrase ("teki itsemurhan"): its object's case is the verb's choice
    found = inflect.form_of(old)
    if found is None:
        return []
    _, form = found
    readings = morph.raw_analyze(new.lower())
    if not readings:
        return []
    if any(
        (a.get("SIJAMUOTO"), a.get("NUMBER")) == (form.case, form.number)
        or (a.get("SIJAMUOTO") is None and not a.get("CLASS", "").startswith(("nimi", "laatu")))
        for a in readings
    ):
        return []
    s = start + text[start:end].rfind(new)
    return [
        Finding(
            "grammar",
            "grammar.agreement",
            s,
            s + len(new),
            new,
            "warn",
            message(
                "grammar.agreement",
                ui,
                text=new,
                original=original,
                form=_case_name(form.case, form.number, ui),
            ),
            [],
            SOURCE,
        )
    ]
