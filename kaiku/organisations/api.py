from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from kaiku.core.views import health_state
from kaiku.organisations.access import request_memberships
from kaiku.organisations.models import Membership
from kaiku.organisations.roles import Perm

router = Router(tags=["organisations"])


class OrganisationOut(Schema):
    slug: str
    name: str
    role: str
    require_two_factor_for_admins: bool


class MemberOut(Schema):
    username: str
    name: str
    email: str
    role: str
    joined_at: datetime


def api_membership(request: HttpRequest, slug: str, perm: Perm) -> Membership:
    """The caller's membership: 404 for outsiders, 403 for a role without the permission."""
    # The token check loaded the caller's memberships already (one query for both).
    membership = next(
        (m for m in request_memberships(request) if m.organisation.slug == slug), None
    )
    if membership is None:
        raise HttpError(404, "Not found")
    if not membership.can(perm):
        raise HttpError(403, "Your role does not allow this")
    return membership


def _org_out(m: Membership) -> OrganisationOut:
    o = m.organisation
    return OrganisationOut(
        slug=o.slug,
        name=o.name,
        role=m.role,
        require_two_factor_for_admins=o.require_two_factor_for_admins,
    )


@router.get("/organisations", response=list[OrganisationOut])
def list_organisations(request: HttpRequest) -> list[OrganisationOut]:
    return [_org_out(m) for m in request_memberships(request)]


@router.get("/organisations/{slug}", response=OrganisationOut)
def get_organisation(request: HttpRequest, slug: str) -> OrganisationOut:
    return _org_out(api_membership(request, slug, Perm.VIEW))


@router.get("/organisations/{slug}/members", response=list[MemberOut])
def list_members(request: HttpRequest, slug: str) -> list[MemberOut]:
    membership = api_membership(request, slug, Perm.VIEW)
    rows = membership.organisation.memberships.select_related("user").order_by("user__username")
    return [
        MemberOut(
            username=m.user.username,
            name=m.user.get_full_name(),
            email=m.user.email if membership.can(Perm.MANAGE_MEMBERS) else "",
            role=m.role,
            joined_at=m.created_at,
        )
        for m in rows
    ]


@router.get("/health", auth=None)
def api_health(request: HttpRequest) -> Any:
    return health_state()
