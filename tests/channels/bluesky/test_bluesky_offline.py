"""Pure tests: record keys, facet byte offsets, error mapping, record shape. No network.

Error bodies are the ones the reference PDS (0.5.35) answered on the local network.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from kaiku.channels.bluesky.client import (
    BlobRef,
    BlueskyClient,
    BlueskyError,
    LinkCard,
    PostImage,
    ReplyTo,
    Session,
    SessionKeeper,
    StrongRef,
    build_facets,
    deterministic_tid,
    find_facet_spans,
    is_tid,
    make_tid,
    new_tid,
    parse_at_uri,
    parse_tid,
)

# --- TIDs --------------------------------------------------------------------------------------


def test_tid_of_zero_is_all_twos() -> None:
    assert make_tid(0, 0) == "2222222222222"


def test_tid_matches_published_example() -> None:
    # The example in atcute's TID docs: create(1724171495793000, 512) -> "3l25zusnsfck2".
    assert make_tid(1_724_171_495_793_000, 512) == "3l25zusnsfck2"
    assert parse_tid("3l25zusnsfck2") == (1_724_171_495_793_000, 512)


def test_new_tid_is_13_sortable_chars_with_current_time() -> None:
    tid = new_tid()
    assert len(tid) == 13
    assert is_tid(tid)
    micros, clock_id = parse_tid(tid)
    assert abs(micros / 1e6 - time.time()) < 5
    assert 0 <= clock_id < 1024


def test_tids_sort_as_strings_in_time_order() -> None:
    times = [1_600_000_000_000_000 + step * 7_919 for step in range(200)]
    tids = [make_tid(t, 1023 - i % 1024) for i, t in enumerate(times)]
    assert sorted(tids) == tids


def test_deterministic_tid_is_stable_per_delivery_and_differs_between_them() -> None:
    due = datetime(2025, 3, 14, 9, 30, 0, 123456, tzinfo=UTC)
    first = deterministic_tid("delivery-42", due)
    assert first == deterministic_tid("delivery-42", due)
    assert first != deterministic_tid("delivery-43", due)
    assert parse_tid(first)[0] == int(due.timestamp()) * 1_000_000 + 123456


def test_tid_rejects_out_of_range_parts_and_bad_strings() -> None:
    with pytest.raises(ValueError):
        make_tid(1 << 53, 0)
    with pytest.raises(ValueError):
        make_tid(0, 1024)
    for bad in ["", "2222222222222x", "k222222222222", "222222222222A", "3l25zusnsfck1"]:
        assert not is_tid(bad)


def test_at_uri_parts() -> None:
    assert parse_at_uri("at://did:plc:abc/app.bsky.feed.post/3l25zusnsfck2") == (
        "did:plc:abc",
        "app.bsky.feed.post",
        "3l25zusnsfck2",
    )
    assert StrongRef("at://did:plc:abc/app.bsky.feed.post/3l2", "bafy").rkey == "3l2"


# --- facets ------------------------------------------------------------------------------------

RESOLVED = {"bob.test": "did:plc:bob"}


def facet_texts(text: str, facets: list[dict[str, object]]) -> list[str]:
    data = text.encode()
    out = []
    for facet in facets:
        index = facet["index"]
        assert isinstance(index, dict)
        out.append(data[index["byteStart"] : index["byteEnd"]].decode())
    return out


def test_facet_offsets_are_utf8_bytes_with_finnish_letters_and_emoji() -> None:
    text = "Hyvää yötä 🌙 @bob.test! Lue lisää: https://kaiku.example/ohje/äiti?x=1. #mielenterveys"
    facets = build_facets(text, RESOLVED.get)
    assert facet_texts(text, facets) == [
        "@bob.test",
        "https://kaiku.example/ohje/äiti?x=1",
        "#mielenterveys",
    ]
    mention, link, tag = (f["features"][0] for f in facets)
    assert mention == {"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:bob"}
    assert link["uri"] == "https://kaiku.example/ohje/äiti?x=1"
    assert tag == {"$type": "app.bsky.richtext.facet#tag", "tag": "mielenterveys"}
    # Four 2-byte letters (ä, ä, ö, ä) and a 4-byte moon: 7 bytes more than code points.
    assert facets[0]["index"]["byteStart"] == text.index("@") + 7


def test_unresolved_mention_is_left_as_plain_text() -> None:
    assert build_facets("Moi @nobody.test ja @bob.test", RESOLVED.get) == [
        {
            "index": {"byteStart": 20, "byteEnd": 29},
            "features": [{"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:bob"}],
        }
    ]


def test_url_keeps_balanced_parenthesis_and_drops_trailing_punctuation() -> None:
    spans = find_facet_spans(
        "(katso https://fi.wikipedia.org/wiki/Kaiku_(ilmiö)), tai https://kaiku.example."
    )
    assert [s.value for s in spans] == [
        "https://fi.wikipedia.org/wiki/Kaiku_(ilmiö)",
        "https://kaiku.example",
    ]


def test_hashtags_need_a_non_digit_and_lose_trailing_punctuation() -> None:
    spans = find_facet_spans("#2025 #päihdetyö, #ÄänestäNyt! sana#ei #")
    assert [(s.kind, s.value) for s in spans] == [("tag", "päihdetyö"), ("tag", "ÄänestäNyt")]


def test_email_address_and_url_fragment_are_not_mentions() -> None:
    spans = find_facet_spans("posti: info@kaiku.example ja https://kaiku.example/@bob.test")
    assert [s.kind for s in spans] == ["link"]


# --- HTTP edge: errors and sessions ------------------------------------------------------------


def fake_jwt(exp: int) -> str:
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'HS256', 'typ': 'at+jwt'})}.{part({'exp': exp})}.c2ln"


def client_answering(handler: Callable[[httpx.Request], httpx.Response]) -> BlueskyClient:
    return BlueskyClient("https://pds.example", transport=httpx.MockTransport(handler))


def error_for(status: int, body: object, headers: dict[str, str] | None = None) -> BlueskyError:
    client = client_answering(lambda _: httpx.Response(status, json=body, headers=headers))
    with pytest.raises(BlueskyError) as info:
        client.get_record("did:plc:x", "app.bsky.feed.post", "3l25zusnsfck2")
    return info.value


def test_text_too_long_is_permanent() -> None:
    message = "Invalid app.bsky.feed.post record: grapheme too big (maximum 300, got 301)"
    error = error_for(400, {"error": "InvalidRequest", "message": message})
    assert (error.status, error.error, error.permanent, error.is_auth) == (
        400,
        "InvalidRequest",
        True,
        False,
    )


def test_rate_limit_carries_seconds_until_reset() -> None:
    reset = int(time.time()) + 120
    error = error_for(
        429,
        {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
        {"ratelimit-limit": "5000", "ratelimit-remaining": "0", "ratelimit-reset": str(reset)},
    )
    assert not error.permanent
    assert error.retry_after is not None
    assert 110 < error.retry_after <= 120


def test_rate_limit_falls_back_to_retry_after_header() -> None:
    error = error_for(429, {"error": "RateLimitExceeded"}, {"retry-after": "30"})
    assert error.retry_after == 30


def test_server_errors_are_transient() -> None:
    error = error_for(502, "<html>Bad gateway</html>")
    assert (error.status, error.error, error.permanent) == (502, "HTTP502", False)


@pytest.mark.parametrize(
    ("status", "name", "permanent"),
    [
        (401, "AuthMissing", True),
        (401, "AuthenticationRequired", True),
        (400, "InvalidToken", True),
        (400, "AccountTakedown", True),
        (400, "ExpiredToken", False),  # a refresh cures it
    ],
)
def test_auth_errors_are_flagged(status: int, name: str, *, permanent: bool) -> None:
    error = error_for(status, {"error": name, "message": "Token could not be verified"})
    assert error.is_auth
    assert error.permanent is permanent


def test_connection_failure_is_transient_with_status_zero() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(BlueskyError) as info:
        client_answering(refuse).resolve_handle("bob.test")
    assert (info.value.status, info.value.error, info.value.permanent) == (0, "NetworkError", False)
    assert not info.value.unknown_outcome


def test_write_without_an_answer_has_unknown_outcome() -> None:
    def hang_up(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    client = client_answering(hang_up)
    session = session_expiring_in(3600)
    with pytest.raises(BlueskyError) as info:
        client.create_post(session, "Hei", facets=[], rkey="3l25zusnsfck2")
    assert (info.value.error, info.value.permanent, info.value.unknown_outcome) == (
        "NoResponse",
        False,
        True,
    )
    with pytest.raises(BlueskyError) as read:
        client.get_record("did:plc:a", "app.bsky.feed.post", "3l25zusnsfck2")
    assert not read.value.unknown_outcome


def test_session_expiry_is_read_from_the_access_token() -> None:
    exp = int(time.time()) + 7200

    def answer(request: httpx.Request) -> httpx.Response:
        assert json.loads(request.content) == {"identifier": "a.test", "password": "app-pw"}
        return httpx.Response(
            200,
            json={
                "accessJwt": fake_jwt(exp),
                "refreshJwt": fake_jwt(exp + 86400),
                "did": "did:plc:a",
                "handle": "a.test",
                "didDoc": {
                    "service": [
                        {
                            "id": "#atproto_pds",
                            "type": "AtprotoPersonalDataServer",
                            "serviceEndpoint": "https://pds.example",
                        }
                    ]
                },
            },
        )

    session = client_answering(answer).create_session("a.test", "app-pw")
    assert session.access_expires_at == datetime.fromtimestamp(exp, UTC)
    assert session.pds_endpoint == "https://pds.example"
    assert "accessJwt" not in repr(session)
    assert fake_jwt(exp) not in repr(session)


def session_expiring_in(seconds: int, token: str = "old") -> Session:
    expires = datetime.now(UTC) + timedelta(seconds=seconds)
    return Session(token, f"refresh-{token}", "did:plc:a", "a.test", expires)


def test_keeper_refreshes_once_on_expired_token_then_gives_up() -> None:
    calls: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path.rsplit(".", 1)[-1])
        if request.url.path.endswith("refreshSession"):
            return httpx.Response(
                200,
                json={
                    "accessJwt": fake_jwt(int(time.time()) + 7200),
                    "refreshJwt": "r2",
                    "did": "did:plc:a",
                    "handle": "a.test",
                },
            )
        return httpx.Response(400, json={"error": "ExpiredToken", "message": "Token has expired"})

    stored: list[Session] = []
    keeper = SessionKeeper(
        client_answering(answer), session_expiring_in(3600), on_refresh=stored.append
    )
    with pytest.raises(BlueskyError) as info:
        keeper.call(lambda s: keeper.client.delete_record(s, "app.bsky.feed.post", "3l2"))
    assert info.value.is_expired_token
    assert calls == ["deleteRecord", "refreshSession", "deleteRecord"]
    assert [s.refresh_jwt for s in stored] == ["r2"]


def test_keeper_refreshes_ahead_of_expiry_without_a_failed_call() -> None:
    paths: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.path.rsplit(".", 1)[-1])
        if request.url.path.endswith("refreshSession"):
            assert request.headers["authorization"] == "Bearer refresh-old"
            return httpx.Response(
                200,
                json={
                    "accessJwt": fake_jwt(int(time.time()) + 7200),
                    "refreshJwt": "r2",
                    "did": "did:plc:a",
                    "handle": "a.test",
                },
            )
        return httpx.Response(200, json={})

    keeper = SessionKeeper(client_answering(answer), session_expiring_in(30))
    keeper.call(lambda s: keeper.client.delete_record(s, "app.bsky.feed.post", "3l2"))
    assert paths == ["refreshSession", "deleteRecord"]


# --- record shape ------------------------------------------------------------------------------

BLOB = BlobRef("bafkreiexample", "image/png", 1234)


def test_post_record_with_images_alt_text_and_aspect_ratio() -> None:
    client = client_answering(lambda _: httpx.Response(500))
    record = client.post_record(
        "Kuvia",
        images=[PostImage(BLOB, "Kaksi ihmistä kahvilla", (1200, 800)), PostImage(BLOB, "")],
        created_at=datetime(2025, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
        langs=["fi"],
    )
    assert record["createdAt"] == "2025-01-02T03:04:05.678Z"
    assert record["langs"] == ["fi"]
    assert record["embed"] == {
        "$type": "app.bsky.embed.images",
        "images": [
            {
                "image": {
                    "$type": "blob",
                    "ref": {"$link": "bafkreiexample"},
                    "mimeType": "image/png",
                    "size": 1234,
                },
                "alt": "Kaksi ihmistä kahvilla",
                "aspectRatio": {"width": 1200, "height": 800},
            },
            {"image": BLOB.to_json(), "alt": ""},
        ],
    }


def test_post_record_with_link_card_and_reply() -> None:
    client = client_answering(lambda _: httpx.Response(500))
    root = StrongRef("at://did:plc:a/app.bsky.feed.post/3l2", "bafyroot")
    record = client.post_record(
        "Vastaus",
        link_card=LinkCard("https://kaiku.example/", "Kaiku", "Kuvaus", thumb=BLOB),
        reply_to=ReplyTo(root=root, parent=root),
    )
    assert record["reply"] == {"root": root.to_json(), "parent": root.to_json()}
    assert record["embed"]["$type"] == "app.bsky.embed.external"
    assert record["embed"]["external"]["thumb"] == BLOB.to_json()


def test_more_than_four_images_or_images_with_card_are_refused_as_permanent() -> None:
    client = client_answering(lambda _: httpx.Response(500))
    with pytest.raises(BlueskyError) as info:
        client.post_record("x", images=[PostImage(BLOB, "")] * 5)
    assert info.value.permanent
    with pytest.raises(BlueskyError):
        client.post_record("x", images=[PostImage(BLOB, "")], link_card=LinkCard("https://a", "a"))


def test_expired_refresh_token_is_permanent_so_the_account_gets_reconnected() -> None:
    client = client_answering(
        lambda _: httpx.Response(400, json={"error": "ExpiredToken", "message": "Token expired"})
    )
    with pytest.raises(BlueskyError) as info:
        client.refresh_session(session_expiring_in(3600))
    assert info.value.is_auth
    assert info.value.permanent
