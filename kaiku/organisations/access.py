"""Access helpers: the one place that decides who sees which organisation."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from kaiku.organisations.models import Membership, Organisation
from kaiku.organisations.roles import Perm

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    from kaiku.accounts.models import User

SESSION_KEY = "kaiku_organisation"
F = TypeVar("F", bound=Callable[..., HttpResponse])


class KaikuRequest(HttpRequest):
    """The request a view behind ``require`` receives, for typing only: Django builds a plain
    ``HttpRequest``; ``login_required`` makes ``user`` a signed-in person, ``require`` sets
    ``membership`` and ``organisation``, django-htmx's middleware sets ``htmx``."""

    user: User
    membership: Membership
    organisation: Organisation
    htmx: HtmxDetails


def memberships(user: Any) -> list[Membership]:
    if not user.is_authenticated:
        return []
    return list(Membership.objects.filter(user=user).select_related("organisation"))


def membership_for(request: HttpRequest, slug: str) -> Membership:
    """The user's membership in the organisation, or 404 for one they do not belong to."""
    try:
        return Membership.objects.select_related("organisation").get(
            user_id=request.user.pk or 0, organisation__slug=slug
        )
    except Membership.DoesNotExist:
        raise Http404 from None


def require(perm: Perm) -> Callable[[F], F]:
    """View decorator for ``view(request, org, ...)``: 404 for outsiders, 403 for the role."""

    def decorate(view: F) -> F:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, org: str, *args: Any, **kwargs: Any) -> HttpResponse:
            membership = membership_for(request, org)
            if not membership.can(perm):
                raise PermissionDenied
            typed = cast(KaikuRequest, request)
            typed.membership = membership
            typed.organisation = membership.organisation
            if request.session.get(SESSION_KEY) != membership.organisation.slug:
                # Written only when it changes: a live check on every keystroke must not
                # write the session row each time (two such requests raced for it).
                request.session[SESSION_KEY] = membership.organisation.slug
            return view(request, membership.organisation, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def organisation_or_404(slug: str) -> Organisation:
    return get_object_or_404(Organisation, slug=slug)
