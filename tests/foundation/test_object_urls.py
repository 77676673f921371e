"""Every address that names an object by id answers 404 when the object is another
organisation's, to a member whose role may do everything there: the object is as unknown as
one that does not exist (the route matrix also lets 403 and 405 pass; here the per-object
access helpers must answer, not the role check). The routes are read from the URL
configuration, so a new object address is covered at once."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import Client

from tests.foundation.test_route_matrix import _PARAM, ORG_ROUTES, _fill, _snapshot, foreign

pytestmark = pytest.mark.django_db

__all__ = ["foreign"]  # the fixture: one object of each kind in the other organisation

# The names of the object ids the fixture fills in (every other parameter is not an object).
OBJECT_IDS = {
    "post_id",
    "delivery_id",
    "account_id",
    "image_id",
    "source_id",
    "topic_id",
    "term_id",
    "item_id",
    "inv_id",
    "member_id",
}
OBJECT_ROUTES = [
    r for r in ORG_ROUTES if {m.group("name") for m in _PARAM.finditer(r)} & OBJECT_IDS
]


def test_every_object_route_is_in_this_test() -> None:
    # A guard that the walk finds them: posts, deliveries, images, channels, the watch's
    # sources, topics and items, the check's terms, invitations and members.
    assert len(OBJECT_ROUTES) >= 20, OBJECT_ROUTES
    named = {m.group("name") for r in OBJECT_ROUTES for m in _PARAM.finditer(r)}
    assert named >= OBJECT_IDS, OBJECT_IDS - named


@pytest.mark.parametrize("route", OBJECT_ROUTES)
def test_another_organisations_object_answers_404_to_an_admin(
    members: dict[str, Any], foreign: dict[str, Any], route: str
) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(members["admin"])
    url = _fill(route, foreign)
    before = _snapshot(foreign["_rows"])
    answers = {method: getattr(client, method)(url).status_code for method in ("get", "post")}
    # 405: the view does not take that method at all (and so shows nothing).
    assert set(answers.values()) <= {404, 405}, (url, answers)
    assert 404 in answers.values(), (url, answers)
    assert _snapshot(foreign["_rows"]) == before, url


@pytest.mark.parametrize("method", ["get", "delete"])
def test_another_organisations_post_answers_404_in_the_api(
    members: dict[str, Any], foreign: dict[str, Any], method: str
) -> None:
    from kaiku.accounts.models import ApiToken

    _, raw = ApiToken.issue(members["admin"], "matriisi")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    client = Client()
    for post_id in (foreign["post_id"], uuid.uuid4()):
        url = f"/api/v1/organisations/toivon-polku/posts/{post_id}"
        response = getattr(client, method)(url, **headers)
        assert response.status_code == 404, (method, post_id, response.status_code)
    assert _snapshot(foreign["_rows"][:1])[0]["deleted_at"] is None
