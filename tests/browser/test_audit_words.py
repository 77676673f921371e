"""The audit log in words (issue 19): each action as a translated label, the code kept as data,
at 1366 and 390 px, axe clean."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, login

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("width", [1366, 390])
def test_the_audit_log_shows_actions_in_finnish_not_codes(
    page: Any, members: Any, width: int
) -> None:
    from kaiku.organisations import audit
    from kaiku.organisations.models import Organisation

    org = Organisation.objects.get(slug="toivon-polku")
    audit.record("post.approved", organisation=org, target="x", reason="privacy_block")
    audit.record("member.role_changed", organisation=org, target="editor", old="viewer")
    page.set_viewport_size({"width": width, "height": 900})
    login(page, "admin")
    page.goto(page.base + "/o/toivon-polku/audit/")
    approved = page.locator("[data-action='post.approved']")
    expect(approved).to_have_text("Julkaisu hyväksyttiin")
    expect(page.locator("[data-action='member.role_changed']")).to_have_text(
        "Jäsenen roolia muutettiin"
    )
    table = page.locator("main table")
    expect(table).to_contain_text("Syy: tekstissä voi olla asiakkaan tietoja")
    expect(table).to_contain_text("Vanha rooli: katselija")
    expect(table).not_to_contain_text("post.approved")
    page.screenshot(path=f"test-artefacts/audit-words-{width}.png", full_page=True)
    assert_accessible(page)
