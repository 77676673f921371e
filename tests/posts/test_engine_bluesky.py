"""Publishing to Bluesky through the engine, against the real reference PDS on loopback."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from kaiku.channels.bluesky import client as bsky
from kaiku.channels.bluesky.connector import BlueskyConnector
from kaiku.posts import engine, services
from kaiku.posts.models import ChannelAccount, Delivery, PublishedPart
from tests.posts.conftest import run_jobs

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
    assert engine.release_held(account) == 1
    run_jobs()
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.PUBLISHED
    assert len(_records(bluesky_pds, local.did)) == 1
