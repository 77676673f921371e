"""Publishing to Bluesky through the engine, against the real reference PDS on loopback."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.utils import timezone

from kaiku.channels import tid
from kaiku.channels.base import LinkCard, OutgoingImage, OutgoingPost
from kaiku.channels.bluesky import client as bsky
from kaiku.channels.bluesky.connector import BlueskyConnector
from kaiku.connections.models import ChannelAccount
from kaiku.posts import services
from kaiku.posts.models import PostImage
from kaiku.publishing import engine, operator
from kaiku.publishing.models import Delivery, PublishedPart
from tests.channels.bluesky.test_bluesky_live import png
from tests.posts.conftest import run_jobs, settle

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

LONG = (
    "Kuntoutuksen arki on pieniä askelia. Tänään aloitimme uuden ryhmän, jossa harjoitellaan "
    "arjen taitoja yhdessä. Ryhmä kokoontuu joka tiistai ja torstai. Mukaan mahtuu vielä. "
    "Ryhmässä keitetään kahvia, suunnitellaan viikon ruokia ja käydään yhdessä kaupassa. "
    "Moni kertoo, että tärkeintä on yhteisö: joku odottaa ja kysyy kuulumiset. "
    "Lisätietoja saat toimistolta arkisin. #kuntoutus #yhteisö"
)


def _records(network: Any, did: str) -> list[Any]:
    with bsky.BlueskyClient(network.pds_url) as client:
        return client.list_records(did, bsky.POST_COLLECTION, limit=100).records


@pytest.fixture
def bluesky_account(bluesky_pds: Any, org: Any, members: Any) -> tuple[Any, Any]:
    local = bluesky_pds.create_account("yhdistys")
    setup = BlueskyConnector.start_connect(
        {"handle": local.handle, "app_password": local.password, "pds_url": bluesky_pds.pds_url},
        "",
    )
    account = ChannelAccount(
        organisation=org,
        platform="bluesky",
        handle=setup.handle,
        base_url=setup.base_url,
        settings=setup.settings,
    )
    account.set_credentials(setup.credentials)
    account.save()
    return account, local


def _send(org: Any, members: Any, account: Any, rf_request: Any, text: str = LONG) -> Any:
    post = services.save_draft(
        org, members["editor"], services.Draft(text=text, accounts=[account])
    )
    services.submit(post, rf_request)
    return Delivery.objects.get(post=post)


def test_a_long_post_goes_out_once_as_a_numbered_thread(
    bluesky_pds: Any, bluesky_account: Any, org: Any, members: Any, rf_request: Any
) -> None:
    account, local = bluesky_account
    delivery = _send(org, members, account, rf_request)
    run_jobs()
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.PUBLISHED, delivery.last_error_detail
    records = _records(bluesky_pds, local.did)
    assert len(records) == len(delivery.parts) >= 2
    texts = sorted(r.value["text"] for r in records)
    assert texts == sorted(delivery.parts)
    assert delivery.parts[0].endswith(f" 1/{len(delivery.parts)}")
    replies = [r for r in records if "reply" in r.value]
    assert len(replies) == len(records) - 1
    run_jobs()
    assert len(_records(bluesky_pds, local.did)) == len(records)


def test_after_a_lost_answer_the_engine_finds_the_post_instead_of_posting_again(
    bluesky_pds: Any, bluesky_account: Any, org: Any, members: Any, rf_request: Any
) -> None:
    account, local = bluesky_account
    delivery = _send(org, members, account, rf_request, text="Tervetuloa avoimiin oviin!")
    # A worker claimed it and sent the post, then died before writing the ledger.
    started = timezone.now() - timedelta(hours=1)
    Delivery.objects.filter(pk=delivery.pk).update(
        state=Delivery.State.PUBLISHING, publishing_since=started, first_attempt_at=started
    )
    delivery.refresh_from_db()
    engine.mint_part_keys([delivery])  # as the claim does, before the request
    account.connector().publish_part(engine.outgoing_for(delivery), 0, [])
    assert len(_records(bluesky_pds, local.did)) == 1
    engine.publish_delivery(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.PUBLISHED
    assert PublishedPart.objects.filter(delivery=delivery).count() == 1
    assert len(_records(bluesky_pds, local.did)) == 1


def test_an_expired_access_token_is_refreshed_and_the_rotated_token_is_kept(
    bluesky_pds: Any, bluesky_account: Any, org: Any, members: Any, rf_request: Any
) -> None:
    account, local = bluesky_account
    creds = account.credentials
    old_refresh = creds["refresh_jwt"]
    creds["access_jwt"] = bluesky_pds.expired_token(creds["access_jwt"])
    creds["access_expires_at"] = None
    account.set_credentials(creds)
    account.save()
    delivery = _send(org, members, account, rf_request, text="Päivän vinkki: lepää.")
    run_jobs()
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.PUBLISHED, delivery.last_error_detail
    account.refresh_from_db()
    assert account.credentials["refresh_jwt"] != old_refresh
    assert len(_records(bluesky_pds, local.did)) == 1


def test_a_revoked_session_holds_the_post_tells_editors_and_goes_out_after_reconnecting(
    bluesky_pds: Any, bluesky_account: Any, org: Any, members: Any, rf_request: Any
) -> None:
    account, local = bluesky_account
    creds = account.credentials
    creds.update(
        access_jwt=bluesky_pds.expired_token(creds["access_jwt"]),
        refresh_jwt="revoked",
        app_password="wrong-password",
        access_expires_at=None,
    )
    account.set_credentials(creds)
    account.save()
    delivery = _send(org, members, account, rf_request, text="Syksyn ohjelma on julki.")
    run_jobs()
    delivery.refresh_from_db()
    account.refresh_from_db()
    assert account.status == ChannelAccount.Status.NEEDS_RECONNECT
    assert delivery.state == Delivery.State.SCHEDULED and delivery.held
    assert any("Bluesky" in m.subject for m in mail.outbox)
    assert _records(bluesky_pds, local.did) == []
    setup = BlueskyConnector.start_connect(
        {"handle": local.handle, "app_password": local.password, "pds_url": bluesky_pds.pds_url},
        "",
    )
    account.set_credentials(setup.credentials)
    account.status = ChannelAccount.Status.ACTIVE
    account.save()
    assert operator.release_held(account) == 1
    run_jobs()
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.PUBLISHED
    assert len(_records(bluesky_pds, local.did)) == 1


def _clashing_keys() -> tuple[str, str]:
    """Two delivery keys whose first parts got the same record key under the old scheme (a TID
    from the shared first-attempt time plus 10 bits of a hash of the key): the pair that, in a
    batch claimed at one instant, made the second post vanish behind the first."""
    seen: dict[int, str] = {}
    while True:
        key = uuid.uuid4().hex
        clock_id = int.from_bytes(hashlib.sha256(f"{key}-0".encode()).digest()[:2], "big") & 0x3FF
        if clock_id in seen:
            return seen[clock_id], key
        seen[clock_id] = key


def test_two_deliveries_claimed_in_one_batch_at_one_instant_each_get_their_own_record(
    bluesky_pds: Any, bluesky_account: Any, org: Any, members: Any, rf_request: Any
) -> None:
    account, local = bluesky_account
    texts = ["Kahvila on auki tiistaina.", "Vertaisryhmä kokoontuu torstaina."]
    deliveries = [_send(org, members, account, rf_request, text=t) for t in texts]
    for delivery, key in zip(deliveries, _clashing_keys(), strict=True):
        Delivery.objects.filter(pk=delivery.pk).update(key=key)
    assert run_jobs() >= 2  # one batch: both claimed by one UPDATE, at one instant
    records = {r.uri: r.value["text"] for r in _records(bluesky_pds, local.did)}
    assert sorted(records.values()) == sorted(texts)
    for delivery, text in zip(deliveries, texts, strict=True):
        delivery.refresh_from_db()
        assert delivery.state == Delivery.State.PUBLISHED, delivery.last_error_detail
        assert records[delivery.remote_id] == text
    firsts = {d.first_attempt_at for d in deliveries}
    assert len(firsts) == 1, "the two were not claimed at one instant"


def test_a_foreign_record_at_the_parts_key_is_never_recorded_as_this_delivery(
    bluesky_pds: Any, bluesky_account: Any, org: Any, members: Any, rf_request: Any
) -> None:
    account, local = bluesky_account
    delivery = _send(org, members, account, rf_request, text="Syysretki lauantaina.")
    # Another post sits at the key this delivery is about to use (a clash that unique keys
    # rule out, or a record written by another app): after a lost answer, the reconcile
    # finds it; it is not this delivery's, so it must not count as published.
    started = timezone.now() - timedelta(hours=1)
    Delivery.objects.filter(pk=delivery.pk).update(
        state=Delivery.State.PUBLISHING, publishing_since=started, first_attempt_at=started
    )
    delivery.refresh_from_db()
    engine.mint_part_keys([delivery])
    with bsky.BlueskyClient(bluesky_pds.pds_url) as client:
        session = client.create_session(local.handle, local.password)
        client.create_post(session, "Joku muu julkaisu.", rkey=delivery.part_keys[0])
    engine.publish_delivery(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.FAILED
    assert delivery.last_error_code == "key_clash"
    assert not PublishedPart.objects.filter(delivery=delivery).exists()
    assert [r.value["text"] for r in _records(bluesky_pds, local.did)] == ["Joku muu julkaisu."]
    # Sending (not only reconciling) into a taken key is refused the same way.
    with pytest.raises(engine.ChannelError) as refused:
        account.connector().publish_part(engine.outgoing_for(delivery), 0, [])
    assert refused.value.code == "key_clash"


def test_each_part_is_stamped_with_its_send_time_and_the_posts_language(
    bluesky_pds: Any, bluesky_account: Any, org: Any, members: Any, rf_request: Any
) -> None:
    account, local = bluesky_account
    post = services.save_draft(
        org,
        members["editor"],
        services.Draft(text="Tervetuloa kevätjuhlaan!", accounts=[account], language="fi"),
    )
    services.submit(post, rf_request)
    delivery = Delivery.objects.get(post=post)
    # The first attempt was long ago (it failed before sending); createdAt is when it went out.
    Delivery.objects.filter(pk=delivery.pk).update(
        first_attempt_at=datetime(2026, 1, 1, tzinfo=UTC)
    )
    before = datetime.now(UTC)
    run_jobs()
    [record] = _records(bluesky_pds, local.did)
    created = datetime.fromisoformat(record.value["createdAt"].replace("Z", "+00:00"))
    assert before - timedelta(seconds=1) <= created <= datetime.now(UTC)
    assert record.value["langs"] == ["fi"]


def test_a_link_outside_the_text_goes_out_as_a_card_or_appended_next_to_images(
    bluesky_pds: Any, bluesky_account: Any, org: Any, members: Any, rf_request: Any
) -> None:
    account, local = bluesky_account
    link = "https://toivonpolku.example/ohjelma"
    card_post = services.save_draft(
        org,
        members["editor"],
        services.Draft(text="Kevään ohjelma on valmis.", accounts=[account], link=link),
    )
    services.submit(card_post, rf_request)
    image_post = services.save_draft(
        org,
        members["editor"],
        services.Draft(text="Kuvia retkeltä.", accounts=[account], link=link),
    )
    data = png(2, 1)
    PostImage.objects.create(
        post=image_post,
        file=ContentFile(data, name="retki.png"),
        mime="image/png",
        size_bytes=len(data),
        width=2,
        height=1,
        alt_text="Metsäpolku",
    )
    services.submit(image_post, rf_request)
    settle()
    records = {r.value["text"].split()[0]: r.value for r in _records(bluesky_pds, local.did)}
    card = records["Kevään"]
    assert card["text"] == "Kevään ohjelma on valmis."
    assert card["embed"]["$type"] == "app.bsky.embed.external"
    assert card["embed"]["external"]["uri"] == link
    pictured = records["Kuvia"]
    assert pictured["text"] == f"Kuvia retkeltä.\n\n{link}"
    assert pictured["embed"]["images"][0]["alt"] == "Metsäpolku"
    [facet] = pictured["facets"]
    assert facet["features"][0]["uri"] == link
    for delivery in Delivery.objects.filter(post__in=[card_post, image_post]):
        assert delivery.state == Delivery.State.PUBLISHED, delivery.last_error_detail


def test_a_thread_part_found_at_its_key_with_other_reply_refs_is_not_taken_as_ours(
    bluesky_pds: Any, bluesky_account: Any, org: Any, members: Any, rf_request: Any
) -> None:
    account, local = bluesky_account
    delivery = _send(org, members, account, rf_request)  # LONG: a thread of several parts
    delivery.refresh_from_db()
    engine.mint_part_keys([delivery])
    outgoing = engine.outgoing_for(delivery)
    connector = account.connector()
    first = connector.publish_part(outgoing, 0, [])
    # The second part's text at its key, but as a top-level post, not a reply to the first.
    with bsky.BlueskyClient(bluesky_pds.pds_url) as client:
        session = client.create_session(local.handle, local.password)
        client.create_post(session, delivery.parts[1], rkey=delivery.part_keys[1])
    with pytest.raises(engine.ChannelError) as found:
        connector.reconcile(outgoing, 1, [first])
    assert found.value.code == "key_clash"
    assert "reply" in found.value.detail
    # The right record (text and reply) at the key is recognised as this part.
    with bsky.BlueskyClient(bluesky_pds.pds_url) as client:
        client.delete_record(session, bsky.POST_COLLECTION, delivery.part_keys[1])
    second = connector.publish_part(outgoing, 1, [first])
    assert connector.reconcile(outgoing, 1, [first]) == second
    connector.close()


def test_a_retry_after_a_key_clash_sends_the_clashed_part_once_under_a_fresh_key(
    bluesky_pds: Any, bluesky_account: Any, org: Any, members: Any, rf_request: Any
) -> None:
    account, local = bluesky_account
    text = LONG + " Tervetuloa mukaan! " + LONG  # a thread of three parts or more
    delivery = _send(org, members, account, rf_request, text=text)
    delivery.refresh_from_db()
    engine.mint_part_keys([delivery])
    keys = list(delivery.part_keys)
    assert len(keys) >= 3
    # Another app's post sits at the second part's key: the first part goes out, the second
    # runs into it, and the delivery fails as a key clash (nothing of ours at that key).
    with bsky.BlueskyClient(bluesky_pds.pds_url) as client:
        session = client.create_session(local.handle, local.password)
        client.create_post(session, "Joku muu julkaisu.", rkey=keys[1])
    settle()
    delivery.refresh_from_db()
    assert (delivery.state, delivery.last_error_code) == (Delivery.State.FAILED, "key_clash")
    [first] = PublishedPart.objects.filter(delivery=delivery)
    assert first.index == 0 and first.remote_id.endswith("/" + keys[0])

    assert operator.retry_delivery(delivery)
    settle()
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.PUBLISHED, delivery.last_error_detail
    # Only the clashed part has a new key; the part already out and the parts never sent
    # keep theirs.
    assert delivery.part_keys[1] != keys[1]
    assert delivery.part_keys[:1] + delivery.part_keys[2:] == keys[:1] + keys[2:]
    ledger = {p.index: p.remote_id for p in PublishedPart.objects.filter(delivery=delivery)}
    assert ledger[0] == first.remote_id
    assert sorted(ledger) == list(range(len(delivery.parts)))
    for index, uri in ledger.items():
        assert uri.endswith("/" + delivery.part_keys[index])
    # Every part exactly once on the PDS, beside the other app's post, untouched.
    records = {r.uri: r.value["text"] for r in _records(bluesky_pds, local.did)}
    assert sorted(records.values()) == sorted([*delivery.parts, "Joku muu julkaisu."])
    assert [records[ledger[i]] for i in sorted(ledger)] == list(delivery.parts)


def test_a_link_card_with_an_image_goes_out_with_its_thumbnail_uploaded(
    bluesky_pds: Any, bluesky_account: Any, tmp_path: Any
) -> None:
    account, local = bluesky_account
    thumb = tmp_path / "kortti.png"
    thumb.write_bytes(png(4, 2))
    link = "https://toivonpolku.example/kevat"
    outgoing = OutgoingPost(
        key=uuid.uuid4().hex,
        parts=("Kevään ohjelma.",),
        link=link,
        link_card=LinkCard(
            link, "Kevät", "Ohjelma", OutgoingImage(path=thumb, mime="image/png", alt_text="")
        ),
        part_keys=(tid.new_tid(),),
        language="fi",
    )
    connector = account.connector()
    part = connector.publish_part(outgoing, 0, [])
    connector.close()
    [record] = _records(bluesky_pds, local.did)
    assert record.uri == part.remote_id
    external = record.value["embed"]["external"]
    assert (external["uri"], external["title"], external["description"]) == (
        link,
        "Kevät",
        "Ohjelma",
    )
    assert external["thumb"]["mimeType"] == "image/png"
    assert external["thumb"]["ref"]["$link"]


def test_a_reply_from_the_field_watch_goes_under_the_post_it_answers(
    bluesky_pds: Any, bluesky_account: Any, org: Any, members: Any, rf_request: Any
) -> None:
    """A reply drafted from the debate view names a post by its bsky.app address; it goes out
    with strong references to that post (parent) and to its thread's root, never as a post of
    its own. Here the post answered is itself a reply, so root and parent differ."""
    account, local = bluesky_account
    other = bluesky_pds.create_account("keskustelija")
    with bsky.BlueskyClient(bluesky_pds.pds_url) as client:
        session = client.create_session(other.handle, other.password)
        root = client.create_post(session, "Avaus: palvelujen saatavuus heikkenee.")
        parent = client.create_post(
            session,
            "Ja jonot kasvavat.",
            reply_to=bsky.ReplyTo(root=root, parent=root),
        )
    address = f"https://bsky.app/profile/{other.handle}/post/{bsky.parse_at_uri(parent.uri)[2]}"
    post = services.save_draft(
        org,
        members["editor"],
        services.Draft(
            text="Samaa mieltä: matalan kynnyksen apua tarvitaan.",
            accounts=[account],
            reply_to_url=address,
        ),
    )
    services.submit(post, rf_request)
    run_jobs()
    delivery = Delivery.objects.get(post=post)
    assert delivery.state == Delivery.State.PUBLISHED, delivery.last_error_detail
    (record,) = _records(bluesky_pds, local.did)
    assert record.uri == delivery.remote_id
    assert record.value["reply"]["parent"] == {"uri": parent.uri, "cid": parent.cid}
    assert record.value["reply"]["root"] == {"uri": root.uri, "cid": root.cid}


def test_a_reply_to_a_post_that_cannot_be_read_is_refused_not_posted_on_its_own(
    bluesky_pds: Any, bluesky_account: Any, org: Any, members: Any, rf_request: Any
) -> None:
    account, local = bluesky_account
    address = f"https://bsky.app/profile/{local.handle}/post/3zzzzzzzzzzzz"
    post = services.save_draft(
        org,
        members["editor"],
        services.Draft(
            text="Vastaus poistettuun viestiin.", accounts=[account], reply_to_url=address
        ),
    )
    services.submit(post, rf_request)
    run_jobs()
    delivery = Delivery.objects.get(post=post)
    assert delivery.state == Delivery.State.FAILED
    assert delivery.last_error_code == "reply_not_found"
    assert _records(bluesky_pds, local.did) == []
