"""A post found on the platform is this delivery's only if it is this delivery's (issue 13.1).

Two deliveries of the same words to one account (an announcement repeated by another post,
say) are indistinguishable on X, LinkedIn and Meta by text and time alone. When the second one's
answer is lost, or the platform refuses it as a duplicate, the first one's post must never be
recorded as the second one's: that reports a post as published that nobody ever saw.
Run for every connector against its platform's local server (Bluesky has its own tests).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from kaiku.posts import services
from kaiku.publishing.models import Delivery
from tests.posts.conftest import run_jobs, settle
from tests.posts.test_engine_every_connector import PNG
from tests.servers.harness import HARNESSES, Harness, harness

pytestmark = pytest.mark.django_db

TEXT = "Vertaisryhmä kokoontuu torstaisin klo 17. Tervetuloa!"


@pytest.fixture(params=sorted(HARNESSES))
def platform(request: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Harness]:
    h = harness(request.param)
    h.start()
    h.prepare_engine_test(monkeypatch)
    yield h
    h.stop()


def _send(org: Any, members: Any, account: Any, rf_request: Any) -> Delivery:
    post = services.save_draft(
        org, members["editor"], services.Draft(text=TEXT, accounts=[account])
    )
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
            alt_text="Kahvikupit pöydällä",
        )
    services.submit(post, rf_request)
    return Delivery.objects.get(post=post)


def _not_the_others(second: Delivery, first: Delivery) -> None:
    second.refresh_from_db()
    first.refresh_from_db()
    assert first.state == Delivery.State.PUBLISHED
    if second.state == Delivery.State.PUBLISHED:
        # The platform took the same words twice: then the second has a post of its own.
        assert second.remote_id and second.remote_id != first.remote_id
    else:
        assert second.state == Delivery.State.FAILED
        assert second.last_error_code in {"duplicate", "duplicate_elsewhere"}
    ids = [p.remote_id for d in (first, second) for p in d.published.all()]
    assert len(ids) == len(set(ids)), ids


@pytest.mark.slow  # 5 s or more on the shared machine: `make test` runs it, `make unit` not
def test_a_lost_answer_never_takes_another_deliverys_post_with_the_same_text(
    platform: Harness, org: Any, members: Any, rf_request: Any
) -> None:
    account = platform.make_account(org)
    first = _send(org, members, account, rf_request)
    settle()
    # The second one's request is lost before it arrives: nothing of it is out there, and its
    # reconcile finds only the first one's post with the very same text.
    platform.script_publish(["drop"])
    second = _send(org, members, account, rf_request)
    run_jobs()
    second.refresh_from_db()
    assert second.state == Delivery.State.UNCONFIRMED
    platform.script_publish([])
    settle()
    _not_the_others(second, first)


def test_a_duplicate_refusal_never_takes_another_deliverys_post_with_the_same_text(
    platform: Harness, org: Any, members: Any, rf_request: Any
) -> None:
    account = platform.make_account(org)
    first = _send(org, members, account, rf_request)
    settle()
    second = _send(org, members, account, rf_request)
    settle()
    _not_the_others(second, first)
