from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from kaiku.organisations.models import AuditEvent, Invitation, Membership

pytestmark = pytest.mark.django_db


def test_an_admin_invites_by_email_and_the_invitee_joins_with_a_new_account(
    client_for: Any, client: Any, org: Any
) -> None:
    admin = client_for("admin")
    admin.post(
        "/o/toivon-polku/members/invite/", {"email": "uusi@example.test", "role": "reviewer"}
    )
    assert len(mail.outbox) == 1
    invitation = Invitation.objects.get(email="uusi@example.test")
    assert invitation.token in mail.outbox[0].body
    response = client.post(
        f"/invite/{invitation.token}/",
        {"username": "uusi", "password": "Pitka-ja-hyva-salasana-9", "first_name": "Uusi"},
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user__username="uusi", organisation=org)
    assert membership.role == "reviewer"
    assert client.get(f"/invite/{invitation.token}/").status_code == 410
    assert AuditEvent.objects.filter(action="member.invited").exists()
    assert AuditEvent.objects.filter(action="member.joined").exists()


def test_the_last_admin_cannot_be_demoted_or_removed(client_for: Any, members: Any) -> None:
    admin = client_for("admin")
    own = Membership.objects.get(user=members["admin"])
    admin.post(f"/o/toivon-polku/members/{own.pk}/role/", {"role": "viewer"})
    admin.post(f"/o/toivon-polku/members/{own.pk}/remove/")
    own.refresh_from_db()
    assert own.role == "admin"


def test_role_changes_are_in_the_audit_log_with_old_and_new_role(
    client_for: Any, members: Any
) -> None:
    target = Membership.objects.get(user=members["viewer"])
    client_for("admin").post(f"/o/toivon-polku/members/{target.pk}/role/", {"role": "editor"})
    event = AuditEvent.objects.get(action="member.role_changed")
    assert event.detail == {"old": "viewer", "new": "editor"}
    page = client_for("admin").get("/o/toivon-polku/audit/").content.decode()
    assert "member.role_changed" in page


def test_settings_changes_are_audited(client_for: Any, org: Any) -> None:
    client_for("admin").post(
        "/o/toivon-polku/settings/",
        {"name": "Toivon Polku ry", "require_two_factor_for_admins": "on"},
    )
    org.refresh_from_db()
    assert org.require_two_factor_for_admins
    event = AuditEvent.objects.get(action="organisation.settings_changed")
    assert event.detail == {"fields": ["require_two_factor_for_admins"]}


def test_the_audit_log_never_holds_secret_looking_details(db: Any) -> None:
    from kaiku.organisations import audit

    event = audit.record("x", password="p", access_token="t", api_key="k", role="editor")
    assert event.detail == {"role": "editor"}
