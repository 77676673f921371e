"""A phone is a first-class screen: no page scrolls sideways at 360 px, the menu folds away.

The pages are not listed by hand: every GET route of the URL configuration is filled with an
object of the admin's own organisation (a demo organisation with posts, sources, topics, watch
items and a channel), asked for with Django's test client, and each one that answers with an
HTML page is then opened in Chromium at 360 px. A page added later is measured at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 360, "height": 740}
_PARAM = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")
# Routes that change state on a GET or end the session are not pages to measure.
_SKIP = ("logout", "api/", "admin/", "static/", "media/", ".ics", "feed.xml", "atom", "rss")


def _routes(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


@pytest.fixture
def demo(org: Any) -> dict[str, Any]:
    """The demo organisation (posts, a channel, topics) with sources and digest items added."""
    from kaiku.core.demo import create_demo
    from kaiku.posts.models import Post
    from kaiku.publishing.models import Delivery
    from kaiku.watch.models import Item, ItemSource, Source, Topic

    demo_org, username, password = create_demo()
    long = "https://uutiset.example/" + "hyvinvointialueet-ja-mielenterveyspalvelut/" * 3
    sources = [
        Source.objects.create(
            organisation=demo_org,
            kind="feed",
            url=f"{long}{n}/feed.xml",
            title=f"Sosiaali- ja terveysalan järjestöuutiset {n}",
            site_url=f"{long}{n}/",
        )
        for n in range(3)
    ]
    for n in range(6):
        item = Item.objects.create(
            organisation=demo_org,
            guid=f"{long}uutinen/{n}",
            url=f"{long}uutinen/{n}",
            title=f"Mielenterveyspalvelujen jonot kasvavat hyvinvointialueilla {n}",
            text="Mielenterveyspalvelut ja terapiatakuu puhuttavat järjestöissä. " * 4,
            platform="feed",
            language="fi",
            lemmas="mielenterveyspalvelu jono hyvinvointialue terapiatakuu",
            published_at=timezone.now() - timedelta(hours=n + 1),
            topic_points=3.5 - n / 10,
            rank_key=3.5 - n / 10,
        )
        ItemSource.objects.create(item=item, source=sources[n % 3])
    post = Post.objects.filter(organisation=demo_org).first()
    delivery = Delivery.objects.filter(post__organisation=demo_org).first()
    return {
        "org": demo_org,
        "username": username,
        "password": password,
        "post_id": post.public_id if post else "x",
        "delivery_id": delivery.public_id if delivery else "x",
        "account_id": demo_org.channel_accounts.first().public_id,
        "source_id": sources[0].pk,
        "topic_id": Topic.objects.filter(organisation=demo_org).first().pk,  # type: ignore[union-attr]
        "item_id": Item.objects.filter(organisation=demo_org).first().pk,  # type: ignore[union-attr]
        "member_id": demo_org.memberships.first().pk,
    }


def _fill(route: str, values: dict[str, Any]) -> str | None:
    missing = False

    def value(match: re.Match[str]) -> str:
        nonlocal missing
        name = match.group("name")
        if name in ("org", "slug"):
            return str(values["org"].slug)
        if name in values:
            return str(values[name])
        if name == "platform":
            return "mastodon"
        missing = True
        return "x"

    path = "/" + _PARAM.sub(value, route)
    return None if missing else path


def user_pages(values: dict[str, Any]) -> list[str]:
    """Every route that shows the signed-in admin an HTML page, filled with their own objects."""
    client = Client()
    assert client.login(username=values["username"], password=values["password"])
    pages = []
    for route in sorted(set(_routes(get_resolver().url_patterns))):
        if any(word in route for word in _SKIP) or "(?P" in route or "^" in route:
            continue
        path = _fill(route, values)
        if path is None:
            continue
        response = client.get(path)
        if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
            pages.append(path)
    return pages


# The innermost elements that reach past the screen's right edge: what to fix on a wide page.
_OFFENDERS = """() => {
  const out = [];
  const clipped = (el) => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== 'visible') return true;
    }
    return false;
  };
  for (const el of document.querySelectorAll('body *')) {
    if (clipped(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.right > window.innerWidth + 1 && r.width > 0
        && ![...el.children].some(c => c.getBoundingClientRect().right > window.innerWidth + 1)) {
      out.push(el.tagName.toLowerCase() + (el.className ? '.' + el.className : '')
        + ' ' + Math.round(r.right));
    }
  }
  return out.slice(0, 6);
}"""


def login_as(page: Any, username: str, password: str) -> None:
    page.goto(page.base + "/accounts/login/")
    page.get_by_label("Käyttäjätunnus").fill(username)
    page.get_by_label("Salasana").fill(password)
    page.get_by_role("button", name="Kirjaudu sisään").click()
    page.wait_for_load_state()


def test_no_page_scrolls_sideways_at_360_px(page: Any, demo: dict[str, Any]) -> None:
    pages = user_pages(demo)
    # The digest, calendar, sources and topics pages are among them, and the list is long.
    assert len(pages) >= 25, pages
    for needed in ("/watch/", "/calendar/", "/watch/sources/", "/watch/topics/", "/posts/new/"):
        assert any(p.endswith(needed) for p in pages), (needed, pages)
    page.set_viewport_size(PHONE)
    login_as(page, demo["username"], demo["password"])
    widths: dict[str, int] = {}
    widths_why: dict[str, list[str]] = {}
    for path in pages:
        page.goto(page.base + path)
        widths[path] = page.evaluate("() => document.scrollingElement.scrollWidth")
        if widths[path] > PHONE["width"]:
            widths_why[path] = page.evaluate(_OFFENDERS)
    widest = max(widths, key=lambda p: widths[p])
    print(f"\n{len(pages)} pages at 360 px; widest {widest}: {widths[widest]} px")
    too_wide = {p: w for p, w in widths.items() if w > PHONE["width"]}
    for path, width in sorted(too_wide.items(), key=lambda pw: -pw[1]):
        print(f"  {width} px  {path} {widths_why[path]}")
    assert not too_wide, {p: (w, widths_why[p]) for p, w in too_wide.items()}


def test_the_menu_is_folded_on_a_phone_and_opens_without_javascript(
    browser: Any, live_server: Any, demo: dict[str, Any]
) -> None:
    context = browser.new_context(
        locale="fi-FI", viewport={"width": 390, "height": 844}, java_script_enabled=False
    )
    page = context.new_page()
    page.base = live_server.url
    login_as(page, demo["username"], demo["password"])
    slug = demo["org"].slug
    page.goto(f"{page.base}/o/{slug}/posts/")
    menu = page.locator("nav.site-nav")
    log_out = page.get_by_role("button", name="Kirjaudu ulos")
    # Folded: the page's own heading is in the first screen, the links and logout are not shown.
    expect(menu.get_by_role("link", name="Kalenteri")).not_to_be_visible()
    expect(log_out).not_to_be_visible()
    heading = page.locator("main h1").bounding_box()
    assert heading and heading["y"] < 200, heading
    page.locator("summary.menu-toggle").click()
    expect(menu.get_by_role("link", name="Kalenteri")).to_be_visible()
    expect(log_out).to_be_visible()
    context.close()


@pytest.mark.parametrize("width", [1366, 390])
def test_the_menu_is_open_on_a_desktop_and_folded_on_a_phone(
    page: Any, demo: dict[str, Any], width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    login_as(page, demo["username"], demo["password"])
    page.goto(f"{page.base}/o/{demo['org'].slug}/calendar/")
    link = page.locator("nav.site-nav").get_by_role("link", name="Kalenteri")
    assert link.is_visible() is (width == 1366)
    assert_accessible(page)
    if width == 390:
        toggle = page.locator("summary.menu-toggle")
        toggle.click()
        expect(link).to_be_visible()
        assert_accessible(page)
    page.screenshot(path=f"/tmp/kaiku-menu-{width}.png", full_page=False)


def test_kaiku_is_installable_with_a_manifest_and_icons(page: Any, demo: dict[str, Any]) -> None:
    login_as(page, demo["username"], demo["password"])
    href = page.locator("link[rel=manifest]").get_attribute("href")
    assert href
    manifest_url = page.base + href
    response = page.request.get(manifest_url)
    assert response.ok
    manifest = response.json()
    assert manifest["display"] == "standalone"
    assert manifest["start_url"] == "/"
    sizes = set()
    for icon in manifest["icons"]:
        icon_response = page.request.get(manifest_url.rsplit("/", 1)[0] + "/" + icon["src"])
        assert icon_response.ok, icon["src"]
        if icon["type"] == "image/png":
            body = icon_response.body()
            assert body[:8] == b"\x89PNG\r\n\x1a\n"
            width = int.from_bytes(body[16:20], "big")
            assert icon["sizes"] == f"{width}x{width}"
            sizes.add(width)
    # Chromium's install criteria: a 192 and a 512 pixel icon.
    assert {192, 512} <= sizes
    icon_href = page.locator("link[rel=icon]").get_attribute("href")
    assert page.request.get(page.base + icon_href).ok


FLAGGED = "Asiakkaamme Matti Virtanen sairastaa masennusta. Hän on narkkari."


@pytest.mark.parametrize("width", [1366, 390])
def test_compose_shows_the_findings_near_the_text_with_a_summary(
    page: Any, demo: dict[str, Any], width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 844})
    login_as(page, demo["username"], demo["password"])
    page.goto(f"{page.base}/o/{demo['org'].slug}/posts/new/")
    page.locator("#id_text").fill(FLAGGED)
    page.locator("#check-results li.finding-item").first.wait_for()
    text = page.locator("#id_text").bounding_box()
    findings = page.locator("#check-results").bounding_box()
    send = page.locator("#send-button").bounding_box()
    assert text and findings and send
    if width == 390:
        # Just under the text box (not ~1,900 px below it) and before the send button.
        assert 0 <= findings["y"] - (text["y"] + text["height"]) < 150, (text, findings)
        assert findings["y"] < send["y"]
        sticky = page.locator("#check-sticky")
        expect(sticky).to_be_visible()
        assert sticky.get_attribute("data-worst") == "block"
        count = page.locator("#check-results li.finding-item").count()
        assert str(count) in sticky.inner_text()
        assert "Must be checked" not in sticky.inner_text()
        # While the channels and the send button are being used, the summary stays on screen.
        page.locator("#send-button").scroll_into_view_if_needed()
        box = sticky.bounding_box()
        assert box and 0 <= box["y"] < 844
        assert page.evaluate("() => document.scrollingElement.scrollWidth") <= width
    else:
        # Side by side on a desktop: the findings beside the text, the summary not needed.
        assert findings["x"] > text["x"] + text["width"]
        expect(page.locator("#check-sticky")).not_to_be_visible()
    assert_accessible(page)
    page.screenshot(path=f"/tmp/kaiku-compose-{width}.png", full_page=False)


def test_the_installed_app_shows_an_offline_page_when_the_network_is_gone(
    page: Any, demo: dict[str, Any]
) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    login_as(page, demo["username"], demo["password"])
    page.goto(f"{page.base}/o/{demo['org'].slug}/")
    scope = page.evaluate("async () => (await navigator.serviceWorker.ready).active.scriptURL")
    assert scope.endswith("/sw.js")
    page.context.set_offline(True)
    try:
        page.goto(f"{page.base}/o/{demo['org'].slug}/posts/")
        assert page.locator("h1").inner_text() == "Ei yhteyttä"
        expect(page.get_by_role("link", name="Yritä uudelleen")).to_be_visible()
        assert page.evaluate("() => document.scrollingElement.scrollWidth") <= 390
    finally:
        page.context.set_offline(False)
    page.goto(f"{page.base}/offline/")
    assert_accessible(page)
