"""A clicked suggestion works wherever findings are shown (issue 18.2) and leaves a sentence
that still holds together (18.1): the textarea gets the inflected replacement and the findings
refresh, on the check page, the compose page, a reply draft and the edit page, at desktop and
phone widths."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from tests.browser.conftest import assert_accessible, login

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = [1366, 390]
TYPED = "Palvelut eivät riitä narkkareille ja muille."
FIXED = "Palvelut eivät riitä huumeita käyttäville ihmisille ja muille."


def _fits_width(page: Any) -> None:
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{overflow}px wider than the window"


def _click_and_see_the_sentence_fixed(page: Any, box: str) -> None:
    mark = page.locator("#check-results mark.finding").first
    mark.wait_for()
    assert "narkkareille" in mark.inner_text()
    button = page.locator("#check-results button.suggestion", has_text="huumeita käyttäville")
    button.first.click()
    page.wait_for_function(
        "([sel, want]) => document.querySelector(sel).value === want", arg=[box, FIXED]
    )
    # The findings refresh: the mark goes, the grammar of the changed sentence was checked.
    page.locator("#check-results .grammar-note").wait_for()
    assert page.locator("#check-results mark.finding.warn").count() == 0
    assert page.locator("#check-results", has_text="Ei havaintoja").count() == 1
    _fits_width(page)
    assert_accessible(page)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_suggestion_on_the_check_page_inflects_to_fit_the_sentence(
    page: Any, members: Any, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    login(page, "editor")
    page.goto(page.base + "/o/toivon-polku/check/")
    page.locator("#check-text").press_sequentially(TYPED, delay=5)
    _click_and_see_the_sentence_fixed(page, "#check-text")


@pytest.mark.parametrize("width", WIDTHS)
def test_a_suggestion_on_the_compose_page_replaces_the_word_and_checks_again(
    page: Any, members: Any, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    login(page, "editor")
    page.goto(page.base + "/o/toivon-polku/posts/new/")
    page.locator("#id_text").press_sequentially(TYPED, delay=5)
    _click_and_see_the_sentence_fixed(page, "#id_text")


@pytest.mark.parametrize("width", WIDTHS)
def test_a_suggestion_in_a_reply_draft_replaces_the_word(
    page: Any, members: Any, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    login(page, "editor")
    reply_to = "https://mastodon.example/@someone/1"
    page.goto(
        page.base + f"/o/toivon-polku/posts/new/?reply_to={quote(reply_to)}&text={quote(TYPED)}"
    )
    page.locator("#reply-context").wait_for()
    _click_and_see_the_sentence_fixed(page, "#id_text")


@pytest.mark.parametrize("width", WIDTHS)
def test_a_suggestion_on_the_edit_page_replaces_the_word(
    page: Any, members: Any, org: Any, width: int
) -> None:
    from kaiku.posts.models import Post

    post = Post.objects.create(organisation=org, text=TYPED, author=members["editor"])
    page.set_viewport_size({"width": width, "height": 900})
    login(page, "editor")
    page.goto(page.base + f"/o/toivon-polku/posts/{post.public_id}/edit/")
    _click_and_see_the_sentence_fixed(page, "#id_text")


@pytest.mark.parametrize("width", WIDTHS)
def test_a_compound_keeps_its_other_part_and_an_adjective_can_go(
    page: Any, members: Any, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    login(page, "editor")
    page.goto(page.base + "/o/toivon-polku/posts/new/")
    page.locator("#id_text").fill("Hullu mies tapasi narkkarikavereitaan.")
    page.locator("#id_text").press("End")
    page.locator("#check-results button.suggestion", has_text="huumeita käyttäviä").click()
    page.wait_for_function(
        "() => document.querySelector('#id_text').value"
        " === 'Hullu mies tapasi huumeita käyttäviä kavereitaan.'"
    )
    page.locator("#check-results button.suggestion", has_text="poista").click()
    page.wait_for_function(
        "() => document.querySelector('#id_text').value"
        " === 'Mies tapasi huumeita käyttäviä kavereitaan.'"
    )
    page.locator("#check-results", has_text="Ei havaintoja").wait_for()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_swedish_suggestion_agrees_and_the_page_says_grammar_is_unchecked(
    page: Any, members: Any, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    login(page, "editor")
    page.goto(page.base + "/o/toivon-polku/check/")
    page.locator("#check-lang").select_option("sv")
    page.locator("#check-text").fill("Knarkarna fick ingen hjälp.")
    button = page.locator("#check-results button.suggestion", has_text="personerna som")
    button.first.click()
    page.wait_for_function(
        "() => document.querySelector('#check-text').value"
        " === 'Personerna som använder droger fick ingen hjälp.'"
    )
    page.locator("#check-results .grammar-note", has_text="lue muutettu virke").wait_for()
    assert_accessible(page)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_help_line_button_adds_it_at_the_end_and_fits_the_phone(
    page: Any, members: Any, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    login(page, "editor")
    page.goto(page.base + "/o/toivon-polku/posts/new/")
    page.locator("#id_text").fill("Itsemurha on vakava asia.")
    button = page.locator("#check-results button.suggestion", has_text="lisää loppuun")
    button.wait_for()
    _fits_width(page)
    button.click()
    page.wait_for_function(
        "() => { const v = document.querySelector('#id_text').value;"
        " return v.startsWith('Itsemurha on vakava asia.\\n\\n') && v.includes('09 2525 0111'); }"
    )
    # The findings refresh: the help line is there, so nobody asks for it any more.
    page.locator("#check-results .grammar-note").wait_for()
    assert button.count() == 0
    _fits_width(page)
