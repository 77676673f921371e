"""Every organisation route, read from the URL configuration, × every role, an outsider and an
anonymous visitor; every object id in a route is an object of ANOTHER organisation.

The routes are not listed by hand: a route added later is in the matrix at once. What must hold:
- an anonymous visitor is sent to the login page, and an outsider gets 404, on every route (a
  POST-only view may refuse a GET with 405 first, which shows nothing either);
- a member never gets a server error, on GET or POST;
- a member who names another organisation's object (post, delivery, image, channel, source,
  topic, term, membership, invitation, watch item) in its own organisation's address gets 403,
  404 or 405, never a page or a success, and that object is unchanged afterwards;
- every API route under an organisation answers 404 to an outsider's token.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

ROLES = ("admin", "editor", "reviewer", "viewer")
_PARAM = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")


def _routes(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def _org_routes() -> list[str]:
    return sorted({r for r in _routes(get_resolver().url_patterns) if r.startswith("o/<")})


def _api_org_routes() -> list[str]:
    routes = _routes(get_resolver().url_patterns)
    return sorted({r for r in routes if r.startswith("api/v1/organisations/<slug>")})


ORG_ROUTES = _org_routes()
API_ROUTES = _api_org_routes()


@pytest.fixture
def foreign(members: dict[str, Any]) -> dict[str, Any]:
    """One object of each kind in the outsider's organisation."""
    from kaiku.checks.models import OrganisationTerm
    from kaiku.connections.models import ChannelAccount
    from kaiku.organisations.models import Invitation, Membership, Organisation
    from kaiku.posts.models import Post, PostImage
    from kaiku.publishing.models import Delivery
    from kaiku.watch.models import Item, Source, Topic

    other = Organisation.objects.get(slug="muu-yhdistys")
    account = ChannelAccount.objects.create(
        organisation=other, platform="feed", handle="muu", settings={"organisation": "muu"}
    )
    post = Post.objects.create(organisation=other, author=members["outsider"], text="Muiden.")
    delivery = Delivery.objects.create(post=post, account=account)
    image = PostImage.objects.create(post=post, file="posts/x.png", mime="image/png")
    source = Source.objects.create(
        organisation=other, kind="feed", url="https://muu.example/feed.xml"
    )
    topic = Topic.objects.create(organisation=other, name="Muiden aihe", slug="muiden-aihe")
    term = OrganisationTerm.objects.create(organisation=other, kind="add", language="fi", word="x")
    item = Item.objects.create(organisation=other, guid="muu:1", title="Muiden uutinen")
    invitation = Invitation.objects.create(organisation=other, email="kutsuttu@example.test")
    membership = Membership.objects.get(organisation=other, user=members["outsider"])
    return {
        "post_id": post.public_id,
        "delivery_id": delivery.public_id,
        "account_id": account.public_id,
        "image_id": image.pk,
        "source_id": source.pk,
        "topic_id": topic.pk,
        "term_id": term.pk,
        "item_id": item.pk,
        "inv_id": invitation.pk,
        "member_id": membership.pk,
        "_rows": [post, delivery, account, image, source, topic, term, item, invitation],
    }


def _fill(route: str, values: dict[str, Any]) -> str:
    def value(match: re.Match[str]) -> str:
        name, conv = match.group("name"), match.group("conv")
        if name in ("org", "slug"):
            return "toivon-polku"
        if name in values:
            return str(values[name])
        if conv == "uuid":
            return str(uuid.uuid4())
        if conv == "int":
            return "999999"
        if name == "platform":
            return "mastodon"
        if name == "name":
            return "meta"
        return "x"

    return "/" + _PARAM.sub(value, route)


def _snapshot(rows: list[Any]) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        fresh = type(row).objects.filter(pk=row.pk).values().first()
        out.append(fresh or {"deleted": row.pk})
    return out


def test_the_matrix_covers_the_routes_of_the_whole_application() -> None:
    # A guard that the walk finds the routes at all: posts, calendar, watch, checks, members.
    assert len(ORG_ROUTES) >= 55, ORG_ROUTES
    for part in ("posts/", "calendar/", "watch/", "check/", "members/", "channels/"):
        assert any(part in r for r in ORG_ROUTES), part
    assert len(API_ROUTES) >= 6, API_ROUTES


@pytest.mark.parametrize("route", ORG_ROUTES)
def test_anonymous_visitors_and_outsiders_get_nothing_on_any_route(
    client: Any, members: dict[str, Any], foreign: dict[str, Any], route: str
) -> None:
    url = _fill(route, foreign)
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        # 405: a POST-only view refuses a GET before anything else (and so shows nothing).
        assert response.status_code in (302, 405), (method, url, response.status_code)
        if response.status_code == 302:
            assert "/accounts/login/" in response["Location"]
    outsider = Client()
    outsider.force_login(members["outsider"])
    for method in ("get", "post"):
        response = getattr(outsider, method)(url)
        assert response.status_code in (404, 405), (method, url, response.status_code)
    # The method the view takes reaches the organisation lookup: 404, never the view.
    response = outsider.post(url)
    assert response.status_code == 404, (url, response.status_code)


@pytest.mark.parametrize("route", ORG_ROUTES)
@pytest.mark.parametrize("role", ROLES)
def test_no_member_reaches_another_organisations_object_or_a_server_error(
    members: dict[str, Any], foreign: dict[str, Any], route: str, role: str
) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(members[role])
    url = _fill(route, foreign)
    names = {m.group("name") for m in _PARAM.finditer(route)} - {"org", "slug"}
    names_foreign = names & set(foreign)
    before = _snapshot(foreign["_rows"])
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        assert response.status_code < 500, (role, method, url, response.status_code)
        if names_foreign:
            assert response.status_code in (403, 404, 405), (role, method, url)
    assert _snapshot(foreign["_rows"]) == before, (role, url)


@pytest.mark.parametrize("route", API_ROUTES)
def test_every_organisation_api_route_answers_404_to_an_outsiders_token(
    client: Any, members: dict[str, Any], foreign: dict[str, Any], route: str
) -> None:
    from kaiku.accounts.models import ApiToken

    _, raw = ApiToken.issue(members["outsider"], "matriisi")
    url = _fill(route, {"post_id": uuid.uuid4(), "source_id": 1})
    # A body that the schema accepts, so that only the organisation can refuse it.
    body: dict[str, Any] = {"text": "Hei.", "accounts": [str(uuid.uuid4())]}
    if "/watch/sources" in route:
        body = {"value": "https://muu.example/feed.xml"}
    for method in ("get", "post", "delete"):
        response = getattr(client, method)(
            url, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}"
        )
        assert response.status_code in (404, 405), (method, url, response.status_code)
        if response.status_code == 404:
            assert response["Content-Type"].startswith("application/json"), url
