from __future__ import annotations

from typing import Any

import pytest
from django.test import RequestFactory

# The process fixtures of the job tests: workers on this run's database.
from tests.jobs.conftest import procs, sqlite_template  # noqa: F401


@pytest.fixture
def feed_account(org: Any, members: Any) -> Any:
    from kaiku.connections.models import ChannelAccount

    return ChannelAccount.objects.create(
        organisation=org,
        platform="feed",
        handle=org.slug,
        display_name=org.name,
        settings={"organisation": org.slug},
    )


@pytest.fixture
def rf_request(members: Any) -> Any:
    """A request as the editor makes it (the services take one for the audit log)."""
    request = RequestFactory().post("/")
    request.user = members["editor"]
    return request


def run_jobs() -> int:
    from kaiku.jobs.worker import run_due_jobs

    return run_due_jobs()


def settle(rounds: int = 20) -> None:
    """Run jobs until none is due, bringing retries that wait for a later time forward
    (tests do not sleep through backoff; the wait itself is asserted where it matters)."""
    from django.utils import timezone

    from kaiku.jobs.models import Job

    for _ in range(rounds):
        Job.objects.filter(state=Job.State.DUE).update(run_at=timezone.now())
        if not run_jobs() and not Job.objects.filter(state=Job.State.DUE).exists():
            return


@pytest.fixture
def mastodon_server() -> Any:
    from tests.channels.mastodon.server import start_server

    server, _ = start_server()
    server.hang_seconds = 3.0
    yield server
    server.stop()


@pytest.fixture
def mastodon_account(mastodon_server: Any, org: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    import httpx

    from kaiku.channels.mastodon.connector import MastodonConnector
    from kaiku.connections.models import ChannelAccount

    monkeypatch.setattr(MastodonConnector, "timeout", httpx.Timeout(5.0, read=1.0))
    token = mastodon_server.issue_token()
    account = ChannelAccount(
        organisation=org,
        platform="mastodon",
        handle=f"@toivonpolku@{mastodon_server.api.domain}",
        base_url=mastodon_server.base_url,
        settings={"account_id": "109302", "max_characters": 500},
    )
    account.set_credentials({"access_token": token})
    account.save()
    return account
