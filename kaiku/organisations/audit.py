"""The one way to write the audit log. Secret-looking keys are dropped before they are stored."""

from __future__ import annotations

import json
from typing import Any

from django.db import connection
from django.http import HttpRequest
from django.utils import timezone

from kaiku import rows
from kaiku.organisations.models import AuditEvent, Organisation

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
