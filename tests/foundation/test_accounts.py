from __future__ import annotations

from typing import Any

import pyotp
import pytest
from django.core import mail

from kaiku import crypto
from kaiku.organisations.models import AuditEvent
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_login_with_the_right_password_opens_the_dashboard(client: Any, members: Any) -> None:
    response = client.post("/accounts/login/", {"username": "editor", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/", follow=True).request["PATH_INFO"] == "/o/toivon-polku/"
    assert AuditEvent.objects.filter(action="login", actor=members["editor"]).exists()


def test_a_wrong_password_is_refused_and_recorded_without_the_password(
    client: Any, members: Any
) -> None:
    response = client.post("/accounts/login/", {"username": "editor", "password": "väärä-salasana"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(action="login.failed")
    assert event.actor_name == "editor"
    assert "väärä" not in str(event.detail)


def test_repeated_failures_make_even_the_right_password_wait(
    client: Any, members: Any, settings: Any
) -> None:
    settings.KAIKU_LOGIN_MAX_FAILURES = 3
    for _ in range(3):
        client.post("/accounts/login/", {"username": "editor", "password": "wrong-one-here"})
    response = client.post("/accounts/login/", {"username": "editor", "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert "Yritä uudelleen 30 sekunnin kuluttua" in response.content.decode()


def test_two_factor_login_needs_the_code_after_the_password(client: Any, members: Any) -> None:
    user = members["editor"]
    secret = pyotp.random_base32()
    user.totp_secret = secret
    from django.utils import timezone

    user.totp_confirmed_at = timezone.now()
    user.save()
    response = client.post("/accounts/login/", {"username": "editor", "password": PASSWORD})
    assert response["Location"].startswith("/accounts/login/code/")
    assert "_auth_user_id" not in client.session
    client.post("/accounts/login/code/", {"code": "000000"})
    assert "_auth_user_id" not in client.session
    client.post("/accounts/login/code/", {"code": pyotp.TOTP(secret).now()})
    assert client.session["_auth_user_id"] == str(user.pk)


def test_setting_up_two_factor_stores_the_secret_encrypted(client_for: Any, members: Any) -> None:
    from django.db import connection

    client = client_for("editor")
    client.get("/accounts/two-factor/")
    sealed = client.session["kaiku_totp_secret"]
    secret = crypto.decrypt(sealed, "session.totp_secret")
    assert secret not in sealed  # the session holds it encrypted, as the database does
    client.post("/accounts/two-factor/", {"code": pyotp.TOTP(secret).now()})
    user = members["editor"]
    user.refresh_from_db()
    assert user.has_two_factor
    with connection.cursor() as cursor:
        cursor.execute("SELECT totp_secret FROM accounts_user WHERE id = %s", [user.pk])
        stored = cursor.fetchone()[0]
    assert secret not in stored
    assert stored.startswith("kaiku:v2:")


def test_an_organisation_can_require_two_factor_for_its_admins(
    client_for: Any, members: Any, org: Any
) -> None:
    org.require_two_factor_for_admins = True
    org.save()
    admin = client_for("admin")
    response = admin.get("/o/toivon-polku/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/two-factor/")
    assert client_for("editor").get("/o/toivon-polku/").status_code == 200


def test_password_reset_sends_a_link_that_sets_a_new_password(client: Any, members: Any) -> None:
    client.post("/accounts/password/reset/", {"email": "viewer@example.test"})
    assert len(mail.outbox) == 1
    link = next(line for line in mail.outbox[0].body.splitlines() if "/password/reset/" in line)
    path = link.split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path, follow=True)
    new = "Uusi-salasana-2026!"
    client.post(response.request["PATH_INFO"], {"new_password1": new, "new_password2": new})
    members["viewer"].refresh_from_db()
    assert members["viewer"].check_password(new)


def test_a_user_chooses_english_and_the_pages_follow(client_for: Any) -> None:
    client = client_for("editor")
    assert "Jäsenet" in client.get("/o/toivon-polku/members/").content.decode()
    client.post("/language/", {"language": "en", "next": "/o/toivon-polku/members/"})
    assert "Members" in client.get("/o/toivon-polku/members/").content.decode()
    client.post("/language/", {"language": "sv", "next": "/"})
    assert "Medlemmar" in client.get("/o/toivon-polku/members/").content.decode()


def test_api_tokens_are_stored_hashed_and_can_be_revoked(client_for: Any, members: Any) -> None:
    from kaiku.accounts.models import ApiToken

    client = client_for("editor")
    page = client.post("/accounts/tokens/", {"name": "raportti"}).content.decode()
    token = ApiToken.objects.get(user=members["editor"])
    raw = page.split('id="new-token">', 1)[1].split("<", 1)[0]
    assert raw.startswith("kaiku_")
    assert raw not in token.token_hash
    api = client.get("/api/v1/organisations", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.status_code == 200
    client.post(f"/accounts/tokens/{token.pk}/revoke/")
    assert (
        client.get("/api/v1/organisations", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    )


def test_a_person_chooses_a_real_time_zone(client_for: Any, members: Any) -> None:
    client = client_for("editor")
    response = client.post(
        "/accounts/me/",
        {
            "first_name": "",
            "last_name": "",
            "email": "e@example.test",
            "language": "fi",
            "time_zone": "Mars/Olympus",
        },
    )
    assert response.status_code == 200  # refused, form shown again
    client.post(
        "/accounts/me/",
        {
            "first_name": "",
            "last_name": "",
            "email": "e@example.test",
            "language": "fi",
            "time_zone": "America/New_York",
        },
    )
    members["editor"].refresh_from_db()
    assert members["editor"].time_zone == "America/New_York"


def test_the_audit_log_shows_times_in_the_admins_time_zone(
    client_for: Any, members: Any, org: Any
) -> None:
    from datetime import UTC, datetime

    admin = members["admin"]
    admin.time_zone = "America/New_York"
    admin.language = "en"
    admin.save()
    AuditEvent.objects.create(
        organisation=org, action="x.test", created_at=datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    )
    page = client_for("admin").get("/o/toivon-polku/audit/").content.decode()
    assert "07/01/2026 8 a.m." in page  # 12:00 UTC is 8 a.m. in New York in July


def test_an_english_browser_still_gets_finnish_until_english_is_chosen(client: Any) -> None:
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="fi">' in page.content.decode()
    client.post("/language/", {"language": "en", "next": "/accounts/login/"})
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="fi")
    assert '<html lang="en">' in page.content.decode()
