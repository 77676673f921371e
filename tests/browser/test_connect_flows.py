"""Each platform's connect flow in the browser, up to the platform's own sign-in page.

The platforms' pages are not reachable here: the browser's request to them is intercepted
and its address checked (the organisation's app id, our callback, a state value, and for the
platforms that use it a PKCE challenge). Mastodon registers Kaiku at the instance first; the
instance is the local Mastodon-shaped server, whose authorize page redirects back to Kaiku."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser.conftest import assert_accessible, login

pytestmark = pytest.mark.django_db(transaction=True)

PLATFORMS = {
    # platform: (form values, where the browser is sent, whether PKCE is used)
    "facebook": ({"app_id": "1234567890", "app_secret": "salaisuus"}, "facebook.com", False),
    "instagram": ({"app_id": "1234567890", "app_secret": "salaisuus"}, "facebook.com", False),
    "threads": ({"app_id": "1234567890", "app_secret": "salaisuus"}, "threads.", False),
    "x": ({"client_id": "x-client-id"}, "x.com", True),
    "linkedin": (
        {"client_id": "li-client-id", "client_secret": "salaisuus"},
        "linkedin.com",
        False,
    ),
}


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
def test_the_connect_form_sends_the_admin_to_the_platform_with_our_callback(
    page: Any, members: Any, platform: str
) -> None:
    values, host, pkce = PLATFORMS[platform]
    seen: list[str] = []

    def platform_page(route: Any) -> None:
        if not route.request.url.startswith("https://"):
            route.continue_()
            return
        seen.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<title>sign-in</title>")

    page.route("**/*", platform_page)
    login(page, "admin")
    page.goto(page.base + "/o/toivon-polku/channels/")
    assert_accessible(page)
    for name, value in values.items():
        page.locator(f'[name="{platform}-{name}"]').fill(value)
    page.locator(f'button[name="connect"][value="{platform}"]').click()
    page.wait_for_url(lambda url: url.startswith("https://"))
    assert seen, "the browser was not sent to the platform"
    url = urlsplit(seen[0])
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert host in url.netloc
    assert query["redirect_uri"].endswith(f"/o/toivon-polku/channels/{platform}/callback/")
    assert query["state"]
    assert set(values.values()) & set(query.values())  # the organisation's own app id
    assert ("code_challenge" in query) == pkce


def test_connecting_mastodon_registers_kaiku_and_comes_back_connected(
    page: Any, members: Any, settings: Any, live_server: Any
) -> None:
    from kaiku.connections.models import ChannelAccount
    from tests.channels.mastodon.server import start_server

    settings.PUBLIC_URL = live_server.url  # the callback the instance sends the browser back to
    server, base_url = start_server()
    try:
        login(page, "admin")
        page.goto(page.base + "/o/toivon-polku/channels/")
        page.locator('[name="mastodon-instance"]').fill(base_url)
        page.locator('button[name="connect"][value="mastodon"]').click()
        page.wait_for_url("**/o/toivon-polku/channels/**")
        assert ChannelAccount.objects.filter(platform="mastodon", status="active").count() == 1
        assert page.locator("#channel-accounts tbody tr[data-status='active']").count() == 1
        assert_accessible(page)
    finally:
        server.stop()
