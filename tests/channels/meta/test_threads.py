"""The Threads connector against the local Threads API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kaiku.channels.base import ChannelError, Failure, PublishedPart, Redirect
from kaiku.channels.threads.connector import SCOPES, ThreadsConnector
from tests.channels.meta.api import THREADS_USER_ID
from tests.channels.meta.conftest import CALLBACK, MakeImage, MakePost, follow_dialog
from tests.channels.meta.server import MetaServer

PUBLISH = f"/v1.0/{THREADS_USER_ID}/threads_publish"
CB = CALLBACK.format(platform="threads")


def test_connect_gets_a_long_lived_token_and_its_expiry(
    meta: MetaServer, threads_cls: type[ThreadsConnector]
) -> None:
    form = {"app_id": meta.api.app_id, "app_secret": meta.api.app_secret}
    redirect = threads_cls.start_connect(form, CB)
    assert isinstance(redirect, Redirect)
    assert redirect.url.startswith(meta.threads_authorize_url + "?")
    assert ",".join(SCOPES) in redirect.url.replace("%2C", ",")

    setup = threads_cls.finish_connect(redirect.state, follow_dialog(redirect, CB), CB)

    assert setup.handle == "@toivonpolku"
    assert setup.settings["user_id"] == THREADS_USER_ID
    assert setup.expires_at is not None
    assert timedelta(days=59) < setup.expires_at - datetime.now(UTC) < timedelta(days=61)
    assert setup.credentials["expires_at"] == setup.expires_at.isoformat()
    token = meta.api.tokens[setup.credentials["access_token"]]
    assert token.expires_at is not None and token.expires_at > datetime.now(UTC).timestamp() + 3600


def test_publish_text_with_a_link_attachment(
    meta: MetaServer, threads: ThreadsConnector, make_post: MakePost
) -> None:
    part = threads.publish_part(make_post("Lue lisää", link="https://t.fi/r"), 0, [])

    (thread,) = meta.api.threads
    assert part.remote_id == thread["id"]
    assert part.url == thread["permalink"]
    assert (thread["text"], thread["link_attachment_url"]) == ("Lue lisää", "https://t.fi/r")


def test_publish_thread_chains_parts_as_replies(
    meta: MetaServer, threads: ThreadsConnector, make_post: MakePost
) -> None:
    post = make_post("Osa 1/3", "Osa 2/3", "Osa 3/3")
    earlier: list[PublishedPart] = []

    for index in range(3):
        earlier.append(threads.publish_part(post, index, list(earlier)))

    first, second, third = meta.api.threads
    assert first["reply_to"] == ""
    assert second["reply_to"] == first["id"]
    assert third["reply_to"] == second["id"]
    # Replies are counted against the reply quota.
    limits = meta.requests_to("GET", f"/v1.0/{THREADS_USER_ID}/threads_publishing_limit")
    assert [r.args["fields"] for r in limits][1] == "reply_quota_usage,reply_config"


def test_publish_image_with_alt_text_and_carousel(
    meta: MetaServer, threads: ThreadsConnector, make_post: MakePost, png: MakeImage
) -> None:
    meta.api.container_polls = 1
    threads.publish_part(make_post("Yksi kuva", images=(png("Metsä"),)), 0, [])
    threads.publish_part(make_post("Kaksi kuvaa", images=(png("A"), png("B"))), 0, [])

    single, carousel = meta.api.threads
    assert (single["media_type"], single["alt_text"]) == ("IMAGE", "Metsä")
    assert carousel["media_type"] == "CAROUSEL_ALBUM"
    assert len(carousel["children"]["data"]) == 2


def test_too_long_and_no_public_url_are_refused_before_sending(
    meta: MetaServer, threads: ThreadsConnector, make_post: MakePost, png: MakeImage
) -> None:
    with pytest.raises(ChannelError) as long_text:
        threads.publish_part(make_post("a" * 501), 0, [])
    with pytest.raises(ChannelError) as no_url:
        threads.publish_part(make_post("Kuva", images=(png("A", public=False),)), 0, [])

    assert long_text.value.code == "too_long"
    assert no_url.value.code == "no_public_url"
    assert meta.requests == []


def test_used_up_quota_is_refused_as_rate_limited(
    meta: MetaServer, threads: ThreadsConnector, make_post: MakePost
) -> None:
    meta.api.threads_quota_total = 1
    threads.publish_part(make_post("Eka"), 0, [])

    with pytest.raises(ChannelError) as caught:
        threads.publish_part(make_post("Toka"), 0, [])

    assert (caught.value.failure, caught.value.code) == (Failure.RATE_LIMITED, "quota_used")


@pytest.mark.parametrize(
    ("scripted", "failure"),
    [
        (401, Failure.AUTH),
        (429, Failure.RATE_LIMITED),
        (500, Failure.UNKNOWN_OUTCOME),
        ("drop_after_apply", Failure.UNKNOWN_OUTCOME),
        (400, Failure.PERMANENT),
    ],
)
def test_publish_errors_map_to_what_the_engine_does_next(
    meta: MetaServer,
    threads: ThreadsConnector,
    make_post: MakePost,
    scripted: int | str,
    failure: Failure,
) -> None:
    meta.script(f"POST {PUBLISH}", [scripted])

    with pytest.raises(ChannelError) as caught:
        threads.publish_part(make_post("Hei"), 0, [])

    assert caught.value.failure is failure


def test_reconcile_finds_a_lost_reply_under_its_parent_only(
    meta: MetaServer, threads: ThreadsConnector, make_post: MakePost
) -> None:
    post = make_post("Alku", "Jatko", created_at=datetime.now(UTC))
    first = threads.publish_part(post, 0, [])
    meta.script(f"POST {PUBLISH}", ["drop_after_apply"])
    with pytest.raises(ChannelError):
        threads.publish_part(post, 1, [first])

    found = threads.reconcile(post, 1, [first])
    elsewhere = threads.reconcile(post, 1, [PublishedPart(0, "999", "")])

    assert found is not None and found.remote_id == meta.api.threads[1]["id"]
    assert elsewhere is None
    assert threads.reconcile(make_post("Ei ole", created_at=datetime.now(UTC)), 0, []) is None


def test_refresh_renews_the_token_and_saves_it_at_once(
    meta: MetaServer, threads: ThreadsConnector, saved: list[dict[str, object]]
) -> None:
    old = threads.account.credentials["access_token"]

    assert threads.refresh_credentials() is True

    (credentials,) = saved
    assert credentials["access_token"] != old
    assert credentials["access_token"] in meta.api.tokens
    expires = datetime.fromisoformat(str(credentials["expires_at"]))
    assert expires - datetime.now(UTC) > timedelta(days=59)
    assert threads.account.credentials == credentials
    assert ThreadsConnector.renew_before_days == 14


def test_refresh_of_an_expired_token_fails_as_auth(
    meta: MetaServer, threads: ThreadsConnector, saved: list[dict[str, object]]
) -> None:
    meta.api.expire(threads.account.credentials["access_token"])

    with pytest.raises(ChannelError) as caught:
        threads.refresh_credentials()

    assert caught.value.failure is Failure.AUTH
    assert saved == []


def test_delete_removes_the_post_and_a_second_delete_is_harmless(
    meta: MetaServer, threads: ThreadsConnector, make_post: MakePost
) -> None:
    part = threads.publish_part(make_post("Mitattava"), 0, [])

    threads.delete(part.remote_id)
    threads.delete(part.remote_id)

    assert meta.api.threads == []


@pytest.mark.django_db
def test_daily_job_renews_a_token_two_weeks_before_it_expires(meta: MetaServer, org: Any) -> None:
    from kaiku.connections.models import ChannelAccount
    from kaiku.connections.tokens import renew_expiring

    soon = datetime.now(UTC) + timedelta(days=10)
    account = ChannelAccount(
        organisation=org,
        platform="threads",
        handle="@toivonpolku",
        settings={
            "user_id": THREADS_USER_ID,
            "graph_url": meta.threads_graph_url,
            "token_url": meta.base_url,
        },
        expires_at=soon,
    )
    old = meta.api.issue_threads_token()
    account.set_credentials({"access_token": old, "expires_at": soon.isoformat()})
    account.save()

    counts = renew_expiring()

    account.refresh_from_db()
    assert counts["renewed"] == 1
    assert account.credentials["access_token"] != old
    assert account.expires_at is not None
    assert account.expires_at - datetime.now(UTC) > timedelta(days=59)


def test_a_text_over_500_as_threads_counts_emoji_is_refused_before_anything_is_made(
    meta: MetaServer, threads: ThreadsConnector, make_post: MakePost
) -> None:
    # 493 characters, but Threads counts each 👍🏽 as its 8 UTF-8 bytes: 505.
    text = "a" * 488 + " 👍🏽👍🏽"

    with pytest.raises(ChannelError) as caught:
        threads.publish_part(make_post(text), 0, [])

    assert (caught.value.failure, caught.value.code) == (Failure.PERMANENT, "too_long")
    assert "505" in caught.value.detail
    assert meta.requests_to("POST", f"/v1.0/{THREADS_USER_ID}/threads") == []
    assert meta.api.threads == []


def test_a_post_with_more_than_five_links_is_refused_before_anything_is_made(
    meta: MetaServer, threads: ThreadsConnector, make_post: MakePost
) -> None:
    text = " ".join(f"https://example.org/{n}" for n in range(5))
    post = make_post(text, link="https://example.com/ilmoittaudu")

    with pytest.raises(ChannelError) as caught:
        threads.publish_part(post, 0, [])

    assert caught.value.failure is Failure.PERMANENT and "6 links" in caught.value.detail
    assert meta.api.threads == []
