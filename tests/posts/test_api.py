"""The posts and channels API: permissions per role, creating, reading and deleting posts."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client

from kaiku.accounts.models import ApiToken
from kaiku.posts.models import Post
from kaiku.publishing.models import Delivery
from tests.posts.conftest import run_jobs
from tests.posts.view_helpers import fake_account, install_fake

pytestmark = pytest.mark.django_db

ORG = "/api/v1/organisations/toivon-polku"


@pytest.fixture(autouse=True)
def _fake(monkeypatch: Any) -> None:
    install_fake(monkeypatch)


@pytest.fixture
def api(members: Any) -> Any:
    """``api("editor")`` gives the headers of a bearer token of that member."""

    def headers(who: str) -> dict[str, str]:
        _, raw = ApiToken.issue(members[who], "testi")
        return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    return headers


def _post_json(client: Client, url: str, data: dict[str, Any], headers: dict[str, str]) -> Any:
    return client.post(url, json.dumps(data), content_type="application/json", **headers)


@pytest.mark.parametrize(
    ("who", "status"),
    [("admin", 201), ("editor", 201), ("reviewer", 403), ("viewer", 403), ("outsider", 404)],
)
def test_only_roles_that_edit_posts_may_create_one(
    api: Any, feed_account: Any, who: str, status: int
) -> None:
    data = {"text": "Tervetuloa!", "accounts": [str(feed_account.public_id)]}
    response = _post_json(Client(), f"{ORG}/posts", data, api(who))
    assert response.status_code == status
    assert Post.objects.exists() == (status == 201)


@pytest.mark.parametrize(
    ("who", "status"),
    [("admin", 200), ("editor", 200), ("reviewer", 200), ("viewer", 200), ("outsider", 404)],
)
def test_every_member_may_read_a_post_and_the_channels(
    api: Any, org: Any, members: Any, feed_account: Any, who: str, status: int
) -> None:
    post = Post.objects.create(organisation=org, author=members["editor"], text="Luettava")
    Delivery.objects.create(post=post, account=feed_account)
    client = Client()
    assert client.get(f"{ORG}/posts/{post.public_id}", **api(who)).status_code == status
    assert client.get(f"{ORG}/channels", **api(who)).status_code == status


@pytest.mark.parametrize(
    ("who", "status"),
    [("admin", 200), ("editor", 200), ("reviewer", 403), ("viewer", 403), ("outsider", 404)],
)
def test_only_roles_that_edit_posts_may_delete_one(
    api: Any, org: Any, members: Any, who: str, status: int
) -> None:
    post = Post.objects.create(organisation=org, author=members["editor"], text="Poistettava")
    response = Client().delete(f"{ORG}/posts/{post.public_id}", **api(who))
    assert response.status_code == status


def test_without_a_token_the_api_answers_401(feed_account: Any) -> None:
    assert Client().get(f"{ORG}/channels").status_code == 401


def test_creating_a_post_checks_it_schedules_it_and_answers_with_its_deliveries(
    api: Any, org: Any, feed_account: Any
) -> None:
    fake = fake_account(org)
    data = {
        "text": "Narkkarit ovat ihmisiä. Tervetuloa kahville!",
        "accounts": [str(feed_account.public_id), str(fake.public_id)],
        "variants": {str(fake.public_id): "Lyhyt versio"},
        "link": "https://example.org/kahvila",
        "scheduled_at": None,
    }
    response = _post_json(Client(), f"{ORG}/posts", data, api("editor"))
    assert response.status_code == 201
    body = response.json()
    post = Post.objects.get()
    assert body["id"] == str(post.public_id)
    assert body["state"] == "scheduled"
    assert body["link"] == "https://example.org/kahvila"
    assert {d["platform"]: d["state"] for d in body["deliveries"]} == {
        "fake": "scheduled",
        "feed": "scheduled",
    }
    assert any(f["kind"] == "stigma" for f in body["findings"])
    assert post.deliveries.get(account=fake).text_override == "Lyhyt versio"


def test_a_post_can_also_be_created_with_the_organisation_in_the_body(
    api: Any, feed_account: Any
) -> None:
    data = {
        "organisation": "toivon-polku",
        "text": "Tervetuloa!",
        "accounts": [str(feed_account.public_id)],
    }
    response = _post_json(Client(), "/api/v1/posts", data, api("editor"))
    assert response.status_code == 201
    assert response.json()["organisation"] == "toivon-polku"
    outsider = _post_json(Client(), "/api/v1/posts", data, api("outsider"))
    assert outsider.status_code == 404


def test_a_time_without_an_offset_is_read_in_the_persons_time_zone(
    api: Any, feed_account: Any
) -> None:
    data = {
        "text": "Ajastettu",
        "accounts": [str(feed_account.public_id)],
        "scheduled_at": "2030-07-01T12:00:00",
    }
    body = _post_json(Client(), f"{ORG}/posts", data, api("editor")).json()
    assert Post.objects.get().scheduled_at == datetime(2030, 7, 1, 9, 0, tzinfo=UTC)
    assert body["deliveries"][0]["state"] == "scheduled"


def test_a_post_revealing_a_client_goes_to_review(api: Any, feed_account: Any) -> None:
    data = {
        "text": "Asiakkaamme Matti Virtanen sairastaa masennusta ja kertoi tarinansa.",
        "accounts": [str(feed_account.public_id)],
    }
    body = _post_json(Client(), f"{ORG}/posts", data, api("editor")).json()
    assert body["state"] == "in_review"
    assert body["review_required_reason"] == "privacy_block"
    assert any(f["severity"] == "block" for f in body["findings"])


@pytest.mark.parametrize(
    "data",
    [
        {"text": "Ei kanavaa", "accounts": []},
        {"text": "Tuntematon", "accounts": ["00000000-0000-0000-0000-000000000000"]},
        {"text": "", "accounts": ["FEED"]},
        {"text": "Huono linkki", "accounts": ["FEED"], "link": "javascript:alert(1)"},
        {"text": "Mennyt", "accounts": ["FEED"], "scheduled_at": "2020-01-01T12:00:00Z"},
    ],
)
def test_an_invalid_post_is_refused_with_422(
    api: Any, feed_account: Any, data: dict[str, Any]
) -> None:
    data = {
        **data,
        "accounts": [str(feed_account.public_id) if a == "FEED" else a for a in data["accounts"]],
    }
    response = _post_json(Client(), f"{ORG}/posts", data, api("editor"))
    assert response.status_code == 422
    assert not Post.objects.exists()


def test_an_account_of_another_organisation_cannot_be_used(api: Any, other_org: Any) -> None:
    theirs = fake_account(other_org)
    data = {"text": "Väärä", "accounts": [str(theirs.public_id)]}
    assert _post_json(Client(), f"{ORG}/posts", data, api("editor")).status_code == 422


def test_reading_a_post_shows_each_delivery_its_link_and_its_last_error(
    api: Any, org: Any, members: Any, feed_account: Any
) -> None:
    fake = fake_account(org)
    data = {"text": "Julkaistaan", "accounts": [str(feed_account.public_id)]}
    created = _post_json(Client(), f"{ORG}/posts", data, api("editor")).json()
    run_jobs()
    post = Post.objects.get()
    Delivery.objects.create(
        post=post,
        account=fake,
        state=Delivery.State.FAILED,
        attempts=2,
        last_error_code="invalid",
        last_error_detail="bad hashtag",
    )
    body = Client().get(f"{ORG}/posts/{created['id']}", **api("viewer")).json()
    by_platform = {d["platform"]: d for d in body["deliveries"]}
    assert by_platform["feed"]["state"] == "published"
    assert by_platform["feed"]["remote_url"].endswith(
        f"/f/toivon-polku/{post.deliveries.get(account=feed_account).remote_id}/"
    )
    assert by_platform["fake"]["state"] == "failed"
    assert by_platform["fake"]["attempts"] == 2
    assert "bad hashtag" in by_platform["fake"]["error"]


def test_deleting_a_post_lists_what_had_already_gone_out(
    api: Any, org: Any, feed_account: Any
) -> None:
    data = {"text": "Julkaistaan ja poistetaan", "accounts": [str(feed_account.public_id)]}
    created = _post_json(Client(), f"{ORG}/posts", data, api("editor")).json()
    run_jobs()
    response = Client().delete(f"{ORG}/posts/{created['id']}", **api("editor"))
    assert response.status_code == 200
    body = response.json()
    assert body["deleted"] is True
    assert [d["platform"] for d in body["already_published"]] == ["feed"]
    assert Client().get(f"{ORG}/posts/{created['id']}", **api("editor")).status_code == 404


def test_the_channels_list_shows_status_and_limits(api: Any, org: Any, feed_account: Any) -> None:
    fake_account(org, status="needs_reconnect", status_message="token revoked")
    body = Client().get(f"{ORG}/channels", **api("viewer")).json()
    by_platform = {c["platform"]: c for c in body}
    assert by_platform["feed"]["status"] == "active"
    assert by_platform["feed"]["label"] == "Kaiku-syöte"
    assert by_platform["fake"]["status"] == "needs_reconnect"
    assert by_platform["fake"]["max_chars"] == 60
    assert by_platform["fake"]["threads"] is True
