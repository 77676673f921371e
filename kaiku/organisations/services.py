from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kaiku.accounts.models import User
from kaiku.organisations import audit
from kaiku.organisations.models import Invitation, Membership, Organisation
from kaiku.organisations.roles import Perm, Role, allows


class LastAdminError(Exception):
    """An organisation must keep at least one admin."""


class InvitationClosed(Exception):
    """The invitation was used (perhaps a moment ago, by a parallel request) or has expired."""


def reviewers(org: Organisation) -> list[Membership]:
    """The members who may review (approve) posts."""
    roles = [role for role in Role if allows(role, Perm.REVIEW_POSTS)]
    return list(org.memberships.filter(role__in=roles).select_related("user"))


def invite_url(invitation: Invitation) -> str:
    return settings.PUBLIC_URL + reverse("organisations:accept", args=[invitation.token])


def send_invitation(invitation: Invitation, request: HttpRequest) -> None:
    body = render_to_string(
        "organisations/invite_email.txt",
        {"invitation": invitation, "url": invite_url(invitation), "inviter": request.user},
    )
    subject = _("Invitation to %(org)s in Kaiku") % {"org": invitation.organisation.name}
    send_mail(subject, body, None, [invitation.email])
    audit.record(
        "member.invited",
        request=request,
        organisation=invitation.organisation,
        target=invitation.email,
        role=invitation.role,
    )


def _admins_left(org: Organisation, excluding: Membership) -> int:
    # Two admins demoting each other at the same moment would each see the other one left.
    # Locking the organisation's row makes every member change of one organisation wait for
    # the one before it (PostgreSQL); SQLite's IMMEDIATE transactions already serialise writers.
    Organisation.objects.select_for_update().filter(pk=org.pk).first()
    return org.memberships.filter(role=Role.ADMIN).exclude(pk=excluding.pk).count()


@transaction.atomic
def change_role(membership: Membership, role: str, request: HttpRequest) -> None:
    demoting = membership.role == Role.ADMIN and role != Role.ADMIN
    if demoting and _admins_left(membership.organisation, membership) == 0:
        raise LastAdminError
    old = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    audit.record(
        "member.role_changed",
        request=request,
        organisation=membership.organisation,
        target=membership.user.username,
        old=old,
        new=role,
    )


@transaction.atomic
def remove_member(membership: Membership, request: HttpRequest) -> None:
    if membership.role == Role.ADMIN and _admins_left(membership.organisation, membership) == 0:
        raise LastAdminError
    membership.delete()
    # The calendar's secret address went with the person who left: it gets a new one, and the
    # old one stops answering. The members who stay see the new one on the calendar page.
    from kaiku.calendar.models import CalendarFeed, new_feed_token

    rotated = CalendarFeed.objects.filter(organisation=membership.organisation).update(
        token=new_feed_token()
    )
    audit.record(
        "member.removed",
        request=request,
        organisation=membership.organisation,
        target=membership.user.username,
        calendar_address_renewed=bool(rotated),
    )


def claim(invitation: Invitation) -> None:
    """Mark the invitation used, or raise InvitationClosed: exactly one caller wins.

    The row is locked (PostgreSQL) and the update is conditional on ``accepted_at IS NULL``, so
    of several sign-ups racing with one link only the first one's UPDATE touches a row."""
    now = timezone.now()
    Invitation.objects.select_for_update().filter(pk=invitation.pk).first()
    claimed = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, expires_at__gt=now
    ).update(accepted_at=now)
    if claimed != 1:
        raise InvitationClosed
    invitation.accepted_at = now


@transaction.atomic
def accept(invitation: Invitation, user: User, request: HttpRequest) -> Membership:
    """Join with the invitation's role; InvitationClosed (and nothing changed) if it was used."""
    claim(invitation)
    membership, created = Membership.objects.get_or_create(
        organisation=invitation.organisation, user=user, defaults={"role": invitation.role}
    )
    if created:
        audit.record(
            "member.joined",
            request=request,
            actor=user,
            organisation=invitation.organisation,
            target=user.username,
            role=invitation.role,
        )
    return membership
