"""Publishing through the connector against the local Mastodon: threads, images, failures."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from kaiku.channels.base import (
    ChannelError,
    Failure,
    OutgoingImage,
    OutgoingPost,
    PublishedPart,
)
from tests.channels.mastodon.conftest import FastMastodon
from tests.channels.mastodon.server import MastodonServer, Reply

MakePost = Callable[..., OutgoingPost]


def test_publish_text_posts_one_status_with_an_idempotency_key(
    mastodon: MastodonServer, connector: FastMastodon, make_post: MakePost
) -> None:
    post = make_post("Hei maailma! #vertaistuki")

    part = connector.publish_part(post, 0, [])

    (status,) = mastodon.statuses
    assert part.remote_id == status["id"]
    assert part.url == status["url"]
    assert status["content"].startswith("<p>Hei maailma! <a href=")
    (request,) = mastodon.requests_to("POST", "/api/v1/statuses")
    assert request.headers["idempotency-key"] == f"{post.key}-0"


def test_publish_thread_chains_parts_by_in_reply_to_id(
    mastodon: MastodonServer, connector: FastMastodon, make_post: MakePost
) -> None:
    post = make_post("Osa 1/3", "Osa 2/3", "Osa 3/3")
    earlier: list[PublishedPart] = []

    for index in range(3):
        earlier.append(connector.publish_part(post, index, list(earlier)))

    first, second, third = mastodon.statuses
    assert first["in_reply_to_id"] is None
    assert second["in_reply_to_id"] == first["id"]
    assert third["in_reply_to_id"] == second["id"]
    assert [p.remote_id for p in earlier] == [first["id"], second["id"], third["id"]]
    keys = [r.headers["idempotency-key"] for r in mastodon.requests_to("POST", "/api/v1/statuses")]
    assert keys == [f"{post.key}-0", f"{post.key}-1", f"{post.key}-2"]


def test_publish_first_part_replies_to_post_reply_to(
    mastodon: MastodonServer, connector: FastMastodon, make_post: MakePost
) -> None:
    parent = connector.publish_part(make_post("Alkuperäinen"), 0, [])

    connector.publish_part(make_post("Vastaus", reply_to=parent.remote_id), 0, [])

    assert mastodon.statuses[1]["in_reply_to_id"] == parent.remote_id


def test_publish_image_uploads_alt_text_and_waits_for_processing(
    mastodon: MastodonServer,
    connector: FastMastodon,
    make_post: MakePost,
    png: Callable[[str], OutgoingImage],
) -> None:
    mastodon.api.media_processing_polls = 2
    post = make_post("Kuva tapahtumasta", "Toinen osa ilman kuvaa", images=(png("Kaksi ihmistä"),))

    first = connector.publish_part(post, 0, [])
    connector.publish_part(post, 1, [first])

    (attachment,) = mastodon.statuses[0]["media_attachments"]
    assert attachment["description"] == "Kaksi ihmistä"
    assert attachment["url"]
    assert mastodon.statuses[1]["media_attachments"] == []
    # POST /api/v2/media answered 202; the connector polled until the 206s turned into 200.
    assert len(mastodon.requests_to("GET", "/api/v1/media/:id")) == 3
    (status_post, _) = mastodon.requests_to("POST", "/api/v1/statuses")
    assert status_post.form["media_ids[]"] == [attachment["id"]]


def test_repeated_post_with_the_same_key_returns_the_first_status(
    mastodon: MastodonServer, connector: FastMastodon, make_post: MakePost
) -> None:
    post = make_post("Vain kerran")

    first = connector.publish_part(post, 0, [])
    again = connector.publish_part(post, 0, [])

    assert again.remote_id == first.remote_id
    assert len(mastodon.statuses) == 1
    assert len(mastodon.requests_to("POST", "/api/v1/statuses")) == 2


def test_idempotency_key_no_longer_protects_after_the_window(
    mastodon: MastodonServer, connector: FastMastodon, make_post: MakePost
) -> None:
    # Why reconcile must not rely on re-posting: after the hour the key is forgotten.
    post = make_post("Tunnin päästä")
    connector.publish_part(post, 0, [])
    mastodon.api.idempotency_window = 0

    connector.publish_part(post, 0, [])

    assert len(mastodon.statuses) == 2


def test_too_long_text_is_permanent_with_the_servers_message(
    mastodon: MastodonServer, connector: FastMastodon, make_post: MakePost
) -> None:
    with pytest.raises(ChannelError) as caught:
        connector.publish_part(make_post("a" * 501), 0, [])

    assert caught.value.failure is Failure.PERMANENT
    assert caught.value.code == "too_long"
    assert caught.value.status == 422
    assert caught.value.detail == "Validation failed: Text character limit of 500 exceeded"
    assert mastodon.statuses == []


def test_urls_count_as_23_characters_like_mastodon_counts(
    mastodon: MastodonServer, connector: FastMastodon, make_post: MakePost
) -> None:
    text = "a" * 470 + " https://example.org/" + "x" * 100

    connector.publish_part(make_post(text), 0, [])

    assert len(mastodon.statuses) == 1


def test_rate_limited_carries_retry_after_from_the_reset_header(
    mastodon: MastodonServer, connector: FastMastodon, make_post: MakePost
) -> None:
    mastodon.rate_reset = 60.0
    mastodon.script("POST /api/v1/statuses", [429])

    with pytest.raises(ChannelError) as caught:
        connector.publish_part(make_post("Liian nopeasti"), 0, [])

    assert caught.value.failure is Failure.RATE_LIMITED
    assert caught.value.retry_after is not None
    # X-RateLimit-Reset is microsecond-precise, the Date header whole seconds.
    assert 58.0 <= caught.value.retry_after <= 61.0
    assert caught.value.detail == "Too many requests"
    assert mastodon.statuses == []


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_are_transient(
    mastodon: MastodonServer, connector: FastMastodon, make_post: MakePost, status: int
) -> None:
    mastodon.script("POST /api/v1/statuses", [status])

    with pytest.raises(ChannelError) as caught:
        connector.publish_part(make_post("Palvelin nikottelee"), 0, [])

    assert caught.value.failure is Failure.TRANSIENT
    assert caught.value.status == status


def test_gateway_timeout_on_posting_is_an_unknown_outcome(
    mastodon: MastodonServer, connector: FastMastodon, make_post: MakePost
) -> None:
    mastodon.script("POST /api/v1/statuses", [Reply(504, "<html>504 Gateway Time-out</html>")])

    with pytest.raises(ChannelError) as caught:
        connector.publish_part(make_post("Välityspalvelin"), 0, [])

    assert (caught.value.failure, caught.value.code) == (Failure.UNKNOWN_OUTCOME, "timeout")


def test_unauthorized_is_auth(
    mastodon: MastodonServer, connector: FastMastodon, make_post: MakePost
) -> None:
    mastodon.script("POST /api/v1/statuses", [401])

    with pytest.raises(ChannelError) as caught:
        connector.publish_part(make_post("Vanhentunut"), 0, [])

    assert (caught.value.failure, caught.value.code) == (Failure.AUTH, "auth")
    assert caught.value.detail == "The access token is invalid"


def test_token_without_write_scope_is_auth(
    mastodon: MastodonServer, connector: FastMastodon, make_post: MakePost
) -> None:
    connector.account.credentials["access_token"] = mastodon.issue_token(scope="read")

    with pytest.raises(ChannelError) as caught:
        connector.publish_part(make_post("Ei oikeuksia"), 0, [])

    assert caught.value.failure is Failure.AUTH
    assert caught.value.status == 403


def test_unreachable_instance_is_transient(make_post: MakePost) -> None:
    import socket

    from kaiku.channels.base import Account

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    connector = FastMastodon(
        Account("@a@b", f"http://127.0.0.1:{port}", {"access_token": "t"}, {"account_id": "1"})
    )

    with pytest.raises(ChannelError) as caught:
        connector.publish_part(make_post("Ei ketään kotona"), 0, [])

    assert caught.value.failure is Failure.TRANSIENT
    assert caught.value.code == "network"


def test_media_upload_failure_is_permanent_and_posts_nothing(
    mastodon: MastodonServer,
    connector: FastMastodon,
    make_post: MakePost,
    png: Callable[[str], OutgoingImage],
) -> None:
    mastodon.script("POST /api/v2/media", [422])

    with pytest.raises(ChannelError) as caught:
        connector.publish_part(make_post("Kuva", images=(png("alt"),)), 0, [])

    assert (caught.value.failure, caught.value.code) == (Failure.PERMANENT, "media")
    assert "File content type is invalid" in caught.value.detail
    assert mastodon.statuses == []


def test_delete_removes_the_status_and_tolerates_it_being_gone(
    mastodon: MastodonServer, connector: FastMastodon, make_post: MakePost
) -> None:
    part = connector.publish_part(make_post("Poistettava"), 0, [])

    connector.delete(part.remote_id)
    connector.delete(part.remote_id)

    assert mastodon.statuses == []


def test_link_is_appended_to_the_first_part_when_the_text_lacks_it(
    mastodon: MastodonServer, connector: FastMastodon, make_post: MakePost
) -> None:
    post = make_post("Lue lisää", "Toinen", link="https://example.org/juttu")

    connector.publish_part(post, 0, [])

    assert mastodon.api.sources[mastodon.statuses[0]["id"]] == (
        "Lue lisää\n\nhttps://example.org/juttu"
    )


def test_publish_uses_the_accounts_visibility_and_language_settings(
    mastodon: MastodonServer, connector: FastMastodon, make_post: MakePost
) -> None:
    connector.account.settings.update(visibility="unlisted", language="sv")

    connector.publish_part(make_post("Hej", created_at=datetime.now(UTC)), 0, [])

    assert mastodon.statuses[0]["visibility"] == "unlisted"
    assert mastodon.statuses[0]["language"] == "sv"
