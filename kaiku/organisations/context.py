from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from kaiku.organisations.access import SESSION_KEY, request_memberships


def current_organisation(request: HttpRequest) -> dict[str, Any]:
    """The organisation the user works in now, and the others they can switch to."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    mine = request_memberships(request)
    current = getattr(request, "membership", None)
    if current is None:
        wanted = request.session.get(SESSION_KEY)
        current = next(
            (m for m in mine if m.organisation.slug == wanted), mine[0] if mine else None
        )
    return {
        "memberships": mine,
        "membership": current,
        "org": current.organisation if current else None,
    }
