from __future__ import annotations

from django.db import models
from django.utils import timezone


class Job(models.Model):
    """A unit of background work, claimed by one worker at a time under a lease."""

    class State(models.TextChoices):
        DUE = "due"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"  # gave up after max_attempts, or a permanent error

    kind = models.CharField(max_length=64, db_index=True)
    payload = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.DUE)
    run_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    max_attempts = models.PositiveIntegerField(default=8)
    lease_until = models.DateTimeField(null=True, blank=True)
    locked_by = models.CharField(max_length=128, blank=True)
    last_error = models.TextField(blank=True)
    # At most one unfinished job per key (e.g. "deliver:42"): enqueueing twice is harmless.
    # Empty means "no key"; the constraint below ignores it.
    unique_key = models.CharField(max_length=128, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "run_at"], name="job_due_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["unique_key"],
                condition=models.Q(state__in=["due", "running"]) & ~models.Q(unique_key=""),
                name="one_open_job_per_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}#{self.pk} ({self.state})"


class WorkerHeartbeat(models.Model):
    worker_id = models.CharField(max_length=128, unique=True)
    hostname = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now, db_index=True)
    jobs_done = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.worker_id} {self.last_seen:%H:%M:%S}"
