"""``/health`` reads the workers' heartbeats: 200 while one beats, 503 when all are silent."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from kaiku.jobs.models import Job, WorkerHeartbeat
from kaiku.jobs.services import enqueue

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _silent_after_a_minute(settings: Any) -> None:
    settings.KAIKU_WORKER_SILENT_SECONDS = 60


def _beat(seconds_ago: float, worker_id: str = "host:1:abc") -> None:
    WorkerHeartbeat.objects.create(
        worker_id=worker_id, last_seen=timezone.now() - timedelta(seconds=seconds_ago)
    )


def test_health_answers_200_with_a_fresh_heartbeat(client: Client) -> None:
    _beat(seconds_ago=2)
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert body["database"]["ok"] is True
    assert body["worker"]["ok"] is True
    assert body["worker"]["workers_alive"] == 1
    assert 1 <= body["worker"]["seconds_since_heartbeat"] < 30


def test_health_answers_503_when_the_last_heartbeat_is_older_than_a_minute(client: Client) -> None:
    _beat(seconds_ago=61)
    response = client.get("/health")
    assert response.status_code == 503
    body = response.json()
    assert body["ok"] is False
    assert body["database"]["ok"] is True
    assert body["worker"]["ok"] is False
    assert body["worker"]["workers_alive"] == 0
    assert body["worker"]["seconds_since_heartbeat"] >= 61


def test_health_answers_503_when_no_worker_has_ever_beaten(client: Client) -> None:
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json()["worker"]["last_heartbeat"] is None


def test_one_live_worker_among_silent_ones_keeps_health_green(client: Client) -> None:
    _beat(seconds_ago=600, worker_id="old:1:aaa")
    _beat(seconds_ago=1, worker_id="new:2:bbb")
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["worker"]["workers_alive"] == 1


def test_health_counts_due_and_failed_jobs(client: Client) -> None:
    _beat(seconds_ago=1)
    enqueue("test.record")
    enqueue("test.record", run_at=timezone.now() + timedelta(hours=1))
    Job.objects.create(kind="test.fail", state=Job.State.FAILED)
    worker = client.get("/health").json()["worker"]
    assert worker["jobs_due"] == 1
    assert worker["jobs_failed"] == 1
