"""A wrong password is said once (issue 19: "the wrong-password message shown twice"), in the
Finnish login page at 1366 and 390 px, also after a second wrong try and once sign-in is
slowed down; axe clean."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)

WRONG = "Käyttäjätunnus tai salasana on väärä."


def _try(page: Any, username: str, password: str) -> None:
    page.get_by_label("Käyttäjätunnus").fill(username)
    page.get_by_label("Salasana").fill(password)
    page.get_by_role("button", name="Kirjaudu sisään").click()
    page.wait_for_load_state()


def _said(page: Any, words: str) -> int:
    """How many elements on the page say ``words`` themselves (not through a child)."""
    return int(
        page.evaluate(
            """(words) => [...document.querySelectorAll('body *')].filter(e =>
                [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.includes(words))
                && e.getClientRects().length > 0).length""",
            words,
        )
    )


@pytest.mark.parametrize("width", [1366, 390])
def test_a_wrong_password_is_said_exactly_once(page: Any, members: Any, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(page.base + "/accounts/login/")
    _try(page, "editor", "väärä-salasana")
    expect(page.get_by_role("alert")).to_contain_text(WRONG)
    assert _said(page, WRONG) == 1
    assert page.get_by_role("alert").count() == 1
    # Again, from the page that already shows the message: still one.
    _try(page, "editor", "toinen-väärä")
    expect(page.get_by_role("alert")).to_contain_text(WRONG)
    assert _said(page, WRONG) == 1
    page.screenshot(path=f"test-artefacts/login-wrong-{width}.png", full_page=True)
    assert_accessible(page)


@pytest.mark.parametrize("width", [1366, 390])
def test_slowed_down_sign_in_is_said_exactly_once(page: Any, members: Any, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(page.base + "/accounts/login/")
    for n in range(6):
        _try(page, "editor", f"väärä-{n}")
    expect(page.get_by_role("alert")).to_contain_text("Liian monta epäonnistunutta yritystä")
    assert _said(page, "Liian monta epäonnistunutta yritystä") == 1
    assert _said(page, WRONG) == 0
    assert_accessible(page)
