"""Through the engine and the database: Instagram and Threads keep the container with the
delivery before publishing it, and a lost request publishes that same container (13.7)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from kaiku.publishing.models import Delivery
from tests.posts.conftest import run_jobs, settle
from tests.posts.test_engine_found_is_ours import _send
from tests.servers.harness import Harness, harness

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["instagram", "threads"])
def platform(request: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Harness]:
    h = harness(request.param)
    h.start()
    h.prepare_engine_test(monkeypatch)
    yield h
    h.stop()


def test_a_lost_publish_request_publishes_the_kept_container_once(
    platform: Harness, org: Any, members: Any, rf_request: Any
) -> None:
    account = platform.make_account(org)
    platform.script_publish(["drop"])
    delivery = _send(org, members, account, rf_request)
    run_jobs()
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.UNCONFIRMED
    containers = dict(platform.meta.api.containers)  # type: ignore[attr-defined]
    # The container's id, and a fingerprint of what it was made with.
    assert delivery.pending["0"].split(" ")[0] == next(iter(containers))

    platform.script_publish([])
    settle()

    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.PUBLISHED
    assert platform.meta.api.containers.keys() == containers.keys()  # type: ignore[attr-defined]
    assert len(platform.published_texts()) == 1
