"""The reviewer's post page in the browser, at 1366 px and 390 px: every text of the post
with its findings marked, under the severity names compose showed (issue 19, item 5).

Selectors use ids, classes and names, not the interface's words."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import assert_accessible, login, open_menu

pytestmark = pytest.mark.django_db(transaction=True)

CHECK = "0123456789ABCDEFHJKLMNPRSTUVWXY"
WIDTHS = {"desktop": (1366, 900), "phone": (390, 844)}
MAIN = "Hän on narkkari."


@pytest.fixture(params=sorted(WIDTHS))
def sized(request: Any, page: Any) -> Any:
    width, height = WIDTHS[request.param]
    page.set_viewport_size({"width": width, "height": height})
    return page


def _label(mark: Any) -> str:
    """The severity name a mark's title starts with."""
    return str(mark.get_attribute("title")).split(":")[0]


def test_the_reviewer_reads_each_texts_marks_under_compose_names(
    sized: Any, members: Any, org: Any
) -> None:
    from kaiku.connections.models import ChannelAccount
    from kaiku.posts.models import Post

    page = sized
    account = ChannelAccount.objects.create(
        organisation=org,
        platform="feed",
        handle=org.slug,
        display_name=org.name,
        settings={"organisation": org.slug},
    )
    day, number = "110692", "275"
    hetu = f"{day}-{number}{CHECK[int(day + number) % 31]}"
    login(page, "editor")
    page.goto(page.base + "/o/toivon-polku/posts/new/")
    page.locator("#id_text").fill(MAIN)
    page.locator("#id_text").press("End")  # a key press runs the live check
    compose_mark = page.locator("#check-results mark.finding").first
    compose_mark.wait_for()
    compose_label = _label(compose_mark)
    compose_badge = page.locator("#check-results .finding-item .badge").first.inner_text()
    page.locator("input.account-choice").first.check()
    page.locator("details.variants summary").click()
    page.locator(f"#id_variant_{account.pk}").fill(f"Tunnus {hetu}.")
    page.locator("#send-button").click()
    page.wait_for_load_state()
    post = Post.objects.get()  # kept as a draft (the henkilötunnus); a reviewer still looks
    Post.objects.filter(pk=post.pk).update(state=Post.State.IN_REVIEW)

    login(page, "reviewer")
    page.goto(page.base + "/o/toivon-polku/")
    open_menu(page)
    page.locator('nav a[href="/o/toivon-polku/review/"]').first.click()
    page.wait_for_load_state()
    page.locator(".post-row a").first.click()
    page.wait_for_load_state()
    main = page.locator('#gate .gate-text[data-target="text"] mark.finding')
    variant = page.locator(f'#gate .gate-text[data-target="variant:{account.pk}"] mark.finding')
    assert main.first.is_visible() and "narkkari" in main.first.inner_text()
    assert variant.first.is_visible() and hetu in variant.first.inner_text()
    assert _label(main.first) == compose_label == compose_badge
    badges = page.locator('#gate .gate-text[data-target="text"] .finding-item .badge')
    assert badges.first.inner_text() == compose_badge
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1, f"{overflow}px wider than the window"
    assert_accessible(page)
