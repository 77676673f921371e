"""The language check as the web and the API use it: the organisation's own terms applied."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from kaiku import language
from kaiku.channels import registry
from kaiku.checks.models import OrganisationTerm

# The checks that kaiku.language imports at the first check (its field-watch users need only
# lemmas and stigma): loaded with the app here, so a web or worker process's first check of a
# draft does not pay for them.
from kaiku.language import access, grammar, privacy, readability, suicide  # noqa: F401
from kaiku.organisations.models import Organisation


def channel_choices() -> list[tuple[str, str]]:
    """The channels the check page measures: the counting rule (``Limits.counter``) of every
    platform in the channel registry, named as the platform is, in the language library's
    order. The own feed has no limit worth checking."""
    names: dict[str, str] = {}
    for platform in registry.available_platforms():
        cls = registry.connector_class(platform)
        names.setdefault(cls.default_limits.counter, str(cls.label))
    return [(c, names[c]) for c in language.channels() if c in names]


def _terms(org: Organisation | None, lang: str) -> dict[str, Any]:
    if org is None:
        return {}
    extra: list[dict[str, Any]] = []
    allowed: list[str] = []
    for term in OrganisationTerm.objects.filter(organisation=org, language=lang):
        if term.kind == OrganisationTerm.Kind.ALLOW:
            allowed.append(term.word)
        else:
            extra.append(
                {
                    "base": term.word,
                    "alternatives": [a.strip() for a in term.alternatives.split(",") if a.strip()],
                    "rationale": term.note,
                }
            )
    return {"extra_terms": extra, "allowed_terms": allowed}


def run_check(
    text: str,
    *,
    lang: str | None = None,
    channels: Sequence[str] = (),
    org: Organisation | None = None,
    media: Sequence[Any] = (),
    sent_texts: Mapping[str, str] | None = None,
    channel_limits: Mapping[str, int] | None = None,
    url_weights: Mapping[str, int] | None = None,
    changes: Sequence[tuple[int, int, str, str]] = (),
) -> list[Any]:
    """The language check. ``sent_texts`` (per channel, the text as the platform receives
    it, link included), ``channel_limits`` and ``url_weights`` (an account's own limits) make
    the length check measure what is sent rather than the draft alone."""
    known = {c for c, _ in channel_choices()} | {"feed"}
    wanted = [c for c in channels if c in known and c != "feed"]
    ui_lang = (translation.get_language() or "fi")[:2]
    lang = lang or language.detect_language(text)
    return list(
        language.check(
            text,
            lang,
            channels=wanted,
            media=media,
            ui_lang=ui_lang,
            sent_texts=sent_texts,
            channel_limits=channel_limits,
            url_weights=url_weights,
            changes=changes,
            **_terms(org, lang),
        )
    )


def parse_changes(raw: str, text: str) -> list[tuple[int, int, str, str]]:
    """The replacements the page just applied (a JSON list of [start, end, original, new],
    offsets in code points of the new text). Malformed input or a change typed over since is
    dropped: it only decides which sentences get a grammar check."""
    try:
        items = json.loads(raw) if raw else []
    except ValueError:
        return []
    out: list[tuple[int, int, str, str]] = []
    for item in items if isinstance(items, list) else []:
        if not (isinstance(item, list) and len(item) == 4):
            continue
        start, end, original, new = item
        if not (isinstance(start, int) and isinstance(end, int)):
            continue
        if (
            isinstance(original, str)
            and isinstance(new, str)
            and 0 <= start <= end <= len(text)
            and text[start:end] == new
        ):
            out.append((start, end, original[:200], new))
    return out[:10]


def grammar_note(text: str, lang: str | None, changes: Sequence[Any]) -> str:
    """What the page says about the grammar of a sentence a replacement changed."""
    if not changes:
        return ""
    lang = lang or language.detect_language(text)
    if lang == "fi" and language.voikko_available():
        return str(_("The changed sentence was checked for grammar (Voikko)."))
    return str(
        _("Kaiku cannot check the grammar of this language: read the changed sentence through.")
    )


@dataclass(frozen=True)
class Segment:
    text: str
    finding: Any | None = None
    number: int = 0


def segments(text: str, findings: Sequence[Any]) -> list[Segment]:
    """The text cut into plain and marked pieces (``findings`` sorted by ``ordered``).

    Where findings overlap, the first one marks the span; the list still shows them all."""
    out: list[Segment] = []
    position = 0
    for number, finding in enumerate(findings, start=1):
        if finding.start < position or finding.end <= finding.start:
            continue
        if finding.start > position:
            out.append(Segment(text[position : finding.start]))
        out.append(Segment(text[finding.start : finding.end], finding, number))
        position = finding.end
    if position < len(text):
        out.append(Segment(text[position:]))
    return out


def ordered(findings: Sequence[Any]) -> list[Any]:
    severity = {"block": 0, "warn": 1, "info": 2}
    return sorted(findings, key=lambda f: (f.start, -f.end, severity.get(f.severity, 3)))
