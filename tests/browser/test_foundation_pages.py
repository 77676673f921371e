"""The foundation's pages as a person uses them: in Finnish, accessible, working."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, login

pytestmark = pytest.mark.django_db(transaction=True)


def test_login_page_is_finnish_and_accessible(page: Any, members: Any) -> None:
    page.goto(page.base + "/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "fi"
    expect(page.get_by_role("heading", name="Kirjaudu Kaikuun")).to_be_visible()
    assert_accessible(page)


def test_a_person_logs_in_sees_the_dashboard_and_switches_to_english(
    page: Any, members: Any
) -> None:
    login(page, "admin")
    assert re.search(r"/o/toivon-polku/$", page.url)
    expect(page.get_by_role("heading", name="Toivon Polku ry")).to_be_visible()
    expect(page.get_by_role("heading", name="Taustatyöt")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Kieli").select_option("en")
    page.get_by_role("button", name="Vaihda").click()
    page.wait_for_load_state()
    expect(page.get_by_role("link", name="Members", exact=True)).to_be_visible()
    assert page.locator("html").get_attribute("lang") == "en"


def test_an_admin_invites_a_member_from_the_members_page(page: Any, members: Any) -> None:
    login(page, "admin")
    page.get_by_role("link", name="Jäsenet", exact=True).click()
    assert_accessible(page)
    page.get_by_label("Sähköposti").fill("uusi.jasen@example.test")
    page.locator("#id_role").select_option("reviewer")
    page.get_by_role("button", name="Lähetä kutsu").click()
    page.wait_for_load_state()
    expect(page.get_by_text("uusi.jasen@example.test").first).to_be_visible()
    assert len(mail.outbox) == 1


def test_the_invitee_opens_the_link_and_joins(page: Any, members: Any, org: Any) -> None:
    from kaiku.organisations.models import Invitation

    invitation = Invitation.objects.create(organisation=org, email="u@example.test", role="viewer")
    page.goto(page.base + f"/invite/{invitation.token}/")
    assert_accessible(page)
    page.get_by_label("Käyttäjätunnus").fill("uusijasen")
    page.get_by_label("Salasana").fill("Hyva-pitka-salasana-42")
    page.get_by_role("button", name="Luo tili ja liity").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name="Toivon Polku ry")).to_be_visible()


def test_account_page_two_factor_setup_and_api_token(page: Any, members: Any) -> None:
    login(page, "editor")
    page.goto(page.base + "/accounts/me/")
    assert_accessible(page)
    page.get_by_label("API-avaimen nimi").fill("raportointi")
    page.get_by_role("button", name="Luo API-avain").click()
    page.wait_for_load_state()
    assert page.locator("#new-token").inner_text().startswith("kaiku_")
    page.goto(page.base + "/accounts/two-factor/")
    expect(page.locator(".qr svg")).to_be_visible()
    assert_accessible(page)


def test_admin_pages_settings_and_audit_log(page: Any, members: Any) -> None:
    login(page, "admin")
    page.get_by_role("link", name="Asetukset").click()
    assert_accessible(page)
    page.get_by_role("button", name="Tallenna").click()
    page.get_by_role("link", name="Tapahtumaloki").click()
    # The admin's own sign-in, in words (the code stays in data-action for scripts).
    signed_in = page.locator('[data-action="login"]').first
    expect(signed_in).to_be_visible()
    expect(signed_in).to_have_text("Kirjautui sisään")
    assert_accessible(page)


def test_password_reset_pages(page: Any, members: Any) -> None:
    page.goto(page.base + "/accounts/login/")
    page.get_by_role("link", name=re.compile("Unohditko")).click()
    assert_accessible(page)
    page.get_by_label("Sähköposti").fill("viewer@example.test")
    page.get_by_role("button", name="Lähetä linkki").click()
    page.wait_for_load_state()
    assert_accessible(page)
    assert len(mail.outbox) == 1
