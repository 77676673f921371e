"""One source through the API: every member reads it, only roles that manage the watch delete
it, an outsider finds nothing, and an id past 64 bits is refused rather than a server error."""

from __future__ import annotations

from typing import Any

import pytest

from kaiku.accounts.models import ApiToken
from kaiku.watch.models import Source
from tests.watch.test_views import make_source

pytestmark = pytest.mark.django_db

BASE = "/api/v1/organisations/toivon-polku/watch/sources"


def auth(user: Any) -> dict[str, str]:
    _, raw = ApiToken.issue(user, "testi")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.mark.parametrize(
    ("who", "read", "delete"),
    [
        ("admin", 200, 204),
        ("editor", 200, 204),
        ("reviewer", 200, 403),
        ("viewer", 200, 403),
        ("outsider", 404, 404),
    ],
)
def test_reading_and_deleting_a_source_follows_the_roles(
    client: Any, members: Any, org: Any, who: str, read: int, delete: int
) -> None:
    source = make_source(org)
    headers = auth(members[who])
    response = client.get(f"{BASE}/{source.pk}", **headers)
    assert response.status_code == read
    if read == 200:
        assert response.json()["url"] == source.url
    assert client.delete(f"{BASE}/{source.pk}", **headers).status_code == delete
    assert Source.objects.filter(pk=source.pk).exists() == (delete != 204)


@pytest.mark.parametrize("source_id", ["0", str(2**63), str(10**30)])
def test_an_id_out_of_range_is_refused_as_json(
    client: Any, members: Any, org: Any, source_id: str
) -> None:
    response = client.get(f"{BASE}/{source_id}", **auth(members["viewer"]))
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/json")
