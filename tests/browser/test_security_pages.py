"""The API docs work offline and ask no third party; pages work under the Content-Security-Policy
(no script or style the policy refuses), at desktop and phone widths."""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import assert_accessible, login, open_menu
from tests.conftest import make_user

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = [(1366, 900), (390, 844)]


def _loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _watch(page: Any) -> tuple[list[str], list[str]]:
    """Block every request that leaves this machine; collect them and any CSP violation."""
    blocked: list[str] = []
    violations: list[str] = []

    def route(r: Any) -> None:
        url = r.request.url
        if url.startswith(("data:", "blob:")) or _loopback(url):
            r.continue_()
        else:
            blocked.append(url)
            r.abort()

    page.context.route("**/*", route)
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return blocked, violations


@pytest.mark.parametrize(("width", "height"), WIDTHS)
def test_the_api_docs_list_the_operations_with_nothing_from_outside(
    page: Any, width: int, height: int
) -> None:
    page.set_viewport_size({"width": width, "height": height})
    blocked, violations = _watch(page)
    page.goto(page.base + "/api/v1/docs")
    page.locator(".opblock").first.wait_for()
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/v1/organisations/{slug}/posts" in [p.replace("\u200b", "") for p in paths]
    assert page.locator(".opblock").count() >= 10
    # No axe check here: Swagger UI's own markup fails two rules (contrast of its version
    # stamp, a button nested in its operation summary) that Kaiku cannot change in a bundle.
    assert blocked == []
    assert violations == []


@pytest.mark.parametrize(("width", "height"), WIDTHS)
def test_the_pages_that_use_scripts_run_them_under_the_policy(
    page: Any, members: Any, org: Any, width: int, height: int
) -> None:
    from kaiku.organisations.models import Membership, Organisation

    second = Organisation.objects.create(name="Toinen Yhdistys ry", slug="toinen")
    Membership.objects.create(organisation=second, user=members["editor"], role="editor")
    page.set_viewport_size({"width": width, "height": height})
    blocked, violations = _watch(page)
    login(page, "editor")
    for path in (
        "/o/toivon-polku/posts/new/",
        "/o/toivon-polku/calendar/",
        "/o/toivon-polku/check/",
    ):
        page.goto(page.base + path)
        page.wait_for_load_state("networkidle")
        assert_accessible(page)
    # The organisation switcher (an on* handler before) now runs from site.js.
    page.goto(page.base + "/o/toivon-polku/")
    open_menu(page)
    page.locator("#org-select").select_option("toinen")
    page.wait_for_url("**/o/toinen/")
    assert violations == []
    assert blocked == []


def test_an_injected_inline_script_does_not_run(page: Any, members: Any) -> None:
    make_user("lukija")
    page.goto(page.base + "/accounts/login/")
    ran = page.evaluate(
        """() => new Promise(resolve => {
            window.__ran = false;
            const s = document.createElement('script');
            s.textContent = 'window.__ran = true';
            document.body.appendChild(s);
            setTimeout(() => resolve(window.__ran), 200);
        })"""
    )
    assert ran is False
