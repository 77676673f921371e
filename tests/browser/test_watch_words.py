"""The watch in people's words (issue 19): the platform by its name, not "feed"; one number
format per language in the rank and its reasons; the source weight explained. At 1366 and
390 px, axe clean."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import assert_accessible, login
from tests.watch.test_views import link_topic, make_item, make_source

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("width", [1366, 390])
def test_the_digest_and_sources_speak_finnish_numbers_and_names(
    page: Any, members: Any, width: int
) -> None:
    from kaiku.organisations.models import Organisation
    from kaiku.watch.models import Topic

    org = Organisation.objects.get(slug="toivon-polku")
    source = make_source(org, weight=1.5)
    topic = Topic.objects.create(organisation=org, name="Mielenterveys", slug="mt")
    link_topic(make_item(org, source, 1, engagement_total=12), topic, 2.0)
    page.set_viewport_size({"width": width, "height": 900})
    login(page, "admin")
    page.goto(page.base + "/o/toivon-polku/watch/")
    item = page.locator(".watch-item").first
    assert "Verkkosyöte" in item.locator("p.small.muted").first.inner_text()
    item.locator("summary").click()
    reasons = item.locator(".watch-reasons").inner_text()
    numbers = re.findall(r"\d+[.,]\d+", reasons)
    assert numbers and all("," in n for n in numbers), reasons
    page.screenshot(path=f"test-artefacts/watch-digest-{width}.png", full_page=True)
    assert_accessible(page)
    page.goto(page.base + "/o/toivon-polku/watch/sources/")
    for weight in (page.locator(f"#w-{source.pk}"), page.locator("#id_weight")):
        help_id = weight.get_attribute("aria-describedby")
        assert help_id
        assert "1 on tavallinen" in page.locator("#" + help_id).inner_text()
    assert_accessible(page)
