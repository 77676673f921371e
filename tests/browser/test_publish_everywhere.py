"""The publishing issue's promise, as a person sees it: connect the own feed and a Bluesky
account (the real local PDS), write one post with the live check, schedule it, find it in the
calendar, and see it published exactly once on both."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kaiku.channels.bluesky import client as bsky
from tests.browser.conftest import assert_accessible, login

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

TEXT = "Syysretki Nuuksioon lauantaina! Lähtö toimistolta klo 10, eväät mukaan."


def _bluesky_posts(network: Any, did: str) -> list[str]:
    with bsky.BlueskyClient(network.pds_url) as client:
        return [r.value["text"] for r in client.list_records(did, bsky.POST_COLLECTION).records]


def test_one_post_goes_out_once_to_the_own_feed_and_to_bluesky(
    page: Any, members: Any, bluesky_pds: Any
) -> None:
    from kaiku.jobs.models import Job
    from kaiku.jobs.worker import run_due_jobs
    from kaiku.publishing.models import Delivery
    from kaiku.site.models import FeedEntry

    local = bluesky_pds.create_account("retki")
    login(page, "editor")
    page.goto(page.base + "/o/toivon-polku/channels/")
    page.locator('button[name="connect"][value="feed"]').click()
    page.wait_for_load_state()
    page.locator('[name="bluesky-handle"]').fill(local.handle)
    page.locator('[name="bluesky-app_password"]').fill(local.password)
    page.locator('[name="bluesky-pds_url"]').fill(bluesky_pds.pds_url)
    page.locator('button[name="connect"][value="bluesky"]').click()
    page.wait_for_load_state()
    assert page.locator("#channel-accounts tbody tr[data-status='active']").count() == 2
    assert_accessible(page)

    page.goto(page.base + "/o/toivon-polku/posts/new/")
    for box in page.locator("input.account-choice").all():
        box.check()
    page.locator("#id_text").press_sequentially("Hullut ja narkkarit ", delay=15)
    page.locator("#check-results mark.finding").first.wait_for()
    page.locator("#id_text").fill(TEXT)
    when = timezone.localtime() + timedelta(hours=2)
    page.locator('[name="publish_at"]').fill(when.strftime("%Y-%m-%dT%H:%M"))
    page.locator("#send-button").click()
    page.wait_for_load_state()
    expect(page.locator("#post-state")).to_be_visible()

    page.goto(page.base + f"/o/toivon-polku/calendar/?month={when:%Y-%m}")
    expect(page.get_by_text("Syysretki Nuuksioon").first).to_be_visible()
    assert_accessible(page)

    assert run_due_jobs() == 0 or not FeedEntry.objects.exists()
    assert _bluesky_posts(bluesky_pds, local.did) == []
    # Two hours pass.
    Delivery.objects.update(due_at=timezone.now())
    Job.objects.filter(state="due", kind="posts.publish").update(run_at=timezone.now())
    run_due_jobs()
    run_due_jobs()

    assert [e.text for e in FeedEntry.objects.all()] == [TEXT]
    assert _bluesky_posts(bluesky_pds, local.did) == [TEXT]
    page.goto(page.base + "/f/toivon-polku/")
    expect(page.get_by_text("Syysretki Nuuksioon lauantaina!")).to_be_visible()
    page.goto(page.base + "/o/toivon-polku/posts/")
    page.locator("#section-sent .post-link").first.click()
    page.wait_for_load_state()
    assert page.locator('#deliveries tr[data-state="published"]').count() == 2
    assert_accessible(page)
