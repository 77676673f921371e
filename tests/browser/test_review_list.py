"""The reviewer's list in the browser at 1366 and 390 px: per post the worst severity and the
counts under the check's severity names, and a link that opens the marked texts."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, login

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("width", [1366, 390])
def test_the_reviewer_sees_the_worst_severity_and_opens_the_marks(
    page: Any, members: Any, org: Any, width: int
) -> None:
    from django.utils import translation

    from kaiku.checks import severity
    from kaiku.posts.models import Post
    from kaiku.posts.services import _gate

    post = Post.objects.create(
        organisation=org, author=members["editor"], text="Hän on narkkari.", state="draft"
    )
    _gate(post, None)  # the check the compose form runs on save
    post.refresh_from_db()
    Post.objects.filter(pk=post.pk).update(state=Post.State.IN_REVIEW)
    worst = next(s for s in severity.ORDER if post.findings_summary.get(s))
    with translation.override("fi"):
        name = severity.label(worst)
    page.set_viewport_size({"width": width, "height": 900})
    login(page, "reviewer")
    page.goto(page.base + "/o/toivon-polku/review/")
    findings = page.locator(".post-row .review-findings")
    expect(findings).to_have_attribute("data-worst", worst)
    expect(findings.locator(f"[data-severity='{worst}']")).to_have_text(
        f"{name}: {post.findings_summary[worst]}"
    )
    page.screenshot(path=f"test-artefacts/review-list-{width}.png", full_page=True)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    assert_accessible(page)
    findings.locator("a.review-marks").click()
    expect(page.locator("#gate mark.finding").first).to_be_visible()
    assert_accessible(page)
