"""The one way to write the audit log. Secret-looking keys are dropped before they are stored."""

from __future__ import annotations

import json
from typing import Any

from django.db import connection
from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

from kaiku import rows
from kaiku.organisations.models import AuditEvent, Organisation

# Every action code that ``record`` and ``record_many`` are called with, and what a person
# reads for it in the audit log. The code stays the record (searchable, the same in every
# language); the label is only how it is shown. tests/foundation/test_audit_labels.py finds
# every code used in kaiku/ and fails on one missing here.
ACTIONS: dict[str, Promise] = {
    "account.updated": pgettext_lazy("audit action", "Account settings changed"),
    "api_token.created": pgettext_lazy("audit action", "API key created"),
    "api_token.revoked": pgettext_lazy("audit action", "API key revoked"),
    "calendar.feed_rotated": pgettext_lazy("audit action", "Calendar feed address renewed"),
    "calendar.slot_added": pgettext_lazy("audit action", "Posting time added"),
    "calendar.slot_removed": pgettext_lazy("audit action", "Posting time removed"),
    "channel.connected": pgettext_lazy("audit action", "Channel connected"),
    "channel.reconnected": pgettext_lazy("audit action", "Channel reconnected"),
    "channel.disconnected": pgettext_lazy("audit action", "Channel disconnected"),
    "channel.needs_reconnect": pgettext_lazy("audit action", "Channel needs reconnecting"),
    "check.term_added": pgettext_lazy("audit action", "Word added to the language check"),
    "check.term_removed": pgettext_lazy("audit action", "Word removed from the language check"),
    "login": pgettext_lazy("audit action", "Signed in"),
    "logout": pgettext_lazy("audit action", "Signed out"),
    "login.failed": pgettext_lazy("audit action", "Sign-in failed"),
    "login.failed_code": pgettext_lazy("audit action", "Wrong sign-in code"),
    "login.link_sent": pgettext_lazy("audit action", "Sign-in link sent"),
    "login.link_used": pgettext_lazy("audit action", "Signed in with a link"),
    "login.throttled": pgettext_lazy("audit action", "Sign-in slowed down after failed attempts"),
    "member.invited": pgettext_lazy("audit action", "Member invited"),
    "member.invite_cancelled": pgettext_lazy("audit action", "Invitation cancelled"),
    "member.joined": pgettext_lazy("audit action", "Member joined"),
    "member.removed": pgettext_lazy("audit action", "Member removed"),
    "member.role_changed": pgettext_lazy("audit action", "Member's role changed"),
    "organisation.settings_changed": pgettext_lazy("audit action", "Organisation settings changed"),
    "password.changed": pgettext_lazy("audit action", "Password changed"),
    "post.approved": pgettext_lazy("audit action", "Post approved"),
    "post.deleted": pgettext_lazy("audit action", "Post deleted"),
    "post.delivery_failed": pgettext_lazy("audit action", "Post did not go out to a channel"),
    "post.edited_after_scheduling": pgettext_lazy(
        "audit action", "Post edited after it was scheduled"
    ),
    "post.first_confirmation": pgettext_lazy("audit action", "First post to a channel confirmed"),
    "post.held_by_gate": pgettext_lazy("audit action", "Post held by the safety check"),
    "post.published": pgettext_lazy("audit action", "Post published"),
    "post.removed_from_channel": pgettext_lazy("audit action", "Post removed from a channel"),
    "post.repeat_held": pgettext_lazy("audit action", "Repeating post held"),
    "post.rescheduled": pgettext_lazy("audit action", "Post rescheduled"),
    "post.scheduled": pgettext_lazy("audit action", "Post scheduled"),
    "post.sent_back": pgettext_lazy("audit action", "Post sent back to the writer"),
    "post.submitted_for_review": pgettext_lazy("audit action", "Post sent for review"),
    "two_factor.enabled": pgettext_lazy("audit action", "Two-factor sign-in turned on"),
    "two_factor.disabled": pgettext_lazy("audit action", "Two-factor sign-in turned off"),
    "two_factor.replaced": pgettext_lazy("audit action", "Two-factor sign-in app replaced"),
}


# The detail keys (and the few values that are codes) in words; other values are shown as
# recorded (addresses, times, names, a reviewer's own words).
DETAIL_KEYS: dict[str, Promise] = {
    "post": pgettext_lazy("audit detail", "Post"),
    "reason": pgettext_lazy("audit detail", "Reason"),
    "kind": pgettext_lazy("audit detail", "Kind"),
    "second_confirmation": pgettext_lazy("audit detail", "Second confirmation"),
    "note": pgettext_lazy("audit detail", "Note"),
    "when": pgettext_lazy("audit detail", "Time"),
    "take_down": pgettext_lazy("audit detail", "Taken down from the platform"),
    "platform": pgettext_lazy("audit detail", "Platform"),
    "held": pgettext_lazy("audit detail", "Held"),
    "code": pgettext_lazy("audit detail", "Error"),
    "role": pgettext_lazy("audit detail", "Role"),
    "old": pgettext_lazy("audit detail", "Old role"),
    "new": pgettext_lazy("audit detail", "New role"),
    "calendar_address_renewed": pgettext_lazy("audit detail", "Calendar address renewed"),
    "fields": pgettext_lazy("audit detail", "Changed fields"),
    "username": pgettext_lazy("audit detail", "User name"),
    "wait": pgettext_lazy("audit detail", "Wait (seconds)"),
    "account": pgettext_lazy("audit detail", "Channel account"),
    "weekday": pgettext_lazy("audit detail", "Weekday"),
    "time": pgettext_lazy("audit detail", "Time of day"),
}
_DETAIL_VALUES: dict[str, Promise] = {
    "hetu": pgettext_lazy("audit detail", "a henkilötunnus in the text"),
    "gate_hetu": pgettext_lazy("audit detail", "a henkilötunnus in the text"),
    "privacy_block": pgettext_lazy("audit detail", "possible client details in the text"),
    "organisation_rule": pgettext_lazy("audit detail", "the organisation's approval rule"),
    "gate_not_checked": pgettext_lazy("audit detail", "the text was not checked as sent"),
    "admin": pgettext_lazy("audit detail", "admin"),
    "editor": pgettext_lazy("audit detail", "editor"),
    "reviewer": pgettext_lazy("audit detail", "reviewer"),
    "viewer": pgettext_lazy("audit detail", "viewer"),
    "True": pgettext_lazy("audit detail", "yes"),
    "False": pgettext_lazy("audit detail", "no"),
}


def detail_items(detail: dict[str, Any]) -> list[tuple[str, str]]:
    """The recorded details as (label, value) pairs in the reader's language."""
    out = []
    for key, value in detail.items():
        shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        label = _DETAIL_VALUES.get(shown)
        out.append((str(DETAIL_KEYS.get(key, key)), str(label) if label is not None else shown))
    return out


def action_label(action: str) -> str:
    """The action in the reader's language; an unknown (older) code is shown as it is."""
    label = ACTIONS.get(action)
    return str(label) if label is not None else action


_SECRET_WORDS = ("password", "secret", "token", "key", "otp", "code", "cookie", "authorization")


def _scrub(detail: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for name, value in detail.items():
        if any(word in name.lower() for word in _SECRET_WORDS):
            continue
        clean[name] = _scrub(value) if isinstance(value, dict) else value
    return clean


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record(
    action: str,
    *,
    request: HttpRequest | None = None,
    actor: Any = None,
    organisation: Organisation | None = None,
    target: str = "",
    **detail: Any,
) -> AuditEvent:
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    return AuditEvent.objects.create(
        organisation=organisation,
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        actor_name=str(getattr(actor, "username", "") or detail.pop("username", "") or ""),
        action=action,
        target=target[:255],
        detail=_scrub(detail),
        ip_address=client_ip(request),
    )


def record_many(action: str, entries: list[tuple[int | None, str, dict[str, Any]]]) -> None:
    """Record one event per (organisation id, target, detail), by the system, in one INSERT."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    rows.insert(
        AuditEvent,
        ("organisation_id", "actor_name", "action", "target", "detail", "created_at"),
        [
            (organisation_id, "", action, target[:255], json.dumps(_scrub(detail)), now)
            for organisation_id, target, detail in entries
        ],
        json_columns=frozenset({"detail"}),
    )
