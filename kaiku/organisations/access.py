"""Access helpers: the one place that decides who sees which organisation."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from kaiku.organisations.models import Invitation, Membership, Organisation
from kaiku.organisations.roles import Perm

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    from kaiku.accounts.models import User

SESSION_KEY = "kaiku_organisation"
F = TypeVar("F", bound=Callable[..., HttpResponse])
M = TypeVar("M", bound=Model)


class KaikuRequest(HttpRequest):
    """The request a view behind ``require`` receives, for typing only: Django builds a plain
    ``HttpRequest``; ``login_required`` makes ``user`` a signed-in person, ``require`` sets
    ``membership`` and ``organisation``, django-htmx's middleware sets ``htmx``."""

    user: User
    membership: Membership
    organisation: Organisation
    htmx: HtmxDetails


_REQUEST_CACHE = "_kaiku_memberships"


def memberships(user: Any) -> list[Membership]:
    if not user.is_authenticated:
        return []
    return list(Membership.objects.filter(user=user).select_related("organisation"))


def request_memberships(request: HttpRequest) -> list[Membership]:
    """The signed-in user's memberships with their organisations, read once per request.

    The two-factor check, ``require`` and the organisation menu all need them: one query
    instead of three. The list lives only as long as the request, so a removed membership or
    a changed role counts from the next request on, as before. It is kept with the user's id:
    a view that signs someone in during the request gets that person's memberships."""
    user = request.user
    cached: tuple[object, list[Membership]] | None = getattr(request, _REQUEST_CACHE, None)
    if cached is None or cached[0] != user.pk:
        cached = (user.pk, memberships(user))
        setattr(request, _REQUEST_CACHE, cached)
    return cached[1]


def membership_for(request: HttpRequest, slug: str) -> Membership:
    """The user's membership in the organisation, or 404 for one they do not belong to."""
    for membership in request_memberships(request):
        if membership.organisation.slug == slug:
            return membership
    raise Http404


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


def owned(
    request: KaikuRequest,
    found_in: type[M] | QuerySet[M],
    *,
    via: str = "organisation",
    **lookup: Any,
) -> M:
    """The object of the request's organisation that ``lookup`` names, or 404. ``via`` is the
    path from the object to its organisation ("post__organisation" for a post's delivery).

    Another organisation's object answers exactly as one that does not exist: a 404 tells no
    one whether the id is in use elsewhere. Every view that loads an object by id goes through
    here or through a helper built on it (``kaiku.posts.access.post_for``...)."""
    return get_object_or_404(found_in, **{via: request.organisation}, **lookup)


def invitation_for(request: KaikuRequest, invitation_id: int) -> Invitation:
    """An open invitation of the request's organisation, or 404."""
    return owned(request, Invitation, pk=invitation_id, accepted_at=None)


def member_for(request: KaikuRequest, membership_id: int) -> Membership:
    """A membership of the request's organisation, or 404."""
    return owned(request, Membership, pk=membership_id)
