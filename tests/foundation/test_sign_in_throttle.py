"""Nobody can lock everyone out: failed sign-ins slow down (per account and per client), they
never lock, and a one-time link by e-mail lets the right person in at once."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pyotp
import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from kaiku.accounts.models import FailedLogin, SignInLink
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

WRONG = "vaara-salasana-1"


def _login(client: Client, username: str, password: str, ip: str = "198.51.100.7") -> Any:
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def _age_failures(seconds: float) -> None:
    """As if the failures had happened ``seconds`` earlier (the tests do not sleep)."""
    for row in FailedLogin.objects.all():
        row.created_at -= timedelta(seconds=seconds)
        row.save(update_fields=["created_at"])


def test_after_the_limit_each_failure_doubles_the_wait_instead_of_locking(
    members: Any, settings: Any
) -> None:
    settings.KAIKU_LOGIN_MAX_FAILURES = 3
    settings.KAIKU_LOGIN_BACKOFF_SECONDS = 30
    client = Client()
    for _ in range(3):
        _login(client, "editor", WRONG)
    assert "30 sekunnin" in _login(client, "editor", PASSWORD).content.decode()
    _age_failures(31)
    # Half a minute later the right password works: a wait, not a 15-minute lock.
    _login(client, "editor", PASSWORD)
    assert client.session["_auth_user_id"] == str(members["editor"].pk)

    guesser = Client()
    for _ in range(3):
        _login(guesser, "viewer", WRONG)
    _age_failures(31)
    _login(guesser, "viewer", WRONG)  # the 4th failure: the next wait is 60 s
    assert "60 sekunnin" in _login(guesser, "viewer", PASSWORD).content.decode()
    _age_failures(61)
    _login(guesser, "viewer", WRONG)  # the 5th: 120 s
    assert "120 sekunnin" in _login(guesser, "viewer", PASSWORD).content.decode()


def test_guesses_from_one_client_do_not_slow_down_another_client(
    members: Any, settings: Any
) -> None:
    settings.KAIKU_LOGIN_MAX_FAILURES = 3
    attacker = Client()
    for name in ("admin", "reviewer", "viewer", "outsider") * 3:
        _login(attacker, name, WRONG, ip="203.0.113.66")
    assert "sekunnin" in _login(attacker, "nobody", WRONG, ip="203.0.113.66").content.decode()
    colleague = Client()
    _login(colleague, "editor", PASSWORD, ip="198.51.100.7")
    assert colleague.session["_auth_user_id"] == str(members["editor"].pk)


def _link_from_mail() -> str:
    found = re.search(r"https?://\S+/accounts/login/link/\S+/", mail.outbox[-1].body)
    assert found, mail.outbox[-1].body
    return found.group(0).split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def test_a_slowed_down_person_gets_in_once_with_a_link_by_email(
    members: Any, settings: Any
) -> None:
    settings.KAIKU_LOGIN_MAX_FAILURES = 3
    attacker = Client()
    for _ in range(8):
        _login(attacker, "editor", WRONG, ip="203.0.113.66")
    person = Client()
    page = _login(person, "editor", PASSWORD).content.decode()
    assert "/accounts/login/link/" in page
    asked = person.post("/accounts/login/link/", {"email": "editor@example.test"})
    assert asked.status_code == 200
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["editor@example.test"]
    link = _link_from_mail()
    assert "Kirjaudu" in person.get(link).content.decode()  # opening does not use it up
    assert "_auth_user_id" not in person.session
    person.post(link)
    assert person.session["_auth_user_id"] == str(members["editor"].pk)
    # Once only: the link does not work again, for anyone.
    again = Client()
    assert again.post(link).status_code == 410
    assert "_auth_user_id" not in again.session
    assert SignInLink.objects.get().token_hash not in link  # only a digest is stored


def test_a_sign_in_link_expires_after_fifteen_minutes(members: Any) -> None:
    Client().post("/accounts/login/link/", {"email": "editor@example.test"})
    link = _link_from_mail()
    SignInLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    client = Client()
    assert client.post(link).status_code == 410
    assert "_auth_user_id" not in client.session
    made = SignInLink.objects.get()
    assert made.expires_at - made.created_at <= timedelta(minutes=15)


def test_asking_for_a_link_tells_nobody_whether_an_account_exists(members: Any) -> None:
    known = Client().post("/accounts/login/link/", {"email": "editor@example.test"})
    unknown = Client().post("/accounts/login/link/", {"email": "ei.ole@example.test"})
    assert len(mail.outbox) == 1
    strip = re.compile(
        r"csrfmiddlewaretoken\" value=\"[^\"]+\"|\"X-CSRFToken\": \"[^\"]+\"|\S+@example\.test"
    )
    assert strip.sub("", known.content.decode()) == strip.sub("", unknown.content.decode())


def test_links_cannot_be_asked_for_without_end_nor_count_as_failed_sign_ins(
    members: Any, settings: Any
) -> None:
    settings.KAIKU_LOGIN_MAX_FAILURES = 1  # a client address would wait after 4 failures
    for _ in range(6):
        Client().post(
            "/accounts/login/link/", {"email": "editor@example.test"}, REMOTE_ADDR="198.51.100.7"
        )
    assert len(mail.outbox) == 3
    client = Client()
    _login(client, "editor", PASSWORD, ip="198.51.100.7")
    assert client.session["_auth_user_id"] == str(members["editor"].pk)


def test_the_link_stands_in_for_the_password_but_not_for_the_second_factor(
    members: Any,
) -> None:
    user = members["editor"]
    user.totp_secret = pyotp.random_base32()
    user.totp_confirmed_at = timezone.now()
    user.save()
    client = Client()
    client.post("/accounts/login/link/", {"email": "editor@example.test"})
    response = client.post(_link_from_mail())
    assert response["Location"].startswith("/accounts/login/code/")
    assert "_auth_user_id" not in client.session
    client.post("/accounts/login/code/", {"code": pyotp.TOTP(user.totp_secret).now()})
    assert client.session["_auth_user_id"] == str(user.pk)
