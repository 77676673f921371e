"""The sign-in link, the slowed-down sign-in, replacing the second factor and the token rule,
as a person sees them on a desktop (1366 px) and a phone (390 px): Finnish, accessible, and
nothing wider than the screen."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pyotp
import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, login

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = [1366, 390]


def _fits(page: Any, width: int) -> None:
    assert_accessible(page)
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= width, f"{page.url} is {wide} px wide on a {width} px screen"


@pytest.mark.parametrize("width", WIDTHS)
def test_a_person_signs_in_once_with_a_link_by_email(page: Any, members: Any, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(page.base + "/accounts/login/")
    page.get_by_role("link", name="Kirjaudu sähköpostiin tulevalla linkillä").click()
    page.wait_for_load_state()
    _fits(page, width)
    page.get_by_label("Tilisi sähköpostiosoite").fill("editor@example.test")
    page.get_by_role("button", name="Lähetä linkki").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name="Katso sähköpostisi")).to_be_visible()
    _fits(page, width)
    link = re.search(r"https?://\S+/accounts/login/link/\S+/", mail.outbox[-1].body)
    assert link
    page.goto(link.group(0))
    expect(page.get_by_role("heading", name="Kirjaudu linkillä")).to_be_visible()
    _fits(page, width)
    page.get_by_role("button", name="Kirjaudu sisään").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name="Toivon Polku ry")).to_be_visible()
    page.goto(link.group(0))
    assert page.get_by_role(
        "heading", name="Tämä kirjautumislinkki ei ole enää voimassa"
    ).is_visible()
    _fits(page, width)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_slowed_down_sign_in_says_how_long_and_offers_the_link(
    page: Any, members: Any, width: int, settings: Any
) -> None:
    from kaiku.accounts.models import FailedLogin

    page.set_viewport_size({"width": width, "height": 900})
    for _ in range(settings.KAIKU_LOGIN_MAX_FAILURES):
        FailedLogin.objects.create(username="editor", created_at=timezone.now())
    login(page, "editor")
    alert = page.get_by_role("alert")
    expect(alert.get_by_text(re.compile(r"Yritä uudelleen \d+ sekunnin kuluttua"))).to_be_visible()
    _fits(page, width)
    page.get_by_role("link", name="Lähetä minulle kirjautumislinkki").click()
    page.wait_for_load_state()
    expect(page.get_by_label("Tilisi sähköpostiosoite")).to_be_visible()


def _with_totp(user: Any) -> pyotp.TOTP:
    secret = pyotp.random_base32()
    user.totp_secret = secret
    user.totp_confirmed_at = timezone.now()
    user.save()
    return pyotp.TOTP(secret)


def _login_with_code(page: Any, username: str, totp: pyotp.TOTP) -> None:
    login(page, username)
    page.locator("#id_code").fill(totp.now())
    page.get_by_role("button", name="Jatka").click()
    page.wait_for_load_state()


@pytest.mark.parametrize("width", WIDTHS)
def test_replacing_the_authenticator_asks_for_the_current_code(
    page: Any, members: Any, width: int
) -> None:
    from kaiku import crypto

    page.set_viewport_size({"width": width, "height": 900})
    user = members["editor"]
    old = _with_totp(user)
    _login_with_code(page, "editor", old)
    page.goto(page.base + "/accounts/me/")
    _fits(page, width)
    page.get_by_role("link", name="Vaihda todennussovellus").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name="Vaihda todennussovellus")).to_be_visible()
    _fits(page, width)
    from django.contrib.sessions.models import Session

    sealed = [
        s.get_decoded()["kaiku_totp_secret"]
        for s in Session.objects.all()
        if "kaiku_totp_secret" in s.get_decoded()
    ]
    new = pyotp.TOTP(crypto.decrypt(sealed[-1], "session.totp_secret"))
    # The sign-in used this step's code, and a code is good once: the next step's code (within
    # the one-step drift allowance) is the fresh one.
    page.get_by_label("Koodi nykyisestä todennussovelluksestasi").fill(
        old.at(timezone.now() + timedelta(seconds=30))
    )
    page.get_by_label("Todennussovelluksesi kuusinumeroinen koodi").fill(new.now())
    page.locator("#main").get_by_role("button", name="Vaihda").click()
    page.wait_for_load_state()
    user.refresh_from_db()
    assert user.totp_secret == new.secret


@pytest.mark.parametrize("width", WIDTHS)
def test_the_account_page_marks_an_admin_token_the_two_factor_rule_refuses(
    page: Any, members: Any, org: Any, width: int
) -> None:
    from kaiku.accounts.models import ApiToken

    page.set_viewport_size({"width": width, "height": 900})
    ApiToken.issue(members["admin"], "vanha-skripti")
    org.require_two_factor_for_admins = True
    org.save()
    totp = _with_totp(members["admin"])
    _login_with_code(page, "admin", totp)
    page.goto(page.base + "/accounts/me/")
    expect(
        page.get_by_text("Hylätään: luotu ilman kaksivaiheista tunnistautumista")
    ).to_be_visible()
    _fits(page, width)


def test_a_refused_sign_in_says_it_once(page: Any, members: Any) -> None:
    login(page, "editor", "vaara-salasana-1")
    assert page.get_by_text("Käyttäjätunnus tai salasana on väärä.").count() == 1
    expect(page.get_by_role("alert")).to_be_visible()
