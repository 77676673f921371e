"""The watch API: ranked items with paging, sources, adding a source; who may do what."""

from __future__ import annotations

from typing import Any

import pytest

from kaiku.accounts.models import ApiToken
from kaiku.watch.models import Source, Topic
from tests.watch.test_views import link_topic, make_item, make_source

pytestmark = pytest.mark.django_db
ROLES = ("admin", "editor", "reviewer", "viewer")


def auth(user: Any) -> dict[str, str]:
    _, raw = ApiToken.issue(user, "t")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.mark.parametrize("role", ROLES)
def test_every_member_reads_items_and_sources(
    client: Any, members: Any, org: Any, role: str
) -> None:
    make_item(org, make_source(org), 1)
    headers = auth(members[role])
    items = client.get(f"/api/v1/organisations/{org.slug}/watch/items", **headers)
    sources = client.get(f"/api/v1/organisations/{org.slug}/watch/sources", **headers)
    assert items.status_code == 200 and sources.status_code == 200
    assert items.json()["items"][0]["title"] == "Uutinen 1"
    assert sources.json()[0]["title"] == "Lähde"


def test_an_outsider_gets_not_found_from_the_watch_api(client: Any, members: Any, org: Any) -> None:
    headers = auth(members["outsider"])
    for path in ("items", "sources"):
        assert (
            client.get(f"/api/v1/organisations/{org.slug}/watch/{path}", **headers).status_code
            == 404
        )
    assert (
        client.get("/api/v1/watch/items", {"organisation": org.slug}, **headers).status_code == 404
    )


def test_the_api_needs_a_token(client: Any, org: Any) -> None:
    assert client.get(f"/api/v1/organisations/{org.slug}/watch/items").status_code == 401


def test_items_filter_by_topic_and_page(client: Any, members: Any, org: Any) -> None:
    source = make_source(org)
    topic = Topic.objects.create(organisation=org, name="Sote", slug="sote")
    for n in range(5):
        item = make_item(org, source, n)
        if n < 3:
            link_topic(item, topic, 1.0)
    headers = auth(members["viewer"])
    first = client.get(
        "/api/v1/watch/items",
        {"organisation": org.slug, "topic": "sote", "page_size": 2},
        **headers,
    ).json()
    second = client.get(
        f"/api/v1/organisations/{org.slug}/watch/items",
        {"topic": "sote", "page_size": 2, "page": 2},
        **headers,
    ).json()
    assert first["has_next"] and not second["has_next"]
    assert len(first["items"]) == 2 and len(second["items"]) == 1
    assert first["items"][0]["topics"] == ["Sote"]


@pytest.mark.parametrize(
    ("role", "status"),
    [("admin", 201), ("editor", 201), ("reviewer", 403), ("viewer", 403), ("outsider", 404)],
)
def test_only_watch_managers_add_sources_through_the_api(
    client: Any, members: Any, org: Any, role: str, status: int
) -> None:
    response = client.post(
        f"/api/v1/organisations/{org.slug}/watch/sources",
        {"value": "@thl@mastodon.example", "weight": 2},
        content_type="application/json",
        **auth(members[role]),
    )
    assert response.status_code == status
    assert Source.objects.filter(organisation=org).exists() == (status == 201)
    if status == 201:
        assert response.json()["identifier"] == "thl@mastodon.example"


def test_a_refused_source_answers_400_with_the_reason(client: Any, members: Any, org: Any) -> None:
    response = client.post(
        f"/api/v1/organisations/{org.slug}/watch/sources",
        {"value": "kaiku_fi", "kind": "x_account"},
        content_type="application/json",
        **auth(members["admin"]),
    )
    assert response.status_code == 400
    assert "0.005" in response.json()["detail"]
