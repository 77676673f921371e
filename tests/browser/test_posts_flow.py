"""Publishing as a person does it: connect the own feed, write with the live check and the
per-channel preview, send, see it go out on the public feed; retry a failed delivery; review.

Selectors use ids and names, not the interface's words, so the tests hold while the Finnish
translations of these pages are being written.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, login
from tests.posts.view_helpers import stamp_as_checked

pytestmark = pytest.mark.django_db(transaction=True)


def _run_due_jobs() -> int:
    # The live server runs in a thread of this process: the jobs can run here, inline.
    from kaiku.jobs.worker import run_due_jobs

    return run_due_jobs()


def _feed_account(org: Any) -> Any:
    from kaiku.connections.models import ChannelAccount

    return ChannelAccount.objects.create(
        organisation=org,
        platform="feed",
        handle=org.slug,
        display_name=org.name,
        settings={"organisation": org.slug},
    )


def test_an_editor_connects_the_feed_writes_a_post_and_sees_it_on_the_public_feed(
    page: Any, members: Any, org: Any
) -> None:
    login(page, "editor")
    page.goto(page.base + "/o/toivon-polku/channels/")
    assert_accessible(page)
    page.locator('button[name="connect"][value="feed"]').click()
    page.wait_for_load_state()
    row = page.locator("#channel-accounts tbody tr").first
    assert row.get_attribute("data-status") == "active"
    assert_accessible(page)

    page.goto(page.base + "/o/toivon-polku/posts/new/")
    page.locator("input.account-choice").first.check()
    page.locator("#id_text").press_sequentially(
        "Kaupungin narkkarit ovat tervetulleita avoimiin oviin torstaina.", delay=15
    )
    mark = page.locator("#check-results mark.finding").first
    mark.wait_for()
    assert "narkkarit" in mark.inner_text()
    counter = page.locator("#previews .channel-preview .count").first
    counter.wait_for()
    assert re.fullmatch(r"\d+ / 10000", counter.inner_text())
    assert_accessible(page)

    page.locator("#id_text").fill("Avoimet ovet torstaina klo 14. Tervetuloa kahville!")
    page.locator("#send-button").click()
    page.wait_for_load_state()
    assert re.search(r"/o/toivon-polku/posts/[0-9a-f-]{36}/$", page.url)
    expect(page.locator("#post-state")).to_be_visible()
    assert_accessible(page)

    page.goto(page.base + "/o/toivon-polku/posts/")
    expect(page.locator("#section-upcoming .post-link", has_text="Avoimet ovet")).to_be_visible()
    assert_accessible(page)

    assert _run_due_jobs() >= 1
    page.goto(page.base + "/o/toivon-polku/posts/")
    expect(page.locator("#section-sent .post-link", has_text="Avoimet ovet")).to_be_visible()
    page.locator("#section-sent .post-link").first.click()
    page.wait_for_load_state()
    published = page.locator('#deliveries tr[data-state="published"] a[href*="/f/toivon-polku/"]')
    expect(published).to_be_visible()

    page.goto(page.base + "/f/toivon-polku/")
    expect(page.get_by_text("Avoimet ovet torstaina klo 14.")).to_be_visible()
    assert page.locator('link[rel="alternate"][type="application/atom+xml"]').count() == 1
    assert_accessible(page)
    page.locator(".feed-entry time").first.click()
    page.wait_for_load_state()
    assert re.search(r"/f/toivon-polku/\d+/$", page.url)
    assert_accessible(page)


def test_a_failed_delivery_shows_its_reason_and_retry_publishes_it(
    page: Any, members: Any, org: Any
) -> None:
    from kaiku.posts.models import Post
    from kaiku.publishing.models import Delivery

    account = _feed_account(org)
    post = Post.objects.create(
        organisation=org, author=members["editor"], text="Tämä ei mennyt läpi", state="done"
    )
    delivery = Delivery.objects.create(
        post=post,
        account=account,
        state=Delivery.State.FAILED,
        attempts=6,
        last_error_code="invalid",
        last_error_detail="hashtag not allowed",
    )
    stamp_as_checked(delivery)  # it was scheduled by the services, which stamp it
    login(page, "editor")
    page.goto(page.base + "/o/toivon-polku/posts/")
    expect(page.locator("#section-failed .post-link")).to_be_visible()
    page.locator("#section-failed .post-link").first.click()
    page.wait_for_load_state()
    assert "hashtag not allowed" in page.locator(".delivery-error").inner_text()
    assert_accessible(page)
    page.locator('#deliveries tr[data-state="failed"] button[type="submit"]').click()
    page.wait_for_load_state()
    expect(page.locator('#deliveries tr[data-state="scheduled"]')).to_be_visible()
    _run_due_jobs()
    page.reload()
    expect(page.locator('#deliveries tr[data-state="published"]')).to_be_visible()
    assert page.locator(".delivery-error").count() == 0


def test_a_reviewer_approves_a_post_from_the_review_list(page: Any, members: Any, org: Any) -> None:
    from kaiku.posts.models import Post
    from kaiku.publishing.models import Delivery

    account = _feed_account(org)
    post = Post.objects.create(
        organisation=org,
        author=members["editor"],
        text="Asiakkaamme kertoi tarinansa.",
        state=Post.State.IN_REVIEW,
        review_required_reason="privacy_block",
    )
    Delivery.objects.create(post=post, account=account, state=Delivery.State.IN_REVIEW)
    login(page, "reviewer")
    page.goto(page.base + "/o/toivon-polku/review/")
    assert_accessible(page)
    page.locator(".post-row a").first.click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.locator("#approve-form button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator("#approve-form .errorlist")).to_be_visible()  # a reason is required
    page.locator("#approve-form textarea").fill("Asiakkaan kirjallinen suostumus arkistossa")
    page.locator("#approve-form button[type=submit]").click()
    page.wait_for_load_state()
    post.refresh_from_db()
    assert post.state == Post.State.SCHEDULED
    expect(page.locator('#deliveries tr[data-state="scheduled"]')).to_be_visible()
