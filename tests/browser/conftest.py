"""Browser tests: Debian's Chromium driven by Playwright, against a live Kaiku server."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls in fixtures are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: run `make test` (it installs it)")
    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    context = browser.new_context(locale="fi-FI", timezone_id="Europe/Helsinki")
    context.set_default_timeout(10_000)
    pg = context.new_page()
    pg.base = live_server.url  # type: ignore[attr-defined]
    yield pg
    context.close()


def login(page: Any, username: str, password: str | None = None) -> None:
    from tests.conftest import PASSWORD

    page.goto(page.base + "/accounts/login/")
    page.get_by_label("Käyttäjätunnus").fill(username)
    page.get_by_label("Salasana").fill(password or PASSWORD)
    page.get_by_role("button", name="Kirjaudu sisään").click()
    page.wait_for_load_state()


def assert_accessible(page: Any) -> None:
    """axe-core finds no WCAG 2.1 A/AA violation on the page as it is now."""
    # Evaluated through the DevTools protocol: the page's Content-Security-Policy refuses an
    # injected inline <script>, as it should, but does not apply to the test's own evaluation.
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(f"() => {{ {AXE}\n }}")
    result = page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"""
    )
    problems = [
        f"{v['id']}: {v['help']} ({', '.join(n['target'][0] for n in v['nodes'][:3])})"
        for v in result["violations"]
    ]
    assert not problems, f"{page.url}: " + "; ".join(problems)


def open_menu(page: Any) -> None:
    """On a phone the menu is folded into a <details>: open it (a no-op on a wide screen,
    where it is open already)."""
    toggle = page.locator("summary.menu-toggle")
    if toggle.is_visible() and page.locator("details.site-menu[open]").count() == 0:
        toggle.click()
