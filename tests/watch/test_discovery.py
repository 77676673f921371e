"""Suggested accounts: counted across sources, followed ones left out, following them."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from kaiku.watch.features import discovery
from kaiku.watch.models import Source
from tests.watch.test_views import make_item, make_source

pytestmark = pytest.mark.django_db


def test_an_account_mentioned_by_several_sources_comes_first(org: Any) -> None:
    sources = [make_source(org, f"s{n}") for n in range(3)]
    for n, source in enumerate(sources):
        make_item(org, source, n, mentioned_accounts=["mastodon:thl@mastodon.example"])
    make_item(org, sources[0], 9, mentioned_accounts=["bluesky:yksi.bsky.social"])
    found = discovery.suggestions(org)
    assert [(s.account, s.source_count) for s in found] == [
        ("mastodon:thl@mastodon.example", 3),
        ("bluesky:yksi.bsky.social", 1),
    ]
    from django.utils import translation

    with translation.override("en"):
        assert found[0].reason == "Mentioned by 3 of your sources"
        assert found[1].reason == "Mentioned by 1 of your sources"


def test_accounts_already_followed_are_left_out(org: Any) -> None:
    make_source(
        org,
        "thl",
        kind="mastodon_account",
        url="https://mastodon.example/@thl",
        identifier="thl@mastodon.example",
    )
    make_source(
        org,
        "b",
        kind="bluesky_account",
        url="https://public.api.bsky.app",
        identifier="yksi.bsky.social",
    )
    feed = make_source(org, "feed")
    make_item(
        org,
        feed,
        1,
        mentioned_accounts=[
            "mastodon:thl@mastodon.example",
            "bluesky:yksi.bsky.social",
            "x:uusi_tili",
        ],
    )
    assert [s.account for s in discovery.suggestions(org)] == ["x:uusi_tili"]


def test_another_organisations_items_do_not_count(org: Any, other_org: Any) -> None:
    make_item(other_org, make_source(other_org), 1, mentioned_accounts=["x:toinen"])
    assert discovery.suggestions(org) == []


def test_follow_adds_the_account_as_a_watch_source(client_for: Any, org: Any) -> None:
    make_item(org, make_source(org), 1, mentioned_accounts=["mastodon:thl@mastodon.example"])
    page = client_for("viewer").get(f"/o/{org.slug}/watch/discover/").content.decode()
    assert "@thl@mastodon.example" in page
    response = client_for("editor").post(
        f"/o/{org.slug}/watch/discover/follow/",
        {"account": "mastodon:thl@mastodon.example", "where": "watch"},
    )
    assert response.status_code == 302
    source = Source.objects.get(organisation=org, kind="mastodon_account")
    assert source.identifier == "thl@mastodon.example"
    assert discovery.suggestions(org) == []


@pytest.mark.parametrize(
    ("role", "status"), [("reviewer", 403), ("viewer", 403), ("outsider", 404)]
)
def test_only_watch_managers_can_follow(client_for: Any, org: Any, role: str, status: int) -> None:
    response = client_for(role).post(
        f"/o/{org.slug}/watch/discover/follow/", {"account": "x:tili", "where": "watch"}
    )
    assert response.status_code == status
    assert not Source.objects.exists()


def test_following_an_x_account_without_a_plan_shows_the_cost(client_for: Any, org: Any) -> None:
    response = client_for("admin").post(
        f"/o/{org.slug}/watch/discover/follow/",
        {"account": "x:tili", "where": "watch"},
        follow=True,
    )
    assert "0.005" in response.content.decode()
    assert not Source.objects.exists()


class MastodonStub:
    """GET /api/v1/accounts/lookup and POST /api/v1/accounts/:id/follow, as documented at
    https://docs.joinmastodon.org/methods/accounts/ (the shared test server has no follow)."""

    def __init__(self) -> None:
        self.follows: list[str] = []
        self.tokens: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.tokens.append(request.headers.get("Authorization", ""))
        if request.method == "GET" and request.url.path == "/api/v1/accounts/lookup":
            if request.url.params["acct"] != "thl@mastodon.example":
                return httpx.Response(404, json={"error": "Record not found"})
            return httpx.Response(
                200, json={"id": "4242", "username": "thl", "acct": "thl@mastodon.example"}
            )
        if request.method == "POST" and request.url.path == "/api/v1/accounts/4242/follow":
            self.follows.append("4242")
            return httpx.Response(200, content=json.dumps({"id": "4242", "following": True}))
        return httpx.Response(404, json={"error": "Record not found"})


def _mastodon_channel(org: Any) -> Any:
    from kaiku.posts.models import ChannelAccount

    channel = ChannelAccount(
        organisation=org,
        platform="mastodon",
        handle="@toivonpolku@m.test",
        base_url="https://m.test",
    )
    channel.set_credentials({"access_token": "tok-1"})
    channel.save()
    return channel


def test_follow_on_mastodon_looks_the_account_up_and_follows_it(org: Any) -> None:
    stub = MastodonStub()
    channel = _mastodon_channel(org)
    remote = discovery.follow_on_platform(
        org, "mastodon:thl@mastodon.example", channel.pk, transport=httpx.MockTransport(stub)
    )
    assert remote == "4242" and stub.follows == ["4242"]
    assert set(stub.tokens) == {"Bearer tok-1"}


def test_follow_on_mastodon_explains_an_unknown_account(org: Any) -> None:
    channel = _mastodon_channel(org)
    with pytest.raises(discovery.FollowRefused):
        discovery.follow_on_platform(
            org,
            "mastodon:ei@ole.example",
            channel.pk,
            transport=httpx.MockTransport(MastodonStub()),
        )


def test_follow_on_a_platform_needs_an_account_of_the_same_platform(org: Any) -> None:
    channel = _mastodon_channel(org)
    with pytest.raises(discovery.FollowRefused):
        discovery.follow_on_platform(org, "bluesky:yksi.bsky.social", channel.pk)
