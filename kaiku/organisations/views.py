from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kaiku.accounts.models import User
from kaiku.organisations import audit, services
from kaiku.organisations.access import KaikuRequest, invitation_for, member_for, require
from kaiku.organisations.forms import InviteForm, JoinForm, RoleForm, SettingsForm
from kaiku.organisations.models import AuditEvent, Invitation, Organisation
from kaiku.organisations.roles import PERMISSIONS, Perm, Role


def _members_page(
    request: KaikuRequest, org: Organisation, invite_form: InviteForm
) -> HttpResponse:
    return render(
        request,
        "organisations/members.html",
        {
            "members": org.memberships.select_related("user").order_by("user__username"),
            "invitations": [i for i in org.invitations.filter(accepted_at=None) if i.is_open],
            "invite_form": invite_form,
            "roles": Role.choices,
            "permission_table": [(role, sorted(PERMISSIONS[role])) for role in Role],
            "all_perms": list(Perm),
            "can_manage": request.membership.can(Perm.MANAGE_MEMBERS),
        },
    )


@require(Perm.VIEW)
def members(request: KaikuRequest, org: Organisation) -> HttpResponse:
    return _members_page(request, org, InviteForm())


@require(Perm.MANAGE_MEMBERS)
@require_POST
def invite(request: KaikuRequest, org: Organisation) -> HttpResponse:
    form = InviteForm(request.POST)
    if form.is_valid():
        invitation = form.save(commit=False)
        invitation.organisation = org
        invitation.invited_by = request.user
        invitation.save()
        services.send_invitation(invitation, request)
        messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
        return redirect("organisations:members", org=org.slug)
    return _members_page(request, org, form)


@require(Perm.MANAGE_MEMBERS)
@require_POST
def invite_cancel(request: KaikuRequest, org: Organisation, inv_id: int) -> HttpResponse:
    invitation = invitation_for(request, inv_id)
    invitation.delete()
    audit.record(
        "member.invite_cancelled", request=request, organisation=org, target=invitation.email
    )
    return redirect("organisations:members", org=org.slug)


@require(Perm.MANAGE_MEMBERS)
@require_POST
def member_role(request: KaikuRequest, org: Organisation, member_id: int) -> HttpResponse:
    membership = member_for(request, member_id)
    form = RoleForm(request.POST)
    if form.is_valid():
        try:
            services.change_role(membership, form.cleaned_data["role"], request)
            messages.success(request, _("Role changed."))
        except services.LastAdminError:
            messages.error(request, _("The organisation must keep at least one admin."))
    return redirect("organisations:members", org=org.slug)


@require(Perm.MANAGE_MEMBERS)
@require_POST
def member_remove(request: KaikuRequest, org: Organisation, member_id: int) -> HttpResponse:
    membership = member_for(request, member_id)
    try:
        services.remove_member(membership, request)
        messages.success(request, _("Member removed."))
    except services.LastAdminError:
        messages.error(request, _("The organisation must keep at least one admin."))
    return redirect("organisations:members", org=org.slug)


@require(Perm.MANAGE_SETTINGS)
def org_settings(request: KaikuRequest, org: Organisation) -> HttpResponse:
    form = SettingsForm(request.POST or None, instance=org)
    if request.method == "POST" and form.is_valid():
        changed = sorted(form.changed_data)
        form.save()
        audit.record(
            "organisation.settings_changed", request=request, organisation=org, fields=changed
        )
        messages.success(request, _("Settings saved."))
        return redirect("organisations:settings", org=org.slug)
    found = services.reviewers(org)
    return render(
        request,
        "organisations/settings.html",
        {
            "form": form,
            "reviewer_count": len(found),
            "sole_reviewer": found[0].user if len(found) == 1 else None,
        },
    )


@require(Perm.VIEW_AUDIT)
def audit_log(request: KaikuRequest, org: Organisation) -> HttpResponse:
    # Sign-ins belong to no organisation; an admin sees those of the organisation's members.
    member_ids = org.memberships.values("user_id")
    events = AuditEvent.objects.filter(
        Q(organisation=org) | Q(organisation__isnull=True, actor_id__in=member_ids)
    ).select_related("actor")
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    rows = [
        (event, audit.action_label(event.action), audit.detail_items(event.detail))
        for event in page
    ]
    return render(request, "organisations/audit.html", {"page": page, "rows": rows})


def accept_invite(request: HttpRequest, token: str) -> HttpResponse:
    invitation = get_object_or_404(Invitation.objects.select_related("organisation"), token=token)
    if not invitation.is_open:
        return render(request, "organisations/invite_closed.html", status=410)
    if request.user.is_authenticated:
        assert isinstance(request.user, User)
        if request.method == "POST":
            try:
                services.accept(invitation, request.user, request)
            except services.InvitationClosed:
                return render(request, "organisations/invite_closed.html", status=410)
            return redirect("core:dashboard", org=invitation.organisation.slug)
        return render(request, "organisations/accept.html", {"invitation": invitation})
    form = JoinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    username=form.cleaned_data["username"],
                    email=invitation.email,
                    password=form.cleaned_data["password"],
                    first_name=form.cleaned_data["first_name"],
                    last_name=form.cleaned_data["last_name"],
                    language=request.LANGUAGE_CODE,
                )
                services.accept(invitation, user, request)
        except services.InvitationClosed:
            # Someone else used the link a moment ago: the new account is rolled back with it.
            return render(request, "organisations/invite_closed.html", status=410)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("core:dashboard", org=invitation.organisation.slug)
    return render(request, "organisations/join.html", {"invitation": invitation, "form": form})
