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


@pytest.mark.parametrize("width", [1366, 390])
def test_the_posts_list_says_published_for_a_published_post(
    page: Any, members: Any, width: int
) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from kaiku.connections.models import ChannelAccount
    from kaiku.organisations.models import Organisation
    from kaiku.posts.models import Post
    from kaiku.publishing.models import Delivery

    org = Organisation.objects.get(slug="toivon-polku")
    account = ChannelAccount.objects.create(
        organisation=org, platform="feed", handle=org.slug, settings={"organisation": org.slug}
    )
    post = Post.objects.create(
        organisation=org,
        author=members["editor"],
        text="Avoimet ovet olivat eilen.",
        state=Post.State.DONE,
        scheduled_at=datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Europe/Helsinki")),
    )
    Delivery.objects.create(post=post, account=account, state=Delivery.State.PUBLISHED)
    page.set_viewport_size({"width": width, "height": 900})
    login(page, "editor")
    page.goto(page.base + "/o/toivon-polku/posts/")
    when = page.locator(f"[data-post='{post.public_id}'] .post-when").inner_text()
    assert when == "Julkaistu 1.12.2026 10.00"
    page.screenshot(path=f"test-artefacts/posts-list-published-{width}.png", full_page=True)
    assert_accessible(page)
