"""The watch pages: who may see and change what, and what each page shows."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kaiku.watch.ingest import rank
from kaiku.watch.models import Item, ItemSource, ItemState, ItemTopic, Source, Topic

pytestmark = pytest.mark.django_db

PAGES = ("", "sources/", "topics/", "debate/", "discover/", "sources/opml/")
ROLES = ("admin", "editor", "reviewer", "viewer")


def make_source(org: Any, name: str = "Lähde", **kw: Any) -> Source:
    defaults: dict[str, Any] = {"kind": "feed", "url": f"https://example.test/{name}.xml"}
    defaults.update(kw)
    return Source.objects.create(organisation=org, title=name, **defaults)


def make_item(org: Any, source: Source, n: int, **kw: Any) -> Item:
    defaults: dict[str, Any] = {
        "guid": f"https://example.test/{source.pk}/{n}",
        "url": f"https://example.test/{source.pk}/{n}",
        "title": f"Uutinen {n}",
        "text": f"Teksti {n} mielenterveyspalveluista",
        "platform": "feed",
        "language": "fi",
        "published_at": timezone.now() - timedelta(hours=1),
    }
    defaults.update(kw)
    item = Item.objects.create(organisation=org, **defaults)
    ItemSource.objects.create(item=item, source=source)
    rank.refresh([item.pk])  # as the ingest does for an item it links to a source
    item.refresh_from_db()
    return item


def link_topic(item: Item, topic: Topic, score: float) -> ItemTopic:
    """An item matched to a topic, as topic matching leaves it (the rank refreshed)."""
    link = ItemTopic.objects.create(item=item, topic=topic, score=score)
    rank.refresh([item.pk])
    return link


def url(org: Any, page: str = "") -> str:
    return f"/o/{org.slug}/watch/{page}"


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", ROLES)
def test_every_member_can_open_every_watch_page(
    client_for: Any, org: Any, role: str, page: str
) -> None:
    assert client_for(role).get(url(org, page)).status_code == 200


@pytest.mark.parametrize("page", PAGES)
def test_an_outsider_gets_not_found_on_every_watch_page(
    client_for: Any, org: Any, page: str
) -> None:
    assert client_for("outsider").get(url(org, page)).status_code == 404


@pytest.mark.parametrize("page", PAGES)
def test_an_anonymous_visitor_is_sent_to_log_in(client: Any, org: Any, page: str) -> None:
    response = client.get(url(org, page))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("role", "status"),
    [("admin", 302), ("editor", 302), ("reviewer", 403), ("viewer", 403), ("outsider", 404)],
)
def test_only_watch_managers_can_add_a_source(
    client_for: Any, org: Any, role: str, status: int
) -> None:
    response = client_for(role).post(
        url(org, "sources/add/"),
        {"value": "@kaiku@mastodon.example", "kind": "", "weight": "2", "poll_interval": "3600"},
    )
    assert response.status_code == status
    assert Source.objects.filter(organisation=org).exists() == (status == 302)


@pytest.mark.parametrize(
    "action", ["sources/{id}/toggle/", "sources/{id}/delete/", "sources/fetch/", "sources/starter/"]
)
@pytest.mark.parametrize(
    ("role", "status"), [("editor", 302), ("reviewer", 403), ("viewer", 403), ("outsider", 404)]
)
def test_only_watch_managers_can_change_sources(
    client_for: Any, org: Any, role: str, status: int, action: str
) -> None:
    source = make_source(org)
    response = client_for(role).post(url(org, action.format(id=source.pk)))
    assert response.status_code == status


def test_a_manager_edits_a_sources_weight_interval_and_enabled(client_for: Any, org: Any) -> None:
    source = make_source(org)
    response = client_for("editor").post(
        url(org, f"sources/{source.pk}/edit/"), {"weight": "2.5", "poll_interval": "1800"}
    )
    assert response.status_code == 302
    source.refresh_from_db()
    assert (source.weight, source.poll_interval, source.enabled) == (2.5, 1800, False)


def test_the_sources_page_shows_each_sources_error_in_finnish(client_for: Any, org: Any) -> None:
    make_source(org, last_error_code="dns_failed", last_error_params={"host": "esimerkki.test"})
    page = client_for("viewer").get(url(org, "sources/"), HTTP_ACCEPT_LANGUAGE="fi")
    assert "esimerkki.test" in page.content.decode()


def test_adding_an_x_account_without_a_plan_explains_the_cost(client_for: Any, org: Any) -> None:
    response = client_for("admin").post(
        url(org, "sources/add/"),
        {"value": "kaiku_fi", "kind": "x_account", "weight": "1", "poll_interval": "3600"},
    )
    assert response.status_code == 400
    assert "0.005" in response.content.decode()
    assert not Source.objects.exists()


def test_opml_exports_and_imports_back(client_for: Any, org: Any, other_org: Any) -> None:
    make_source(org, "Ensimmäinen")
    make_source(org, "Toinen", weight=3.0)
    exported = client_for("viewer").get(url(org, "sources/opml/"))
    assert exported["Content-Disposition"].startswith("attachment")
    from django.core.files.uploadedfile import SimpleUploadedFile

    Source.objects.filter(organisation=org).delete()
    upload = SimpleUploadedFile("lahteet.opml", exported.content, content_type="text/x-opml")
    response = client_for("admin").post(url(org, "sources/opml/import/"), {"file": upload})
    assert response.status_code == 302
    assert set(Source.objects.filter(organisation=org).values_list("title", "weight")) == {
        ("Ensimmäinen", 1.0),
        ("Toinen", 3.0),
    }


def test_importing_mastodon_accounts_adds_them(client_for: Any, org: Any) -> None:
    client_for("editor").post(
        url(org, "sources/mastodon/import/"),
        {"accounts": "@yksi@mastodon.example\n# kommentti\n@kaksi@mastodon.example"},
    )
    assert Source.objects.filter(organisation=org, kind="mastodon_account").count() == 2


def test_fetch_now_queues_a_poll_per_enabled_source(client_for: Any, org: Any) -> None:
    from kaiku.jobs.models import Job

    make_source(org, "a")
    make_source(org, "b", enabled=False)
    client_for("editor").post(url(org, "sources/fetch/"))
    assert Job.objects.filter(kind="watch.poll").count() == 1


def test_the_digest_lists_items_with_their_reasons(client_for: Any, org: Any) -> None:
    source = make_source(org)
    topic = Topic.objects.create(organisation=org, name="Mielenterveys", slug="mt")
    item = make_item(org, source, 1, engagement_total=12)
    link_topic(item, topic, 2.0)
    body = client_for("viewer").get(url(org), HTTP_ACCEPT_LANGUAGE="fi").content.decode()
    assert "Uutinen 1" in body
    assert "Mielenterveys" in body
    assert "watch-reasons" in body


def test_the_digest_filters_by_topic_platform_language_and_search(
    client_for: Any, org: Any
) -> None:
    source = make_source(org)
    topic = Topic.objects.create(organisation=org, name="Päihteet", slug="paihteet")
    a = make_item(org, source, 1, title="Päihdepalvelut", lemmas=" päihdepalvelu ")
    link_topic(a, topic, 1.0)
    make_item(org, source, 2, title="Swedish", language="sv", platform="mastodon")
    c = client_for("viewer")
    assert "Swedish" not in c.get(url(org), {"topic": "paihteet"}).content.decode()
    assert "Päihdepalvelut" not in c.get(url(org), {"language": "sv"}).content.decode()
    assert "Päihdepalvelut" not in c.get(url(org), {"platform": "mastodon"}).content.decode()
    assert "Swedish" not in c.get(url(org), {"q": "päihdepalveluista"}).content.decode()


def test_the_digest_pages_with_next_and_previous_links(client_for: Any, org: Any) -> None:
    source = make_source(org)
    for n in range(30):
        make_item(org, source, n)
    c = client_for("viewer")
    first = c.get(url(org)).content.decode()
    second = c.get(url(org), {"page": 2}).content.decode()
    assert 'rel="next"' in first and 'rel="prev"' in second
    assert second.count("data-item=") == 5


def test_an_htmx_filter_request_gets_only_the_list(client_for: Any, org: Any) -> None:
    body = client_for("viewer").get(url(org), HTTP_HX_REQUEST="true").content.decode()
    assert body.lstrip().startswith('<div id="digest-items">')


def test_a_reader_stars_and_reads_an_item_only_for_themselves(
    client_for: Any, org: Any, members: Any
) -> None:
    item = make_item(org, make_source(org), 1)
    c = client_for("viewer")
    c.post(url(org, f"items/{item.pk}/mark/"), {"mark": "starred", "value": "1"})
    response = c.post(
        url(org, f"items/{item.pk}/mark/"), {"mark": "read", "value": "1"}, HTTP_HX_REQUEST="true"
    )
    assert 'aria-pressed="true"' in response.content.decode()
    state = ItemState.objects.get(user=members["viewer"], item=item)
    assert state.starred and state.read
    assert not ItemState.objects.filter(user=members["editor"]).exists()
    starred = c.get(url(org), {"state": "starred"}).content.decode()
    assert "Uutinen 1" in starred
    assert (
        "Uutinen 1" not in client_for("editor").get(url(org), {"state": "starred"}).content.decode()
    )
    assert "Uutinen 1" not in c.get(url(org), {"state": "unread"}).content.decode()


def test_an_outsider_cannot_mark_another_organisations_item(client_for: Any, org: Any) -> None:
    item = make_item(org, make_source(org), 1)
    response = client_for("outsider").post(
        url(org, f"items/{item.pk}/mark/"), {"mark": "starred", "value": "1"}
    )
    assert response.status_code == 404
    assert not ItemState.objects.exists()


def test_the_debate_view_offers_a_reply_draft_with_the_post_quoted(
    client_for: Any, org: Any
) -> None:
    source = make_source(
        org, kind="mastodon_account", url="https://m.example/@a", identifier="a@m.example"
    )
    topic = Topic.objects.create(organisation=org, name="Päihteet", slug="paihteet")
    item = make_item(
        org,
        source,
        1,
        platform="mastodon",
        text="Narkkarit pitäisi",
        engagement_total=40,
        stigma_findings_count=1,
        author_handle="a@m.example",
    )
    link_topic(item, topic, 1.0)
    body = client_for("editor").get(url(org, "debate/")).content.decode()
    assert "/posts/new/?reply_to=https%3A%2F%2Fexample.test" in body
    assert "text=Narkkarit+pitäisi" in body or "text=Narkkarit+pit%C3%A4isi" in body
    viewer = client_for("viewer").get(url(org, "debate/")).content.decode()
    assert "Narkkarit" in viewer and "reply_to=" not in viewer


@pytest.mark.parametrize("page", ["", "sources/", "discover/"])
def test_watch_list_pages_use_a_fixed_number_of_queries(
    client_for: Any, org: Any, page: str
) -> None:
    c = client_for("viewer")

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(url(org, page)).status_code == 200
        return len(ctx.captured_queries)

    topic = Topic.objects.create(organisation=org, name="Aihe", slug="aihe")

    def add(n: int) -> None:
        source = make_source(org, f"s{n}")
        for k in range(3):
            item = make_item(org, source, k, mentioned_accounts=[f"mastodon:u{n}{k}@m.example"])
            link_topic(item, topic, 1.0)

    add(0)
    queries()  # the first visit records the organisation in the session
    few = queries()
    for n in range(1, 8):
        add(n)
    assert queries() == few


def test_the_digest_names_the_platform_and_writes_every_number_the_finnish_way(
    client_for: Any, org: Any
) -> None:
    # On main: "· feed" as the platform, and "Pisteet: 3.51" in the reasons beside "Sija 3,51".
    source = make_source(org)
    topic = Topic.objects.create(organisation=org, name="Mielenterveys", slug="mt")
    source.weight = 1.5
    source.save(update_fields=["weight"])
    item = make_item(org, source, 1, engagement_total=12)
    link_topic(item, topic, 2.0)
    body = client_for("viewer").get(url(org)).content.decode()
    meta = re.search(r'watch-item-title.*?<p class="small muted">(.*?)</p>', body, re.S)
    assert meta is not None and "Verkkosyöte" in meta.group(1)
    assert not re.search(r"·\s*feed\b", body)
    reasons = re.search(r'<details class="watch-reasons">(.*?)</details>', body, re.S)
    assert reasons is not None
    numbers = re.findall(r"\d+[.,]\d+", reasons.group(1))
    assert numbers and all("," in n for n in numbers), numbers
    assert "painoarvo: 1,5" in reasons.group(1)


def test_the_sources_page_explains_the_weight(client_for: Any, org: Any) -> None:
    source = make_source(org)
    body = client_for("admin").get(url(org, "sources/")).content.decode()
    assert f'aria-describedby="w-help-{source.pk}"' in body
    assert "1 on tavallinen, 2 kaksinkertainen" in body
