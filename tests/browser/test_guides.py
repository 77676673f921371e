"""An admin opens a platform's setup guide from the channels page."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import assert_accessible, login

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_setup_guide_opens_from_the_connect_form(page: Any, members: Any) -> None:
    login(page, "admin")
    page.goto(page.base + "/o/toivon-polku/channels/")
    assert_accessible(page)
    page.locator("#connect-x a[href$='/guide/x.md/']").click()
    page.wait_for_load_state()
    assert page.locator("article.guide h2").first.is_visible()
    assert "/o/toivon-polku/channels/x/callback/" in page.content()
    assert_accessible(page)
