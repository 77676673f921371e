"""The engine's fault tests, run for every connector against its platform's local server."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from kaiku.connections.models import ChannelAccount
from kaiku.posts import services
from kaiku.publishing import operator
from kaiku.publishing.models import Delivery
from tests.posts.conftest import run_jobs, settle
from tests.servers.harness import HARNESSES, Harness, harness

pytestmark = pytest.mark.django_db

TEXT = "Syksyn vertaisryhmät alkavat. Lue lisää ja ilmoittaudu mukaan!"


@pytest.fixture(params=sorted(HARNESSES))
def platform(request: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Harness]:
    h = harness(request.param)
    h.start()
    h.prepare_engine_test(monkeypatch)
    yield h
    h.stop()


# The smallest valid PNG (1x1), for platforms that publish nothing without an image.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6300010000050001d5a2c4a90000000049454e44ae426082"
)


def _send(org: Any, members: Any, account: Any, rf_request: Any) -> Delivery:
    draft = services.Draft(text=TEXT, accounts=[account])
    post = services.save_draft(org, members["editor"], draft)
    if getattr(harness(account.platform), "needs_image", False):
        from django.core.files.base import ContentFile

        from kaiku.posts.models import PostImage

        PostImage.objects.create(
            post=post,
            file=ContentFile(PNG, name="kuva.png"),
            mime="image/png",
            size_bytes=len(PNG),
            width=1,
            height=1,
            alt_text="Syksyinen metsäpolku",
        )
    services.submit(post, rf_request)
    return Delivery.objects.get(post=post)


def _once_each(platform: Harness) -> None:
    counts = Counter(platform.published_texts())
    assert len(counts) == 1, counts
    assert set(counts.values()) == {1}, counts


def test_a_429_is_waited_out_and_the_post_goes_out_once(
    platform: Harness, org: Any, members: Any, rf_request: Any
) -> None:
    account = platform.make_account(org)
    platform.script_publish([429])
    delivery = _send(org, members, account, rf_request)
    run_jobs()
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.SCHEDULED
    assert delivery.last_error_code == "rate_limited"
    settle()
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.PUBLISHED
    _once_each(platform)


def test_a_500_is_retried_and_the_post_goes_out_once(
    platform: Harness, org: Any, members: Any, rf_request: Any
) -> None:
    account = platform.make_account(org)
    platform.script_publish([500])
    delivery = _send(org, members, account, rf_request)
    settle()
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.PUBLISHED
    assert delivery.attempts == 2
    _once_each(platform)


def test_an_unknown_outcome_is_reconciled_not_retried_blindly(
    platform: Harness, org: Any, members: Any, rf_request: Any
) -> None:
    account = platform.make_account(org)
    platform.script_publish(["drop_after_apply"])
    delivery = _send(org, members, account, rf_request)
    run_jobs()
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.UNCONFIRMED
    settle()
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.PUBLISHED
    _once_each(platform)


def test_a_request_lost_before_it_arrived_is_published_after_reconciling(
    platform: Harness, org: Any, members: Any, rf_request: Any
) -> None:
    account = platform.make_account(org)
    platform.script_publish(["drop"])
    delivery = _send(org, members, account, rf_request)
    run_jobs()
    assert platform.published_texts() == []
    settle()
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.PUBLISHED
    _once_each(platform)


def test_an_expired_token_holds_the_post_until_the_account_is_reconnected(
    platform: Harness, org: Any, members: Any, rf_request: Any
) -> None:
    account = platform.make_account(org)
    # Twice: a connector that can refresh its token tries once more before giving up.
    platform.script_publish([401, 401])
    delivery = _send(org, members, account, rf_request)
    settle()
    delivery.refresh_from_db()
    account.refresh_from_db()
    assert account.status == ChannelAccount.Status.NEEDS_RECONNECT
    assert delivery.held
    assert platform.published_texts() == []
    platform.script_publish([])
    account.status = ChannelAccount.Status.ACTIVE
    account.save()
    operator.release_held(account)
    settle()
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.PUBLISHED
    _once_each(platform)
