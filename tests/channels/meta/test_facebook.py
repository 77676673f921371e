"""The Facebook Page connector against the local Graph API."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from kaiku.channels.base import ChannelError, Failure, Redirect
from kaiku.channels.facebook.connector import SCOPES, FacebookConnector
from tests.channels.meta.api import PAGE_ID, PAGE_NAME
from tests.channels.meta.conftest import CALLBACK, MakeImage, MakePost, follow_dialog
from tests.channels.meta.server import MetaServer, Reply

FEED = f"/v26.0/{PAGE_ID}/feed"
QUICK_READ_TIMEOUT = httpx.Timeout(5.0, read=0.2)
CB = CALLBACK.format(platform="facebook")


def connect(meta: MetaServer, cls: type[FacebookConnector], **data: str) -> Redirect:
    form = {"app_id": meta.api.app_id, "app_secret": meta.api.app_secret, **data}
    redirect = cls.start_connect(form, CB)
    assert isinstance(redirect, Redirect)
    return redirect


# --- connecting ------------------------------------------------------------------------------


def test_connect_redirects_to_the_dialog_with_state_and_page_permissions(
    meta: MetaServer, facebook_cls: type[FacebookConnector]
) -> None:
    redirect = connect(meta, facebook_cls)

    assert redirect.url.startswith(meta.dialog_url + "?")
    query = parse_qs(urlsplit(redirect.url).query)
    assert query["client_id"] == [meta.api.app_id]
    assert query["redirect_uri"] == [CB]
    assert query["scope"] == [",".join(SCOPES)]
    assert query["state"] == [redirect.state["oauth_state"]]
    assert redirect.state["app_secret"] == meta.api.app_secret


def test_connect_with_a_business_configuration_sends_config_id_instead_of_scope(
    meta: MetaServer, facebook_cls: type[FacebookConnector]
) -> None:
    redirect = connect(meta, facebook_cls, config_id="998877")

    query = parse_qs(urlsplit(redirect.url).query)
    assert query["config_id"] == ["998877"]
    assert "scope" not in query


def test_callback_exchanges_the_code_for_a_long_lived_page_token(
    meta: MetaServer, facebook_cls: type[FacebookConnector]
) -> None:
    redirect = connect(meta, facebook_cls)

    setup = facebook_cls.finish_connect(redirect.state, follow_dialog(redirect, CB), CB)

    token = meta.api.tokens[setup.credentials["access_token"]]
    assert (token.kind, token.subject, token.expires_at) == ("page", PAGE_ID, None)
    assert setup.handle == PAGE_NAME
    assert setup.settings["page_id"] == PAGE_ID
    assert setup.expires_at is None  # debug_token: expires_at 0, a never-expiring Page token
    exchange = meta.requests_to("POST", "/v26.0/oauth/access_token")
    assert [r.args.get("grant_type") for r in exchange] == [None, "fb_exchange_token"]
    # The app secret, the code and the tokens went in bodies and headers; only debug_token's
    # input_token is a query parameter by Meta's docs (GET only), and logs hide its value.
    assert meta.query_secrets == [("/v26.0/debug_token", "input_token")]


def test_callback_records_an_expiry_when_meta_reports_one(
    meta: MetaServer, facebook_cls: type[FacebookConnector]
) -> None:
    later = datetime.now(UTC) + timedelta(days=59)
    meta.api.page_token_expires = int(later.timestamp())
    redirect = connect(meta, facebook_cls)

    setup = facebook_cls.finish_connect(redirect.state, follow_dialog(redirect, CB), CB)

    assert setup.expires_at is not None
    assert abs((setup.expires_at - later).total_seconds()) < 2
    assert setup.credentials["expires_at"] == setup.expires_at.isoformat()


def test_callback_with_a_wrong_state_is_refused(
    meta: MetaServer, facebook_cls: type[FacebookConnector]
) -> None:
    redirect = connect(meta, facebook_cls)
    query = {**follow_dialog(redirect, CB), "state": "forged"}

    with pytest.raises(ChannelError) as caught:
        facebook_cls.finish_connect(redirect.state, query, CB)

    assert caught.value.code == "state_mismatch"


def test_callback_after_the_person_declines_says_authorization_denied(
    meta: MetaServer, facebook_cls: type[FacebookConnector]
) -> None:
    meta.api.deny_authorization = True
    redirect = connect(meta, facebook_cls)

    with pytest.raises(ChannelError) as caught:
        facebook_cls.finish_connect(redirect.state, follow_dialog(redirect, CB), CB)

    assert caught.value.code == "authorization_denied"


def test_callback_naming_a_page_the_person_does_not_manage_is_refused(
    meta: MetaServer, facebook_cls: type[FacebookConnector]
) -> None:
    redirect = connect(meta, facebook_cls, page="Muu Sivu")

    with pytest.raises(ChannelError) as caught:
        facebook_cls.finish_connect(redirect.state, follow_dialog(redirect, CB), CB)

    assert caught.value.code == "no_page"
    assert PAGE_NAME in caught.value.detail


def test_wrong_app_id_is_refused_before_redirecting(facebook_cls: type[FacebookConnector]) -> None:
    with pytest.raises(ChannelError) as caught:
        facebook_cls.start_connect({"app_id": "abc", "app_secret": "x"}, CB)

    assert caught.value.code == "invalid"


# --- publishing --------------------------------------------------------------------------------


def test_publish_text_with_a_link_posts_one_feed_post(
    meta: MetaServer, facebook: FacebookConnector, make_post: MakePost
) -> None:
    part = facebook.publish_part(make_post("Syysretki lauantaina!", link="https://t.fi/r"), 0, [])

    (post,) = meta.api.posts
    assert part.remote_id == post["id"]
    assert part.url == post["permalink_url"]
    assert (post["message"], post["link"]) == ("Syysretki lauantaina!", "https://t.fi/r")


def test_publish_photos_uploads_them_unpublished_with_alt_text_and_attaches_them(
    meta: MetaServer, facebook: FacebookConnector, make_post: MakePost, png: MakeImage
) -> None:
    post = make_post(
        "Kuvia retkeltä", link="https://t.fi/r", images=(png("Kaksi ihmistä"), png("Metsä"))
    )

    facebook.publish_part(post, 0, [])

    (created,) = meta.api.posts
    assert [m["alt_text_custom"] for m in created["attached_media"]] == ["Kaksi ihmistä", "Metsä"]
    assert all(m["published"] is False for m in created["attached_media"])
    # With photos the link rides in the text: a feed post cannot have both.
    assert created["message"] == "Kuvia retkeltä\n\nhttps://t.fi/r"
    assert created["link"] == ""
    (feed,) = meta.requests_to("POST", FEED)
    assert json.loads(feed.args["attached_media[0]"]) == {
        "media_fbid": created["attached_media"][0]["id"]
    }


@pytest.mark.parametrize(
    ("scripted", "failure", "code"),
    [
        (401, Failure.AUTH, "auth"),
        (429, Failure.RATE_LIMITED, "rate_limited"),
        (500, Failure.UNKNOWN_OUTCOME, "server_error"),
        (400, Failure.PERMANENT, "invalid"),
        (503, Failure.UNKNOWN_OUTCOME, "server_error"),
    ],
)
def test_errors_map_to_what_the_engine_does_next(
    meta: MetaServer,
    facebook: FacebookConnector,
    make_post: MakePost,
    scripted: int,
    failure: Failure,
    code: str,
) -> None:
    meta.script(f"POST {FEED}", [scripted])

    with pytest.raises(ChannelError) as caught:
        facebook.publish_part(make_post("Hei"), 0, [])

    assert (caught.value.failure, caught.value.code) == (failure, code)
    assert meta.api.posts == []


def test_rate_limit_waits_as_long_as_the_usage_header_estimates(
    meta: MetaServer, facebook: FacebookConnector, make_post: MakePost
) -> None:
    meta.script(f"POST {FEED}", [429])

    with pytest.raises(ChannelError) as caught:
        facebook.publish_part(make_post("Hei"), 0, [])

    assert caught.value.retry_after == 7 * 60  # estimated_time_to_regain_access: 7 minutes
    assert "code 32" in caught.value.detail
    assert "fbtrace_id" in caught.value.detail


@pytest.mark.parametrize(
    ("fixture_name", "failure", "code"),
    [
        ("error_506_duplicate.json", Failure.PERMANENT, "duplicate"),
        ("error_368_blocked.json", Failure.PERMANENT, "policy_blocked"),
        ("error_190_invalid.json", Failure.AUTH, "auth"),
        ("error_4_app_limit.json", Failure.RATE_LIMITED, "rate_limited"),
    ],
)
def test_documented_error_objects_are_mapped_by_their_code(
    meta: MetaServer,
    facebook: FacebookConnector,
    make_post: MakePost,
    fixture_name: str,
    failure: Failure,
    code: str,
) -> None:
    from tests.channels.meta.api import fixture

    meta.script(f"POST {FEED}", [Reply(400, fixture(fixture_name))])

    with pytest.raises(ChannelError) as caught:
        facebook.publish_part(make_post("Hei"), 0, [])

    assert (caught.value.failure, caught.value.code) == (failure, code)


def test_usage_at_100_percent_stops_the_next_post_before_it_is_sent(
    meta: MetaServer, facebook: FacebookConnector, make_post: MakePost, png: MakeImage
) -> None:
    meta.api.usage_percent = 100
    meta.api.regain_minutes = 3

    with pytest.raises(ChannelError) as caught:
        facebook.publish_part(make_post("Hei", images=(png("Kuva"),)), 0, [])

    assert caught.value.failure is Failure.RATE_LIMITED
    assert caught.value.retry_after == 180
    assert meta.requests_to("POST", FEED) == []


def test_read_timeout_after_the_post_is_sent_is_an_unknown_outcome(
    meta: MetaServer,
    facebook: FacebookConnector,
    make_post: MakePost,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A real read timeout, made short: the post is the only request, and it never answers.
    monkeypatch.setattr(type(facebook), "timeout", QUICK_READ_TIMEOUT)
    meta.script(f"POST {FEED}", ["hang_after_apply"])

    with pytest.raises(ChannelError) as caught:
        facebook.publish_part(make_post("Hei"), 0, [])

    assert (caught.value.failure, caught.value.code) == (Failure.UNKNOWN_OUTCOME, "timeout")
    assert len(meta.api.posts) == 1
    assert [(r.method, r.path) for r in meta.requests] == [("POST", FEED)]


# --- reconciling, deleting, counts -------------------------------------------------------------


def test_reconcile_finds_the_post_made_before_the_answer_was_lost(
    meta: MetaServer, facebook: FacebookConnector, make_post: MakePost
) -> None:
    post = make_post("Vain kerran", created_at=datetime.now(UTC))
    meta.script(f"POST {FEED}", ["drop_after_apply"])
    with pytest.raises(ChannelError):
        facebook.publish_part(post, 0, [])

    part = facebook.reconcile(post, 0, [])

    assert part is not None
    assert part.remote_id == meta.api.posts[0]["id"]
    assert len(meta.requests_to("POST", FEED)) == 1  # reconcile never posts


def test_reconcile_does_not_take_an_older_post_with_the_same_text(
    meta: MetaServer, facebook: FacebookConnector, make_post: MakePost
) -> None:
    facebook.publish_part(make_post("Sama teksti"), 0, [])
    meta.api.posts[0]["created"] -= 3600
    later = make_post("Sama teksti", created_at=datetime.now(UTC))

    assert facebook.reconcile(later, 0, []) is None


def test_reconcile_reads_further_pages_until_the_first_attempt(
    meta: MetaServer, facebook: FacebookConnector, make_post: MakePost
) -> None:
    post = make_post("Ensimmäinen", created_at=datetime.now(UTC))
    facebook.publish_part(post, 0, [])
    for n in range(30):
        facebook.publish_part(make_post(f"Myöhempi {n}"), 0, [])

    part = facebook.reconcile(post, 0, [])

    assert part is not None and part.remote_id == meta.api.posts[0]["id"]
    assert len(meta.requests_to("GET", f"/v26.0/{PAGE_ID}/posts")) == 2


def test_delete_removes_the_post_and_tolerates_one_already_gone(
    meta: MetaServer, facebook: FacebookConnector, make_post: MakePost
) -> None:
    part = facebook.publish_part(make_post("Poistettava"), 0, [])

    facebook.delete(part.remote_id)
    facebook.delete(part.remote_id)

    assert meta.api.posts == []


def test_verify_fails_as_auth_when_the_token_is_invalid(
    meta: MetaServer, facebook: FacebookConnector
) -> None:
    meta.api.expire(facebook.account.credentials["access_token"])

    with pytest.raises(ChannelError) as caught:
        facebook.verify()

    assert caught.value.failure is Failure.AUTH
    assert facebook.refresh_credentials() is False


def test_a_506_after_this_deliverys_own_lost_answer_records_that_post(
    meta: MetaServer, facebook: FacebookConnector, make_post: MakePost
) -> None:
    meta.api.refuse_duplicates = True
    post = make_post("Kevään retki on täynnä.", created_at=datetime.now(UTC))
    meta.script(f"POST {FEED}", ["drop_after_apply"])
    with pytest.raises(ChannelError):
        facebook.publish_part(post, 0, [])

    part = facebook.publish_part(post, 0, [])  # Facebook answers 506: it is already there

    (made,) = meta.api.posts
    assert part.remote_id == made["id"]


def test_a_506_naming_another_deliverys_post_stays_a_duplicate(
    meta: MetaServer, facebook: FacebookConnector, make_post: MakePost
) -> None:
    meta.api.refuse_duplicates = True
    now = datetime.now(UTC)
    first = facebook.publish_part(make_post("Kevään retki.", created_at=now), 0, [])
    ledger = {first.remote_id: "delivery-of-the-first-post"}
    facebook.account.recorded_for = ledger.get

    with pytest.raises(ChannelError) as caught:
        facebook.publish_part(make_post("Kevään retki.", created_at=now), 0, [])

    assert (caught.value.failure, caught.value.code) == (Failure.PERMANENT, "duplicate")
    assert len(meta.api.posts) == 1
