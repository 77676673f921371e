"""A person types Finnish and sees findings appear, then applies a suggestion with one click."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, login, open_menu

pytestmark = pytest.mark.django_db(transaction=True)


def test_findings_appear_while_typing_finnish_and_a_suggestion_applies(
    page: Any, members: Any
) -> None:
    login(page, "editor")
    page.get_by_role("link", name="Kielentarkistus").click()
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


@pytest.mark.parametrize("width", [1366, 390])
def test_without_the_swedish_dictionary_the_check_page_says_so(
    page: Any, members: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any, width: int
) -> None:
    # The live server runs in this process: empty dictionary directories are a machine
    # without the Debian package hunspell-sv.
    from kaiku.language import svmorph

    monkeypatch.delenv("KAIKU_SV_DICT", raising=False)
    monkeypatch.delenv("KAIKU_LANGUAGE_NO_SV_DICT", raising=False)
    monkeypatch.setattr(svmorph, "DICT_DIRS", (str(tmp_path),))
    svmorph.reset()
    try:
        page.set_viewport_size({"width": width, "height": 900})
        login(page, "editor")
        open_menu(page)
        page.get_by_role("link", name="Kielentarkistus").click()
        note = page.locator("#check-no-sv-dict")
        expect(note).to_be_visible()
        assert "Ruotsin sanakirjaa (hunspell-sv) ei ole asennettu" in note.inner_text()
        box = page.get_by_label("Teksti", exact=True)
        box.press_sequentially("Knarkarfamiljen flyttade. ", delay=20)
        page.locator("#check-results mark.finding").first.wait_for()
        expect(page.locator("#check-no-sv-dict")).to_be_visible()
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"), (
            "the note must not widen the page on a phone"
        )
        assert_accessible(page)
    finally:
        monkeypatch.undo()
        svmorph.reset()
