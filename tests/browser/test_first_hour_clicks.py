"""The first hour, counted (issue 19): from a fresh demo login (the demo data of `make run`,
`kaiku serve --demo`) to a post published on the own feed, and to a first digest, in clicks,
at 1366 and 390 px. Typing is not counted; each click (a link, a button, a checkbox) is, through
one helper. The background worker, which `make run` starts beside the web server, is run in the
test thread where it would have run."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible
from tests.browser.test_watch import rss
from tests.watch.server import FeedServer

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = [1366, 390]
# The promise: each first task within a handful of clicks.
MAX_CLICKS = 6
TEXT = "Kevään avoimet ovet torstaina klo 14–17. Tervetuloa kahville ja tutustumaan!"


class Clicks:
    """Every click of the test goes through here, so the count is what a person does."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.count = 0

    def __call__(self, locator: Any) -> None:
        self.count += 1
        locator.click()
        self.page.wait_for_load_state()


def demo_login(page: Any) -> None:
    from kaiku.core.demo import create_demo

    _org, username, password = create_demo()
    page.goto(page.base + "/accounts/login/")
    page.get_by_label("Käyttäjätunnus").fill(username)
    page.get_by_label("Salasana").fill(password)
    page.get_by_role("button", name="Kirjaudu sisään").click()
    page.wait_for_load_state()
    expect(page.locator("#dash-steps")).to_be_visible()


@pytest.fixture
def feed() -> Iterator[FeedServer]:
    server = FeedServer.start()
    server.add(
        "/uutiset.xml",
        rss(
            "Sote-uutiset",
            [("Mielenterveyspalvelujen jonot kasvavat", "Terapiatakuu puhuttaa.", "")],
        ),
    )
    yield server
    server.stop()


@pytest.mark.parametrize("width", WIDTHS)
def test_from_a_fresh_demo_login_to_a_post_on_the_own_feed_in_a_few_clicks(
    page: Any, width: int
) -> None:
    from kaiku.jobs.worker import run_due_jobs
    from kaiku.site.models import FeedEntry

    page.set_viewport_size({"width": width, "height": 900})
    demo_login(page)
    click = Clicks(page)
    click(page.locator("main a", has_text="Kirjoita julkaisu"))
    page.locator("#id_text").fill(TEXT)
    feed_box = page.locator("input.account-choice").first
    if not feed_box.is_checked():
        click(feed_box)
    click(page.locator("#send-button"))
    expect(page.locator("#post-state")).to_be_visible()
    run_due_jobs()  # the worker that `make run` runs beside the web server
    # The post page follows its deliveries by itself (no reload, no click).
    expect(page.locator("#deliveries tr[data-state='published']")).to_have_count(1, timeout=15_000)
    assert FeedEntry.objects.filter(text=TEXT).count() == 1
    page.screenshot(path=f"test-artefacts/first-hour-post-{width}.png", full_page=True)
    assert_accessible(page)
    print(f"\nclicks to a post on the own feed at {width} px: {click.count}")
    assert click.count <= MAX_CLICKS
    page.goto(page.base + "/f/toivon-polku/")
    expect(page.get_by_text(TEXT)).to_be_visible()


@pytest.mark.parametrize("width", WIDTHS)
def test_from_a_fresh_demo_login_to_a_first_digest_in_a_few_clicks(
    page: Any, feed: FeedServer, width: int
) -> None:
    from kaiku.jobs.worker import run_due_jobs

    page.set_viewport_size({"width": width, "height": 900})
    demo_login(page)
    click = Clicks(page)
    click(page.locator("#dash-steps [data-step='sources'] a"))
    page.locator("form[action$='/watch/sources/add/'] [name=value]").fill(feed.url("/uutiset.xml"))
    click(page.get_by_role("button", name="Lisää lähde", exact=True))
    expect(page.get_by_text("Lähde lisätty")).to_be_visible()
    run_due_jobs()  # the new source's first fetch, queued by adding it
    click(page.locator(".watch-tabs a", has_text="Kooste"))
    expect(page.locator(".watch-item", has_text="Mielenterveyspalvelujen jonot")).to_be_visible()
    page.screenshot(path=f"test-artefacts/first-hour-digest-{width}.png", full_page=True)
    assert_accessible(page)
    print(f"\nclicks to a first digest at {width} px: {click.count}")
    assert click.count <= MAX_CLICKS
