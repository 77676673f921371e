"""The small pages a person meets now and then: each works, in Finnish, and is accessible."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, login
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_changing_the_password_ends_on_its_done_page(page: Any, members: Any) -> None:
    login(page, "viewer")
    page.goto(page.base + "/accounts/password/")
    assert_accessible(page)
    page.locator("#id_old_password").fill(PASSWORD)
    page.locator("#id_new_password1").fill("Uusi-pitka-salasana-77")
    page.locator("#id_new_password2").fill("Uusi-pitka-salasana-77")
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()
    assert page.url.endswith("/accounts/password/done/")
    assert_accessible(page)


def test_the_reset_link_sets_a_new_password_and_an_old_link_says_it_expired(
    page: Any, members: Any
) -> None:
    page.goto(page.base + "/accounts/password/reset/")
    page.locator("#id_email").fill("editor@example.test")
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()
    link = re.search(r"https?://\S+/password/reset/\S+/", mail.outbox[0].body)
    assert link
    path = "/" + link.group(0).split("/", 3)[3]
    page.goto(page.base + path)
    assert_accessible(page)
    page.locator("#id_new_password1").fill("Uusi-pitka-salasana-88")
    page.locator("#id_new_password2").fill("Uusi-pitka-salasana-88")
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()
    assert page.url.endswith("/accounts/password/reset/complete/")
    assert_accessible(page)
    page.goto(page.base + path)
    expect(page.locator("main a[href$='/accounts/password/reset/']")).to_be_visible()
    assert_accessible(page)


def test_a_used_invitation_and_a_person_without_organisation_get_clear_pages(
    page: Any, members: Any, org: Any
) -> None:
    from django.utils import timezone

    from kaiku.organisations.models import Invitation

    used = Invitation.objects.create(
        organisation=org, email="x@example.test", accepted_at=timezone.now()
    )
    page.goto(page.base + f"/invite/{used.token}/")
    expect(page.locator("main h1")).to_be_visible()
    assert_accessible(page)
    make_user("yksin")
    login(page, "yksin")
    expect(page.locator("main h1")).to_be_visible()
    assert "/o/" not in page.url
    assert_accessible(page)
