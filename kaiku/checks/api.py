from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import StrictInt, StrictStr

from kaiku.checks import services
from kaiku.organisations.api import api_membership
from kaiku.organisations.roles import Perm

router = Router(tags=["language check"])


class CheckIn(Schema):
    text: str
    lang: str | None = None
    channels: list[str] = []
    organisation: str | None = None  # apply this organisation's own added and allowed words
    # Replacements just applied, [start, end, original, new] with offsets in ``text``: the
    # sentences they changed get a grammar check. Strict: the document says integers and
    # strings, so ``false`` or ``"3"`` is refused (422), not read as 0 or 3.
    changes: list[tuple[StrictInt, StrictInt, StrictStr, StrictStr]] = []


class ReplacementOut(Schema):
    start: int
    end: int
    text: str
    alternative: str
    label: str


class FindingOut(Schema):
    kind: str
    code: str
    start: int
    end: int
    text: str
    severity: str
    message: str
    suggestions: list[str]
    source: str
    replacements: list[ReplacementOut] = []


class CheckOut(Schema):
    findings: list[FindingOut]
    blocking: bool


@router.post("/check", response=CheckOut)
def check(request: HttpRequest, body: CheckIn) -> CheckOut:
    org = None
    if body.organisation:
        org = api_membership(request, body.organisation, Perm.CHECK_TEXT).organisation
    lang = body.lang if body.lang in ("fi", "sv", "en") else None
    text = body.text[:100_000]
    changes = [
        c for c in body.changes[:10] if 0 <= c[0] <= c[1] <= len(text) and text[c[0] : c[1]] == c[3]
    ]
    findings = services.run_check(text, lang=lang, channels=body.channels, org=org, changes=changes)
    return CheckOut(
        findings=[FindingOut(**f.to_dict()) for f in findings],
        blocking=any(f.severity == "block" for f in findings),
    )
