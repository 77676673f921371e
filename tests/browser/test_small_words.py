"""Small things a person sees (issue 19): a worded empty choice instead of "---------", no
console 404 for /favicon.ico, Finnish quotation marks, at 1366 and 390 px, axe clean."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import assert_accessible, login

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("width", [1366, 390])
def test_the_check_page_has_worded_choices_quotes_findings_and_loads_its_icon(
    page: Any, members: Any, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    failed: list[str] = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    login(page, "editor")
    page.goto(page.base + "/o/toivon-polku/check/?text=H%C3%A4n+on+narkkari.")
    page.wait_for_load_state("networkidle")
    language = page.locator("form[action$='/check/terms/'] select[name='language']")
    assert language.locator("option").first.inner_text() == "Valitse kieli"
    assert "---------" not in page.content()
    assert "”narkkari”" in page.locator("main").inner_text()
    icon = page.request.get(page.base + "/favicon.ico")
    assert icon.status == 200 and icon.headers["content-type"] == "image/x-icon"
    assert not failed, failed
    page.screenshot(path=f"test-artefacts/check-small-words-{width}.png", full_page=True)
    assert_accessible(page)
