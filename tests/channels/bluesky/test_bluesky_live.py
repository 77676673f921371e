"""The client against a REAL local PDS (``@atproto/dev-env``, via ``bluesky_pds``)."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kaiku.channels.bluesky.client import (
    POST_COLLECTION,
    BlueskyClient,
    BlueskyError,
    LinkCard,
    PostImage,
    RecordExistsError,
    ReplyTo,
    Session,
    SessionKeeper,
    deterministic_tid,
    is_tid,
)
from tests.bluesky_local.fixtures import LocalAccount, LocalNetwork

pytestmark = pytest.mark.slow


def png(width: int, height: int) -> bytes:
    """A real, tiny PNG: the PDS sniffs uploads."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\xc8\x1e\x5a" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture(scope="module")
def client(bluesky_pds: LocalNetwork) -> Iterator[BlueskyClient]:
    with BlueskyClient(bluesky_pds.pds_url) as c:
        yield c


@pytest.fixture(scope="module")
def alice(bluesky_pds: LocalNetwork) -> LocalAccount:
    return bluesky_pds.create_account("alice")


@pytest.fixture(scope="module")
def bob(bluesky_pds: LocalNetwork) -> LocalAccount:
    return bluesky_pds.create_account("bob")


@pytest.fixture(scope="module")
def session(client: BlueskyClient, alice: LocalAccount) -> Session:
    """One login for the module, as the worker does: never a login per post."""
    return client.create_session(alice.handle, alice.password)


def value_of(client: BlueskyClient, uri: str) -> dict[str, Any]:
    repo, collection, rkey = uri.removeprefix("at://").split("/")
    record = client.get_record(repo, collection, rkey)
    assert record is not None
    return record.value


def test_login_with_app_password_gives_session_with_expiry(
    session: Session, alice: LocalAccount
) -> None:
    assert (session.did, session.handle) == (alice.did, alice.handle)
    assert session.access_expires_at is not None
    assert session.access_expires_at > datetime.now(UTC) + timedelta(minutes=30)
    assert session.active


def test_wrong_app_password_is_a_permanent_auth_error(
    client: BlueskyClient, alice: LocalAccount
) -> None:
    with pytest.raises(BlueskyError) as info:
        client.create_session(alice.handle, "wrong-pass-word-1234")
    assert info.value.status == 401
    assert info.value.is_auth
    assert info.value.permanent


def test_finnish_post_with_link_hashtag_and_mention_keeps_its_facets(
    client: BlueskyClient, session: Session, bob: LocalAccount
) -> None:
    text = (
        f"Hyvää huomenta 🌞 @{bob.handle}! Lue lisää: https://kaiku.example/ohje/äänestä. "
        "#mielenterveys @tuntematon.test"
    )
    ref = client.create_post(session, text, langs=["fi"])
    record = value_of(client, ref.uri)
    assert record["text"] == text
    assert record["langs"] == ["fi"]
    data = text.encode()
    found = {
        feature["$type"].rsplit("#", 1)[1]: (
            data[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode(),
            feature,
        )
        for f in record["facets"]
        for feature in f["features"]
    }
    assert found["mention"] == (f"@{bob.handle}", {**found["mention"][1], "did": bob.did})
    assert found["link"][0] == "https://kaiku.example/ohje/äänestä"
    assert found["tag"] == ("#mielenterveys", {**found["tag"][1], "tag": "mielenterveys"})
    assert len(record["facets"]) == 3  # the unknown handle stays plain text


def test_image_post_keeps_alt_text_and_aspect_ratio(
    client: BlueskyClient, session: Session
) -> None:
    blob = client.upload_blob(session, png(6, 4), "image/png")
    assert (blob.mime_type, blob.size > 0) == ("image/png", True)
    ref = client.create_post(
        session,
        "Kuva kevään ensimmäisestä kokoontumisesta",
        images=[PostImage(blob, "Kuusi tuolia piirissä, aurinko paistaa", (6, 4))],
    )
    image = value_of(client, ref.uri)["embed"]["images"][0]
    assert image["alt"] == "Kuusi tuolia piirissä, aurinko paistaa"
    assert image["aspectRatio"] == {"width": 6, "height": 4}
    assert image["image"]["ref"]["$link"] == blob.cid


def test_link_card_with_thumbnail(client: BlueskyClient, session: Session) -> None:
    thumb = client.upload_blob(session, png(8, 8), "image/png")
    card = LinkCard("https://kaiku.example/tapahtumat", "Tapahtumat", "Kevään ohjelma", thumb)
    ref = client.create_post(session, "Tule mukaan!", link_card=card)
    external = value_of(client, ref.uri)["embed"]["external"]
    assert (external["uri"], external["title"], external["description"]) == (
        "https://kaiku.example/tapahtumat",
        "Tapahtumat",
        "Kevään ohjelma",
    )
    assert external["thumb"]["ref"]["$link"] == thumb.cid


def test_reply_points_at_root_and_parent(client: BlueskyClient, session: Session) -> None:
    root = client.create_post(session, "Aloitus")
    reply = client.create_post(session, "Jatko", reply_to=ReplyTo(root, root))
    assert value_of(client, reply.uri)["reply"]["parent"] == {"uri": root.uri, "cid": root.cid}


def test_own_record_key_lets_get_record_find_the_post_after_a_lost_answer(
    client: BlueskyClient, session: Session
) -> None:
    rkey = deterministic_tid("delivery-reconcile", datetime.now(UTC))
    assert client.get_record(session.did, POST_COLLECTION, rkey) is None
    ref = client.create_post(session, "Julkaistaan kerran", rkey=rkey)
    # The worker lost the answer: it looks the key up instead of posting again.
    found = client.get_record(session.did, POST_COLLECTION, rkey)
    assert found is not None
    assert found.ref == ref
    assert ref.rkey == rkey
    assert is_tid(rkey)


def test_posting_again_with_the_same_record_key_is_detected(
    client: BlueskyClient, session: Session
) -> None:
    rkey = deterministic_tid("delivery-twice", datetime.now(UTC))
    first = client.create_post(session, "Vain yksi julkaisu", rkey=rkey)
    with pytest.raises(RecordExistsError) as info:
        client.create_post(session, "Vain yksi julkaisu", rkey=rkey)
    assert info.value.existing == first
    assert info.value.permanent
    page = client.list_records(session.did, POST_COLLECTION, limit=100)
    assert [r.uri for r in page.records].count(first.uri) == 1


def test_delete_removes_the_post_and_repeating_it_is_harmless(
    client: BlueskyClient, session: Session
) -> None:
    ref = client.create_post(session, "Poistettava")
    client.delete_record(session, POST_COLLECTION, ref.rkey)
    assert client.get_record(session.did, POST_COLLECTION, ref.rkey) is None
    client.delete_record(session, POST_COLLECTION, ref.rkey)


def test_list_records_pages_through_posts(client: BlueskyClient, session: Session) -> None:
    for n in range(3):
        client.create_post(session, f"Sivutus {n}")
    first = client.list_records(session.did, POST_COLLECTION, limit=2)
    assert len(first.records) == 2
    assert first.cursor
    second = client.list_records(session.did, POST_COLLECTION, limit=2, cursor=first.cursor)
    assert {r.uri for r in first.records}.isdisjoint(r.uri for r in second.records)


def test_refreshed_session_works_and_rotates_tokens(
    client: BlueskyClient, alice: LocalAccount
) -> None:
    original = client.create_session(alice.handle, alice.password)
    refreshed = client.refresh_session(original)
    assert refreshed.did == original.did
    assert refreshed.refresh_jwt != original.refresh_jwt
    assert client.create_post(refreshed, "Uudella istunnolla").uri


def test_expired_access_token_is_refreshed_once_by_the_keeper(
    client: BlueskyClient, alice: LocalAccount, bluesky_pds: LocalNetwork
) -> None:
    fresh = client.create_session(alice.handle, alice.password)
    expired = Session(
        access_jwt=bluesky_pds.expired_token(fresh.access_jwt),
        refresh_jwt=fresh.refresh_jwt,
        did=fresh.did,
        handle=fresh.handle,
        access_expires_at=None,  # unknown, so the keeper cannot refresh ahead of time
    )
    with pytest.raises(BlueskyError) as info:
        client.create_post(expired, "Ei mene läpi")
    assert (info.value.status, info.value.error) == (400, "ExpiredToken")
    assert info.value.is_auth
    assert not info.value.permanent

    stored: list[Session] = []
    keeper = SessionKeeper(client, expired, on_refresh=stored.append)
    ref = keeper.call(lambda s: client.create_post(s, "Menee läpi päivityksen jälkeen"))
    assert value_of(client, ref.uri)["text"] == "Menee läpi päivityksen jälkeen"
    assert len(stored) == 1
    assert keeper.session is stored[0]


def test_invalid_token_is_a_permanent_auth_error(client: BlueskyClient, session: Session) -> None:
    forged = Session("not.a.token", "nor.this.one", session.did, session.handle, None)
    with pytest.raises(BlueskyError) as info:
        client.create_post(forged, "Väärennetty")
    assert (info.value.status, info.value.error) == (400, "InvalidToken")
    assert info.value.is_auth
    assert info.value.permanent


def test_301_graphemes_are_refused_as_permanent_but_300_pass(
    client: BlueskyClient, session: Session
) -> None:
    # Family emoji: one grapheme, seven code points, 25 bytes. Length is counted in graphemes.
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"
    assert client.create_post(session, "ä" * 290 + family * 10, facets=[]).uri
    with pytest.raises(BlueskyError) as info:
        client.create_post(session, "ö" * 301, facets=[])
    assert (info.value.status, info.value.error) == (400, "InvalidRequest")
    assert "grapheme" in info.value.message
    assert info.value.permanent
    assert not info.value.is_auth
