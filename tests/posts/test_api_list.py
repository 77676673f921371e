"""GET /api/v1/organisations/{slug}/posts: filters, pages, deliveries, isolation, queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kaiku.accounts.models import ApiToken
from kaiku.connections.models import ChannelAccount
from kaiku.organisations.models import Organisation
from kaiku.posts.models import Post
from kaiku.publishing.models import Delivery

pytestmark = pytest.mark.django_db

ORG = "/api/v1/organisations/toivon-polku"
MARCH = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def api(members: Any) -> Any:
    def headers(who: str) -> dict[str, str]:
        _, raw = ApiToken.issue(members[who], "testi")
        return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    return headers


def account(org: Any, platform: str, handle: str) -> ChannelAccount:
    return ChannelAccount.objects.create(organisation=org, platform=platform, handle=handle)


def post(
    org: Any,
    text: str,
    *,
    state: str = Post.State.DRAFT,
    when: datetime | None = None,
    on: tuple[ChannelAccount, ...] = (),
    published_at: datetime | None = None,
) -> Post:
    made = Post.objects.create(organisation=org, text=text, state=state, scheduled_at=when)
    for a in on:
        Delivery.objects.create(
            post=made,
            account=a,
            state=Delivery.State.PUBLISHED if published_at else Delivery.State.SCHEDULED,
            published_at=published_at,
            remote_url=f"https://{a.platform}.example/{made.pk}" if published_at else "",
        )
    return made


def texts(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [p["text"] for p in response.json()["items"]]


def test_a_member_lists_the_posts_newest_first_with_their_deliveries(api: Any, org: Any) -> None:
    masto = account(org, "mastodon", "@kaiku@masto.example")
    feed = account(org, "feed", "toivon-polku")
    post(org, "Ensimmäinen")
    post(org, "Toinen", state=Post.State.DONE, on=(masto, feed), published_at=MARCH)
    response = Client().get(f"{ORG}/posts", **api("viewer"))
    assert texts(response) == ["Toinen", "Ensimmäinen"]
    first = response.json()["items"][0]
    assert first["organisation"] == "toivon-polku"
    pk = Post.objects.get(text="Toinen").pk
    assert [(d["platform"], d["state"], d["remote_url"]) for d in first["deliveries"]] == [
        ("feed", "published", f"https://feed.example/{pk}"),
        ("mastodon", "published", f"https://mastodon.example/{pk}"),
    ]
    assert response.json()["next"] is None


def test_the_list_filters_by_state_channel_and_time(api: Any, org: Any) -> None:
    masto = account(org, "mastodon", "@kaiku@masto.example")
    bsky = account(org, "bluesky", "kaiku.bsky.example")
    post(org, "Luonnos")
    post(org, "Maaliskuu", state=Post.State.SCHEDULED, when=MARCH, on=(masto,))
    post(org, "Huhtikuu", state=Post.State.SCHEDULED, when=MARCH + timedelta(days=30), on=(bsky,))
    post(org, "Heti", state=Post.State.DONE, on=(bsky,), published_at=MARCH + timedelta(days=1))
    c, h = Client(), api("editor")
    assert texts(c.get(f"{ORG}/posts", {"state": "draft"}, **h)) == ["Luonnos"]
    assert texts(c.get(f"{ORG}/posts", {"state": "scheduled,done"}, **h)) == [
        "Heti",
        "Huhtikuu",
        "Maaliskuu",
    ]
    assert texts(c.get(f"{ORG}/posts", {"channel": "mastodon"}, **h)) == ["Maaliskuu"]
    assert texts(c.get(f"{ORG}/posts", {"channel": str(bsky.public_id)}, **h)) == [
        "Heti",
        "Huhtikuu",
    ]
    march = {"from": "2026-03-01", "to": "2026-04-01T00:00:00+03:00"}
    assert texts(c.get(f"{ORG}/posts", march, **h)) == ["Heti", "Maaliskuu"]
    assert texts(c.get(f"{ORG}/posts", {"from": "2026-03-20T00:00:00Z"}, **h)) == ["Huhtikuu"]
    assert texts(c.get(f"{ORG}/posts", {**march, "channel": "bluesky"}, **h)) == ["Heti"]


def test_pages_follow_the_next_link_without_gaps_or_repeats(api: Any, org: Any) -> None:
    for n in range(7):
        post(org, f"Julkaisu {n}", state=Post.State.SCHEDULED, when=MARCH)
    post(org, "Luonnos")
    c, h = Client(), api("viewer")
    url: str | None = f"{ORG}/posts?state=scheduled&limit=3"
    seen: list[str] = []
    while url:
        response = c.get(url, **h)
        seen += texts(response)
        url = response.json()["next"]
        if url:
            assert "state=scheduled" in url and "limit=3" in url
            url = urlsplit(url).path + "?" + urlsplit(url).query
    assert seen == [f"Julkaisu {n}" for n in reversed(range(7))]


def test_a_post_made_while_paging_does_not_shift_the_next_page(api: Any, org: Any) -> None:
    for n in range(4):
        post(org, f"Vanha {n}")
    c, h = Client(), api("viewer")
    first = c.get(f"{ORG}/posts", {"limit": 2}, **h)
    post(org, "Uusi välissä")
    second = c.get(first.json()["next"], **h)
    assert texts(first) + texts(second) == ["Vanha 3", "Vanha 2", "Vanha 1", "Vanha 0"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"state": "published"}, "Unknown state 'published'"),
        ({"channel": "myspace"}, "Unknown channel 'myspace'"),
        ({"channel": "00000000-0000-0000-0000-000000000000"}, "not a channel of this"),
        ({"from": "maaliskuussa"}, "from: 'maaliskuussa' is not an ISO 8601"),
        ({"to": "2026-13-01"}, "to: '2026-13-01' is not an ISO 8601"),
        ({"from": "2026-03-29T03:30:00"}, "is not a time that exists"),
        ({"from": "2026-04-01", "to": "2026-03-01"}, "from must be before to"),
        ({"limit": "0"}, "limit: '0' is not a whole number from 1 to 200"),
        ({"limit": "kaikki"}, "limit: 'kaikki'"),
        ({"cursor": "abc"}, "cursor: not a cursor of this list"),
    ],
)
def test_a_filter_value_that_cannot_be_read_is_refused_with_400(
    api: Any, org: Any, params: dict[str, str], message: str
) -> None:
    response = Client().get(f"{ORG}/posts", params, **api("viewer"))
    assert response.status_code == 400
    assert message in response.json()["detail"]


def test_another_organisations_posts_and_channels_stay_out_of_the_list(
    api: Any, org: Any, members: Any
) -> None:
    other = Organisation.objects.get(slug="muu-yhdistys")
    theirs = account(other, "mastodon", "@muu@masto.example")
    post(other, "Muun yhdistyksen", state=Post.State.SCHEDULED, when=MARCH, on=(theirs,))
    post(org, "Oma")
    c = Client()
    assert texts(c.get(f"{ORG}/posts", **api("viewer"))) == ["Oma"]
    assert texts(c.get(f"{ORG}/posts", {"channel": "mastodon"}, **api("viewer"))) == []
    # Their channel id is unknown here, and their list is not ours to read.
    refused = c.get(f"{ORG}/posts", {"channel": str(theirs.public_id)}, **api("viewer"))
    assert refused.status_code == 400
    assert c.get("/api/v1/organisations/muu-yhdistys/posts", **api("viewer")).status_code == 404
    assert texts(c.get("/api/v1/organisations/muu-yhdistys/posts", **api("outsider"))) == [
        "Muun yhdistyksen"
    ]


def test_deleted_posts_are_not_listed(api: Any, org: Any) -> None:
    gone = post(org, "Poistettu")
    Post.objects.filter(pk=gone.pk).update(deleted_at=MARCH)
    post(org, "Jäljellä")
    assert texts(Client().get(f"{ORG}/posts", **api("viewer"))) == ["Jäljellä"]


def test_a_page_costs_the_same_queries_with_5_or_50_posts(api: Any, org: Any) -> None:
    accounts = [account(org, p, f"h{p}") for p in ("mastodon", "bluesky", "feed", "linkedin")]
    c, h = Client(), api("viewer")
    c.get(f"{ORG}/posts", **h)  # the token's last use is written once a minute

    def count(n: int) -> int:
        Post.objects.all().delete()
        for i in range(n):
            post(org, f"P{i}", state=Post.State.DONE, on=tuple(accounts), published_at=MARCH)
        with CaptureQueriesContext(connection) as queries:
            response = c.get(f"{ORG}/posts", {"limit": 50, "channel": "mastodon"}, **h)
        assert len(response.json()["items"]) == n
        assert all(len(p["deliveries"]) == 4 for p in response.json()["items"])
        return len(queries)

    few, many = count(5), count(50)
    assert few == many <= 5


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.dictionaries(
        st.sampled_from(["state", "channel", "from", "to", "limit", "cursor"]),
        st.text(max_size=30).map(lambda s: s.replace("\x00", "")),
        max_size=4,
    )
)
def test_any_filter_values_answer_200_or_400(api: Any, org: Any, params: dict[str, str]) -> None:
    response = Client().get(f"{ORG}/posts", params, **api("viewer"))
    assert response.status_code in (200, 400), response.content
    assert "detail" in response.json() or "items" in response.json()
