"""A person types Finnish and sees findings appear, then applies a suggestion with one click."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import assert_accessible, login

pytestmark = pytest.mark.django_db(transaction=True)


def test_findings_appear_while_typing_finnish_and_a_suggestion_applies(
    page: Any, members: Any
) -> None:
    login(page, "editor")
    page.get_by_role("link", name="Tarkista teksti").click()
    assert_accessible(page)
    box = page.get_by_label("Teksti", exact=True)
    box.press_sequentially("Kaupungin narkkareiden palvelut ", delay=20)
    mark = page.locator("#check-results mark.finding").first
    mark.wait_for()
    assert "narkkareiden" in mark.inner_text()
    assert_accessible(page)
    page.locator("#check-results button.suggestion").first.click()
    page.wait_for_function(
        "() => !document.querySelector('#check-text').value.includes('narkkareiden')"
    )
    page.wait_for_function(
        "() => document.querySelectorAll('#check-results mark.finding.warn').length === 0"
    )
