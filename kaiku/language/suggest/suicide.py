"""One-click changes for the suicide-reporting findings: the help line is added at the end of
the text (not pasted over the word "itsemurha"), and a success or failure framing becomes the
word that says what happened (a "failed suicide" was an attempt; a "successful" one a death)."""

from __future__ import annotations

import re

from ..messages import message
from ..types import Finding, Replacement
from .fi import inflect_alternative

_FAILED = re.compile(r"epäonnist|misslyck|fail|unsuccessful", re.IGNORECASE)
# Swedish and English spans that are just an attribute and the noun ("ett misslyckat
# självmord", "a failed suicide attempt"); a span with a verb ("attempt failed") is advice.
_SV_NP = re.compile(r"^(?:misslyckat|lyckat|fullbordat)\s+självmord$", re.IGNORECASE)
_EN_NP = re.compile(
    r"^(?:failed|unsuccessful|successful|completed)\s+suicide(?:\s+attempt)?$", re.IGNORECASE
)


def with_replacements(f: Finding, text: str, lang: str, ui: str) -> Finding:
    if f.replacements or not f.suggestions:
        return f
    if f.code == "suicide.helpline":
        reps = [_append(text, s, ui) for s in f.suggestions]
    elif f.code == "suicide.success_framing":
        reps = _framing(f, lang)
    else:
        return f
    if not reps:
        return f
    # A framing keeps only the word that fits what happened: "itsemurha" is no advice for an
    # attempt that was survived.
    shown = [r.alternative for r in reps] if f.code == "suicide.success_framing" else f.suggestions
    return Finding(
        f.kind, f.code, f.start, f.end, f.text, f.severity, f.message, shown, f.source, reps
    )


def _append(text: str, sentence: str, ui: str) -> Replacement:
    end = len(text.rstrip())
    glue = "" if end == 0 else "\n\n"
    return Replacement(
        end, len(text), glue + sentence, sentence, message("suggest.append", ui, text=sentence)
    )


def _framing(f: Finding, lang: str) -> list[Replacement]:
    if len(f.suggestions) < 2:
        return []
    died, attempt = f.suggestions[0], f.suggestions[1]
    alt = attempt if _FAILED.search(f.text) else died
    if lang == "fi":
        new = inflect_alternative(f.text.split()[-1], alt)
    elif lang == "sv":
        new = alt if _SV_NP.match(f.text) else None
    else:
        new = alt if _EN_NP.match(f.text) else None
    if new is None:
        return []
    if f.text[:1].isupper():
        new = new[:1].upper() + new[1:]
    return [Replacement(f.start, f.end, new, alt, new)]
