from __future__ import annotations

from typing import Any

import pytest

from kaiku.accounts.models import ApiToken

pytestmark = pytest.mark.django_db

ALL = ("admin", "editor", "reviewer", "viewer")


@pytest.fixture
def bearer(members: Any) -> Any:
    def make(who: str) -> dict[str, str]:
        _, raw = ApiToken.issue(members[who], "testi")
        return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    return make


def test_without_a_token_the_api_answers_401(client: Any, members: Any) -> None:
    assert client.get("/api/v1/organisations").status_code == 401
    assert client.get("/api/v1/organisations", HTTP_AUTHORIZATION="Bearer nope").status_code == 401


@pytest.mark.parametrize("who", [*ALL, "outsider"])
def test_organisation_endpoints_for_each_role(client: Any, bearer: Any, who: str) -> None:
    headers = bearer(who)
    own = client.get("/api/v1/organisations/toivon-polku", **headers)
    listed = client.get("/api/v1/organisations/toivon-polku/members", **headers)
    if who == "outsider":
        assert own.status_code == 404
        assert listed.status_code == 404
        return
    assert own.status_code == 200
    assert own.json()["role"] == who
    assert listed.status_code == 200
    emails = {m["username"]: m["email"] for m in listed.json()}
    assert set(emails) == set(ALL)
    assert bool(emails["viewer"]) == (who == "admin")  # addresses only for those who manage


def test_the_list_shows_only_the_callers_organisations(client: Any, bearer: Any) -> None:
    body = client.get("/api/v1/organisations", **bearer("outsider")).json()
    assert [o["slug"] for o in body] == ["muu-yhdistys"]


def test_health_is_open_and_openapi_is_served(client: Any, members: Any) -> None:
    health = client.get("/api/v1/health")
    assert health.status_code == 200
    assert health.json()["database"]["ok"] is True
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    assert "/api/v1/organisations/{slug}/members" in schema.json()["paths"]
    assert client.get("/api/v1/docs").status_code == 200
