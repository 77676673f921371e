"""The Instagram connector (Instagram API with Facebook Login) against the local Graph API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kaiku.channels.base import Account, ChannelError, Failure, Redirect
from kaiku.channels.instagram.connector import SCOPES, InstagramConnector
from tests.channels.meta.api import IG_USER_ID, PAGE_ID
from tests.channels.meta.conftest import CALLBACK, MakeImage, MakePost, follow_dialog
from tests.channels.meta.server import MetaServer

PUBLISH = f"/v26.0/{IG_USER_ID}/media_publish"
CB = CALLBACK.format(platform="instagram")


def test_connect_finds_the_instagram_account_of_the_page(
    meta: MetaServer, instagram_cls: type[InstagramConnector]
) -> None:
    form = {"app_id": meta.api.app_id, "app_secret": meta.api.app_secret}
    redirect = instagram_cls.start_connect(form, CB)
    assert isinstance(redirect, Redirect)
    assert ",".join(SCOPES) in redirect.url.replace("%2C", ",")

    setup = instagram_cls.finish_connect(redirect.state, follow_dialog(redirect, CB), CB)

    assert setup.handle == "@toivonpolku"
    assert setup.settings["ig_user_id"] == IG_USER_ID
    assert setup.settings["page_id"] == PAGE_ID
    # The IG reference pages name a Facebook User access token, not the Page's.
    assert meta.api.tokens[setup.credentials["access_token"]].kind == "user"
    assert setup.expires_at is not None
    assert timedelta(days=55) < setup.expires_at - datetime.now(UTC) <= timedelta(days=61)


def test_an_account_connected_through_the_flow_publishes_with_the_token_ig_names(
    meta: MetaServer, instagram_cls: type[InstagramConnector], make_post: MakePost, png: MakeImage
) -> None:
    form = {"app_id": meta.api.app_id, "app_secret": meta.api.app_secret}
    redirect = instagram_cls.start_connect(form, CB)
    assert isinstance(redirect, Redirect)
    setup = instagram_cls.finish_connect(redirect.state, follow_dialog(redirect, CB), CB)
    connector = instagram_cls(
        Account(setup.handle, setup.base_url, setup.credentials, {**setup.settings})
    )

    part = connector.publish_part(make_post("Syysretki", images=(png("Metsäpolku"),)), 0, [])

    (media,) = meta.api.ig_media
    assert part.remote_id == media["id"]


def test_the_long_lived_user_token_is_renewed_and_saved_at_once(
    meta: MetaServer, instagram_cls: type[InstagramConnector]
) -> None:
    saved: list[dict[str, object]] = []
    old = meta.api.issue_user_token()
    connector = instagram_cls(
        Account(
            "@toivonpolku",
            "https://www.instagram.com/toivonpolku",
            {
                "access_token": old,
                "token_kind": "user",
                "app_id": meta.api.app_id,
                "app_secret": meta.api.app_secret,
            },
            {"ig_user_id": IG_USER_ID, "page_id": PAGE_ID, "graph_url": meta.graph_url},
            save_credentials=saved.append,
        )
    )

    assert connector.refresh_credentials() is True

    (new,) = saved
    assert new["access_token"] != old
    assert meta.api.tokens[str(new["access_token"])].kind == "user"
    assert connector.account.credentials == new


def test_connect_without_a_linked_instagram_account_says_so(
    meta: MetaServer, instagram_cls: type[InstagramConnector]
) -> None:
    meta.api.with_instagram = False
    form = {"app_id": meta.api.app_id, "app_secret": meta.api.app_secret}
    redirect = instagram_cls.start_connect(form, CB)

    with pytest.raises(ChannelError) as caught:
        instagram_cls.finish_connect(redirect.state, follow_dialog(redirect, CB), CB)

    assert caught.value.code == "no_instagram"


def test_publish_one_image_waits_for_the_container_then_publishes_with_alt_text(
    meta: MetaServer, instagram: InstagramConnector, make_post: MakePost, png: MakeImage
) -> None:
    meta.api.container_polls = 2
    post = make_post("Syysretki #vertaistuki", images=(png("Kaksi ihmistä metsässä"),))

    part = instagram.publish_part(post, 0, [])

    (media,) = meta.api.ig_media
    assert part.remote_id == media["id"]
    assert part.url == media["permalink"]
    assert media["caption"] == "Syysretki #vertaistuki"
    assert media["alt_text"] == "Kaksi ihmistä metsässä"
    (container,) = meta.api.containers.values()
    assert container["image_url"] == post.images[0].public_url
    # Two IN_PROGRESS answers, then FINISHED.
    assert len(meta.requests_to("GET", f"/v26.0/{container['id']}")) == 3
    assert meta.requests_to("GET", f"/v26.0/{IG_USER_ID}/content_publishing_limit")


def test_publish_several_images_makes_a_carousel(
    meta: MetaServer, instagram: InstagramConnector, make_post: MakePost, png: MakeImage
) -> None:
    post = make_post("Kolme kuvaa", link="https://t.fi/r", images=(png("A"), png("B"), png("C")))

    instagram.publish_part(post, 0, [])

    (media,) = meta.api.ig_media
    assert media["media_type"] == "CAROUSEL_ALBUM"
    assert len(media["children"]["data"]) == 3
    assert media["caption"] == "Kolme kuvaa\n\nhttps://t.fi/r"
    items = [c for c in meta.api.containers.values() if c.get("is_carousel_item")]
    assert [c["alt_text"] for c in items] == ["A", "B", "C"]


def test_text_only_post_is_refused_as_image_required(
    meta: MetaServer, instagram: InstagramConnector, make_post: MakePost
) -> None:
    with pytest.raises(ChannelError) as caught:
        instagram.publish_part(make_post("Pelkkää tekstiä"), 0, [])

    assert (caught.value.failure, caught.value.code) == (Failure.PERMANENT, "image_required")
    assert meta.requests == []


def test_image_without_a_public_address_is_refused_with_a_clear_message(
    meta: MetaServer, instagram: InstagramConnector, make_post: MakePost, png: MakeImage
) -> None:
    with pytest.raises(ChannelError) as caught:
        instagram.publish_part(make_post("Kuva", images=(png("Kuva", public=False),)), 0, [])

    assert (caught.value.failure, caught.value.code) == (Failure.PERMANENT, "no_public_url")
    assert "public address" in caught.value.detail
    assert meta.requests == []


def test_too_many_hashtags_are_refused_before_anything_is_sent(
    meta: MetaServer, instagram: InstagramConnector, make_post: MakePost, png: MakeImage
) -> None:
    caption = " ".join(f"#tagi{n}" for n in range(31))

    with pytest.raises(ChannelError) as caught:
        instagram.publish_part(make_post(caption, images=(png("Kuva"),)), 0, [])

    assert caught.value.code == "too_many_hashtags"
    assert meta.requests == []


def test_an_account_may_set_a_lower_hashtag_limit(
    meta: MetaServer, instagram: InstagramConnector, make_post: MakePost, png: MakeImage
) -> None:
    instagram.account.settings["max_hashtags"] = 5

    with pytest.raises(ChannelError) as caught:
        instagram.publish_part(make_post("#a #b #c #d #e #f", images=(png("Kuva"),)), 0, [])

    assert caught.value.code == "too_many_hashtags"


def test_used_up_quota_is_refused_as_rate_limited_before_a_container_is_made(
    meta: MetaServer, instagram: InstagramConnector, make_post: MakePost, png: MakeImage
) -> None:
    meta.api.ig_quota_total = 1
    instagram.publish_part(make_post("Eka", images=(png("A"),)), 0, [])

    with pytest.raises(ChannelError) as caught:
        instagram.publish_part(make_post("Toka", images=(png("B"),)), 0, [])

    assert (caught.value.failure, caught.value.code) == (Failure.RATE_LIMITED, "quota_used")
    assert caught.value.retry_after == 3600
    assert len(meta.api.containers) == 1


def test_a_container_that_fails_processing_is_a_permanent_media_error(
    meta: MetaServer, instagram: InstagramConnector, make_post: MakePost, png: MakeImage
) -> None:
    meta.api.container_error = "2207026"

    with pytest.raises(ChannelError) as caught:
        instagram.publish_part(make_post("Kuva", images=(png("Kuva"),)), 0, [])

    assert (caught.value.failure, caught.value.code) == (Failure.PERMANENT, "media")
    assert meta.requests_to("POST", PUBLISH) == []


def test_lost_publish_answer_is_unknown_and_reconcile_finds_the_media(
    meta: MetaServer, instagram: InstagramConnector, make_post: MakePost, png: MakeImage
) -> None:
    post = make_post("Kerran vain", images=(png("Kuva"),), created_at=datetime.now(UTC))
    meta.script(f"POST {PUBLISH}", ["drop_after_apply"])

    with pytest.raises(ChannelError) as caught:
        instagram.publish_part(post, 0, [])
    part = instagram.reconcile(post, 0, [])

    assert caught.value.failure is Failure.UNKNOWN_OUTCOME
    assert part is not None and part.remote_id == meta.api.ig_media[0]["id"]


def test_reconcile_finds_nothing_when_publishing_never_arrived(
    meta: MetaServer, instagram: InstagramConnector, make_post: MakePost, png: MakeImage
) -> None:
    post = make_post("Ei perillä", images=(png("Kuva"),), created_at=datetime.now(UTC))
    meta.script(f"POST {PUBLISH}", ["drop"])

    with pytest.raises(ChannelError):
        instagram.publish_part(post, 0, [])

    assert instagram.reconcile(post, 0, []) is None


def test_reconcile_does_not_take_a_single_image_for_a_carousel(
    meta: MetaServer, instagram: InstagramConnector, make_post: MakePost, png: MakeImage
) -> None:
    instagram.publish_part(make_post("Sama", images=(png("A"),)), 0, [])
    carousel = make_post("Sama", images=(png("A"), png("B")), created_at=datetime.now(UTC))

    assert instagram.reconcile(carousel, 0, []) is None


def test_delete_is_not_supported(
    meta: MetaServer, instagram: InstagramConnector, make_post: MakePost, png: MakeImage
) -> None:
    part = instagram.publish_part(make_post("Mitattava", images=(png("A"),)), 0, [])

    with pytest.raises(ChannelError) as caught:
        instagram.delete(part.remote_id)
    assert caught.value.code == "not_supported"
