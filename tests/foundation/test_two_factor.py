"""Two-factor sign-in: a code works once, changing the second factor needs it, API tokens obey."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest
from django.test import Client
from django.utils import timezone

from kaiku.accounts.models import ApiToken
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _with_totp(user: Any) -> pyotp.TOTP:
    secret = pyotp.random_base32()
    user.totp_secret = secret
    user.totp_confirmed_at = timezone.now()
    user.save()
    return pyotp.TOTP(secret)


def _password_step(client: Client, username: str) -> None:
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response["Location"].startswith("/accounts/login/code/")


def test_a_sign_in_code_is_accepted_only_once(members: Any) -> None:
    totp = _with_totp(members["editor"])
    code = totp.now()
    first = Client()
    _password_step(first, "editor")
    first.post("/accounts/login/code/", {"code": code})
    assert first.session["_auth_user_id"] == str(members["editor"].pk)

    replay = Client()  # someone who saw the code over a shoulder, within its 30 seconds
    _password_step(replay, "editor")
    response = replay.post("/accounts/login/code/", {"code": code})
    assert "_auth_user_id" not in replay.session
    assert response.status_code == 200
    assert "koodi on väärä tai vanhentunut" in response.content.decode().lower()


def test_an_older_code_is_refused_after_a_newer_one_was_used(members: Any) -> None:
    totp = _with_totp(members["editor"])
    now = timezone.now().timestamp()
    newer, older = totp.at(now), totp.at(now - 30)
    client = Client()
    _password_step(client, "editor")
    client.post("/accounts/login/code/", {"code": newer})
    assert "_auth_user_id" in client.session
    other = Client()
    _password_step(other, "editor")
    other.post("/accounts/login/code/", {"code": older})
    assert "_auth_user_id" not in other.session


def test_turning_two_factor_off_needs_a_fresh_current_code(client_for: Any, members: Any) -> None:
    user = members["editor"]
    totp = _with_totp(user)
    client = client_for("editor")
    client.post("/accounts/two-factor/off/", {"code": "123456"})
    user.refresh_from_db()
    assert user.has_two_factor
    code = totp.now()
    user.totp_last_step = totp.timecode(timezone.now())  # this code was used to sign in
    user.save()
    client.post("/accounts/two-factor/off/", {"code": code})
    user.refresh_from_db()
    assert user.has_two_factor  # a used code does not turn it off
    user.totp_last_step = None
    user.save()
    client.post("/accounts/two-factor/off/", {"code": code})
    user.refresh_from_db()
    assert not user.has_two_factor


def test_replacing_the_authenticator_needs_the_current_code(client_for: Any, members: Any) -> None:
    from kaiku import crypto

    user = members["editor"]
    old = _with_totp(user)
    old_secret = user.totp_secret
    client = client_for("editor")
    page = client.get("/accounts/two-factor/").content.decode()
    assert 'name="current_code"' in page
    new = pyotp.TOTP(crypto.decrypt(client.session["kaiku_totp_secret"], "session.totp_secret"))

    # A thief with the session (a browser left open) but not the phone cannot move it.
    response = client.post("/accounts/two-factor/", {"code": new.now()})
    user.refresh_from_db()
    assert user.totp_secret == old_secret
    assert response.status_code == 200
    client.post("/accounts/two-factor/", {"code": new.now(), "current_code": "000000"})
    user.refresh_from_db()
    assert user.totp_secret == old_secret

    client.post("/accounts/two-factor/", {"code": new.now(), "current_code": old.now()})
    user.refresh_from_db()
    assert user.totp_secret == new.secret
    assert user.has_two_factor


def _api(raw: str) -> Any:
    return Client().get("/api/v1/organisations", HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_an_admin_token_made_without_two_factor_is_refused_when_the_org_requires_it(
    members: Any, org: Any
) -> None:
    admin = members["admin"]
    _, without = ApiToken.issue(admin, "skripti")
    assert _api(without).status_code == 200
    org.require_two_factor_for_admins = True
    org.save()
    refused = _api(without)
    assert refused.status_code == 403
    assert "two-factor" in refused.json()["detail"]

    _with_totp(admin)
    assert _api(without).status_code == 403  # turning it on later does not bless old tokens
    _, with_two_factor = ApiToken.issue(admin, "uusi")
    assert _api(with_two_factor).status_code == 200
    # An editor of the same organisation is not bound by the admins' rule.
    _, editors = ApiToken.issue(members["editor"], "toimittaja")
    assert _api(editors).status_code == 200


def test_the_account_page_marks_tokens_that_the_two_factor_rule_refuses(
    client_for: Any, members: Any, org: Any
) -> None:
    ApiToken.issue(members["admin"], "vanha-skripti")
    org.require_two_factor_for_admins = True
    org.save()
    admin = members["admin"]
    _with_totp(admin)
    client = Client()
    client.force_login(admin)
    page = client.get("/accounts/me/").content.decode()
    assert "vanha-skripti" in page
    assert "Hylätään: luotu ilman kaksivaiheista tunnistautumista" in page
