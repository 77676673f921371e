"""The dashboard in a browser at 1366 and 390 px: the first steps lead to their pages, what
waits for a person is there, and the page is accessible and never wider than the screen."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, login

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = {1366: 900, 390: 844}


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_the_dashboard_says_what_to_do_first_and_what_waits(
    page: Any, org: Any, members: Any, width: int
) -> None:
    from kaiku.connections.models import ChannelAccount
    from kaiku.posts.models import Post
    from kaiku.publishing.models import Delivery
    from kaiku.watch.models import Item

    account = ChannelAccount.objects.create(
        organisation=org,
        platform="feed",
        handle=org.slug,
        settings={"organisation": org.slug},
        status=ChannelAccount.Status.NEEDS_RECONNECT,
    )
    waiting = Post.objects.create(
        organisation=org, author=members["editor"], text="Tarkasta minut", state="in_review"
    )
    failed = Post.objects.create(
        organisation=org,
        author=members["editor"],
        text="Tämä ei lähtenyt",
        state="scheduled",
        scheduled_at=timezone.now() + timedelta(minutes=5),
    )
    Delivery.objects.create(post=failed, account=account, state="failed")
    Item.objects.create(
        organisation=org,
        guid="https://uutiset.example/1",
        url="https://uutiset.example/1",
        title="Mielenterveyspalvelujen jonot kasvavat",
        platform="feed",
        published_at=timezone.now(),
    )
    page.set_viewport_size({"width": width, "height": WIDTHS[width]})
    login(page, "admin")
    page.goto(page.base + f"/o/{org.slug}/")
    steps = page.locator("#dash-steps li")
    assert steps.count() == 4
    # The reviewer member exists already: that step is ticked, the channel step is not (the
    # only account needs reconnecting).
    assert page.locator('#dash-steps li[data-step="reviewer"]').get_attribute("class") == "is-done"
    assert page.locator('#dash-steps li[data-step="channel"]').get_attribute("class") == ""
    expect(page.locator("#dash-review").get_by_text("Tarkasta minut")).to_be_visible()
    expect(page.locator("#dash-trouble").get_by_text("Tämä ei lähtenyt")).to_be_visible()
    expect(page.locator("#dash-reconnect")).to_be_visible()
    expect(page.locator("#dash-today").get_by_text("Tämä ei lähtenyt")).to_be_visible()
    expect(
        page.locator("#dash-digest").get_by_text("Mielenterveyspalvelujen jonot")
    ).to_be_visible()
    # No worker has run in the test: the admin sees the worker's card.
    expect(page.locator("#dash-health")).to_be_visible()
    assert page.evaluate("() => document.scrollingElement.scrollWidth") <= width
    assert_accessible(page)
    page.screenshot(path=f"/tmp/kaiku-dashboard-{width}.png", full_page=True)
    page.locator('#dash-steps li[data-step="sources"] a').click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/o/{org.slug}/watch/sources/")
    assert waiting.pk
