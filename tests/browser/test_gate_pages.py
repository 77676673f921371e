"""The safety gate's pages in the browser, at a desktop (1366 px) and a phone (390 px) width:
the findings of each text on the compose and post pages, the henkilötunnus refusal, the
one-person organisation's two confirmations, and the settings page's approval rule.

Selectors use ids and names, not the interface's words."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, login

pytestmark = pytest.mark.django_db(transaction=True)

FLAGGED = "Asiakkaamme Matti Virtanen sairastaa masennusta."
CHECK = "0123456789ABCDEFHJKLMNPRSTUVWXY"
WIDTHS = {"desktop": (1366, 900), "phone": (390, 844)}


@pytest.fixture(params=sorted(WIDTHS))
def sized(request: Any, page: Any) -> Any:
    width, height = WIDTHS[request.param]
    page.set_viewport_size({"width": width, "height": height})
    return page


def _fits(page: Any) -> None:
    """Nothing sticks out sideways (a phone would need to scroll the page horizontally)."""
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1, f"{page.url}: {overflow}px wider than the window"


def _feed_account(org: Any) -> Any:
    from kaiku.connections.models import ChannelAccount

    return ChannelAccount.objects.create(
        organisation=org,
        platform="feed",
        handle=org.slug,
        display_name=org.name,
        settings={"organisation": org.slug},
    )


def test_a_variants_finding_shows_on_compose_and_review_and_the_reviewer_approves_it(
    sized: Any, members: Any, org: Any
) -> None:
    from kaiku.posts.models import Post
    from kaiku.site.models import FeedEntry

    page = sized
    account = _feed_account(org)
    login(page, "editor")
    page.goto(page.base + "/o/toivon-polku/posts/new/")
    page.locator("#id_text").fill("Avoimet ovet torstaina klo 14.")
    page.locator("input.account-choice").first.check()
    page.locator("details.variants summary").click()
    page.locator(f"#id_variant_{account.pk}").fill(FLAGGED)
    page.locator('button[name="action"][value="preview"]').click()
    page.wait_for_load_state()
    variant = page.locator(f'#gate .gate-text[data-target="variant:{account.pk}"]')
    expect(variant.locator('[data-code="privacy.person_with_health"]')).to_be_visible()
    expect(page.locator("#gate-why")).to_be_visible()
    _fits(page)
    assert_accessible(page)
    page.locator("#send-button").click()
    page.wait_for_load_state()
    post = Post.objects.get()
    assert post.state == Post.State.IN_REVIEW

    login(page, "reviewer")
    page.goto(page.base + "/o/toivon-polku/review/")
    expect(page.locator(f'.post-row li[data-target="variant:{account.pk}"]')).to_be_visible()
    _fits(page)
    assert_accessible(page)
    page.locator(".post-row a").first.click()
    page.wait_for_load_state()
    expect(page.locator(f'#gate .gate-text[data-target="variant:{account.pk}"]')).to_be_visible()
    _fits(page)
    assert_accessible(page)
    page.locator("#approve-form textarea").fill("Asiakkaan kirjallinen suostumus arkistossa")
    page.locator("#approve-form button[type=submit]").click()
    page.wait_for_load_state()
    post.refresh_from_db()
    assert post.state == Post.State.SCHEDULED
    from kaiku.jobs.worker import run_due_jobs

    run_due_jobs()
    assert FeedEntry.objects.get().text == FLAGGED


def test_a_henkilotunnus_is_refused_on_the_compose_and_post_pages(
    sized: Any, members: Any, org: Any
) -> None:
    from kaiku.posts.models import Post

    page = sized
    _feed_account(org)
    day, number = "240385", "412"
    hetu = f"{day}X{number}{CHECK[int(day + number) % 31]}"
    login(page, "editor")
    page.goto(page.base + "/o/toivon-polku/posts/new/")
    page.locator("#id_text").fill(f"Asiakkaan tunnus on {hetu}.")
    page.locator("#id_text").press("End")  # a key press runs the live check
    page.locator("#check-results #check-hetu").wait_for()  # it says so while writing
    _fits(page)
    assert_accessible(page)
    page.locator("input.account-choice").first.check()
    page.locator("#send-button").click()
    page.wait_for_load_state()
    assert "/edit/" in page.url  # kept as a draft, on its edit page
    expect(page.locator("#gate-hetu")).to_be_visible()
    expect(page.locator(".messages, [role=alert]").first).to_be_visible()
    _fits(page)
    assert_accessible(page)
    post = Post.objects.get()
    assert post.state == Post.State.DRAFT
    # A post that got into review with one (an older one) cannot be approved there.
    Post.objects.filter(pk=post.pk).update(
        state=Post.State.IN_REVIEW, review_required_reason="privacy_block"
    )
    login(page, "reviewer")
    page.goto(page.base + f"/o/toivon-polku/posts/{post.public_id}/")
    expect(page.locator("#hetu-no-approval")).to_be_visible()
    assert page.locator("#approve-form").count() == 0
    _fits(page)
    assert_accessible(page)


def test_the_only_reviewer_confirms_twice_and_the_settings_say_why(sized: Any, db: Any) -> None:
    from django.utils import timezone

    from kaiku.organisations.models import Membership, Organisation
    from kaiku.posts.models import Post
    from tests.conftest import make_user

    page = sized
    org = Organisation.objects.create(name="Yksin ry", slug="yksin")
    Membership.objects.create(organisation=org, user=make_user("ainoa"), role="admin")
    _feed_account(org)
    login(page, "ainoa")
    page.goto(page.base + "/o/yksin/settings/")
    expect(page.locator("#rule-sole")).to_be_visible()
    assert page.locator("#id_self_review_wait_minutes").input_value() == "60"
    _fits(page)
    assert_accessible(page)

    page.goto(page.base + "/o/yksin/posts/new/")
    page.locator("#id_text").fill(FLAGGED)
    page.locator("input.account-choice").first.check()
    page.locator("#send-button").click()
    page.wait_for_load_state()
    post = Post.objects.get()
    expect(page.locator("#sole-reviewer")).to_be_visible()
    expect(page.locator('#sole-reviewer a[href="/o/yksin/members/"]')).to_be_visible()
    _fits(page)
    assert_accessible(page)
    page.locator("#approve-form textarea").fill("Asiakkaan kirjallinen suostumus arkistossa")
    page.locator("#approve-form button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator("#first-confirmed")).to_be_visible()
    _fits(page)
    assert_accessible(page)
    post.refresh_from_db()
    assert post.state == Post.State.IN_REVIEW
    Post.objects.filter(pk=post.pk).update(
        first_confirmed_at=timezone.now() - timedelta(minutes=61)
    )
    page.reload()
    page.locator("#approve-form textarea").fill("Suostumus tarkistettu uudelleen")
    page.locator("#approve-form button[type=submit]").click()
    page.wait_for_load_state()
    post.refresh_from_db()
    assert post.state == Post.State.SCHEDULED
