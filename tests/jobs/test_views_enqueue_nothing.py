"""Services enqueue their own jobs: no view and no API module creates a job itself, so that a
job is written in the same transaction as the change it acts on (issue 15, item 5)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

import kaiku

ROOT = Path(kaiku.__file__).parent
# A call of the job queue: enqueue(...), or a Job row made by hand.
JOB_CALL = re.compile(r"\benqueue\s*\(|\bJob\.objects\.(create|bulk_create|get_or_create)\b")


def _view_modules() -> list[Path]:
    found = [*ROOT.glob("*/views*.py"), *ROOT.glob("*/api*.py"), ROOT / "api.py"]
    return sorted(p for p in found if p.is_file())


def test_the_walk_finds_the_view_and_api_modules() -> None:
    names = {str(p.relative_to(ROOT)) for p in _view_modules()}
    assert {"posts/views_compose.py", "posts/api.py", "watch/views_sources.py"} <= names


def test_no_view_or_api_module_enqueues_a_job() -> None:
    offenders = [
        f"{p.relative_to(ROOT)}:{n}"
        for p in _view_modules()
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1)
        if JOB_CALL.search(line)
    ]
    assert offenders == []


@pytest.mark.django_db
def test_adding_a_source_polls_it_at_once_through_the_service(org: Any) -> None:
    # The sources page asks for it (poll_now); the service enqueues the poll with the source.
    from kaiku.jobs.models import Job
    from kaiku.watch import services

    url = "https://example.org/feed.xml"
    added = services.add_source(org, url, kind="feed", discover_feeds=False, poll_now=True)
    jobs = Job.objects.filter(kind="watch.poll")
    assert [j.payload for j in jobs] == [{"source_id": added.source.pk}]
    again = services.add_source(org, url, kind="feed", discover_feeds=False, poll_now=True)
    assert not again.created
    assert Job.objects.filter(kind="watch.poll").count() == 1  # an existing source: no new job
    assert services.fetch_now(org) == 1  # one enabled source; its open job is not doubled
    assert Job.objects.filter(kind="watch.poll").count() == 1
