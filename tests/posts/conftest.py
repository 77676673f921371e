from __future__ import annotations

from typing import Any

import pytest
from django.test import RequestFactory


@pytest.fixture
def feed_account(org: Any, members: Any) -> Any:
    from kaiku.posts.models import ChannelAccount

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
