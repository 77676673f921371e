"""System checks: a bad setting fails at start, not at 3 a.m."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from kaiku.channels.linkedin.client import DEFAULT_VERSION, check_version
from kaiku.channels.meta.graph import check_graph_version, graph_version


@register(Tags.security, deploy=False)
def kaiku_settings(app_configs: Any, **kwargs: Any) -> list[Any]:
    problems: list[Any] = []
    if settings.KAIKU_ENCRYPTION_KEY == settings.SECRET_KEY:
        problems.append(
            Error(
                "KAIKU_ENCRYPTION_KEY must differ from KAIKU_SECRET_KEY.",
                hint="Give each its own random value (or let Kaiku generate both).",
                id="kaiku.E001",
            )
        )
    if len(settings.KAIKU_ENCRYPTION_KEY) < 32:
        problems.append(
            Error("KAIKU_ENCRYPTION_KEY is shorter than 32 characters.", id="kaiku.E002")
        )
    if len(settings.SECRET_KEY) < 32:
        problems.append(Error("KAIKU_SECRET_KEY is shorter than 32 characters.", id="kaiku.E003"))
    if settings.DEBUG and not settings.PUBLIC_URL.startswith(("http://127.", "http://localhost")):
        problems.append(
            Warning(
                "KAIKU_DEBUG is on for a public address.",
                hint="Debug pages show settings and code to anyone; turn it off.",
                id="kaiku.W001",
            )
        )
    if settings.KAIKU_ALLOW_PRIVATE_ADDRESSES and not settings.TESTING:
        problems.append(
            Warning(
                "KAIKU_ALLOW_PRIVATE_ADDRESSES is deprecated: it lets feeds and platforms reach "
                "every address of your own network, and every redirect toward one.",
                hint="List only the hosts Kaiku may reach on a private address in "
                "KAIKU_ALLOWED_PRIVATE_HOSTS (host or host:port, comma-separated) and remove "
                "KAIKU_ALLOW_PRIVATE_ADDRESSES.",
                id="kaiku.W002",
            )
        )
    if settings.KAIKU_JOB_LEASE_SECONDS < 15 and not settings.TESTING:
        problems.append(
            Warning(
                "KAIKU_JOB_LEASE_SECONDS is under 15 seconds.",
                hint="A running worker renews its leases every few seconds; a lease this short "
                "lets a worker that waits briefly for a busy database lose its jobs to another.",
                id="kaiku.W003",
            )
        )
    linkedin = check_version(settings.KAIKU_LINKEDIN_VERSION or DEFAULT_VERSION)
    if linkedin:
        problems.append(Warning(f"KAIKU_LINKEDIN_VERSION: {linkedin}", id="kaiku.W004"))
    graph = check_graph_version(graph_version())
    if graph:
        problems.append(Warning(f"KAIKU_GRAPH_VERSION: {graph}", id="kaiku.W005"))
    return problems
