"""The field watch's services: what views, jobs and the CLI call.

Sources: ``add_source``, ``watch_settings``, ``import_bluesky_list``,
``import_mastodon_accounts``, ``import_mastodon_list``, ``starter_sources`` /
``add_starter_sources``. Polling: ``run_once``, ``poll_one`` (from
``kaiku.watch.ingest.pipeline``), ``schedule_due``. Items: ``items_for``, ``search_items``
(from ``kaiku.watch.features.digest``), ``set_item_state``. Topics: ``seed_topics``,
``topic_matches``, ``rescore`` (from ``kaiku.watch.features.topics``). OPML lives in
``kaiku.watch.features.opml``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from kaiku.channels.bluesky.reading import list_members, list_uri_from
from kaiku.channels.reading import ReadError
from kaiku.channels.x.reading import plan_refusal
from kaiku.jobs.services import enqueue
from kaiku.organisations.models import Organisation
from kaiku.safetext import strip_unsafe
from kaiku.watch.discover import DiscoveredFeed, discover
from kaiku.watch.errors import SourceRefused, WatchError, as_watch_error
from kaiku.watch.features.digest import search_items
from kaiku.watch.features.topics import rescore, seed_topics, topic_matches
from kaiku.watch.fetch import Fetcher
from kaiku.watch.ingest.pipeline import RunSummary, due_sources, poll_one, run_once
from kaiku.watch.ingest.rank import items_of_source, refresh
from kaiku.watch.ingest.sanitize import visible
from kaiku.watch.models import (
    DEFAULT_POLL_SECONDS,
    MIN_POLL_SECONDS,
    Item,
    ItemState,
    Source,
    Topic,
    WatchSettings,
)
from kaiku.watch.sources import NewSource, guess_kind, source_type

__all__ = [
    "AddedSource",
    "RunSummary",
    "add_source",
    "add_starter_sources",
    "edit_source",
    "import_bluesky_list",
    "import_mastodon_accounts",
    "import_mastodon_list",
    "items_for",
    "poll_one",
    "remove_source",
    "rescore",
    "run_once",
    "schedule_due",
    "search_items",
    "seed_topics",
    "set_item_state",
    "starter_sources",
    "topic_matches",
    "watch_settings",
]


def watch_settings(organisation: Organisation) -> WatchSettings:
    config, _created = WatchSettings.objects.get_or_create(organisation=organisation)
    return config


@dataclass(frozen=True, slots=True)
class AddedSource:
    source: Source
    created: bool
    alternatives: tuple[DiscoveredFeed, ...] = ()  # other feeds the page linked to


def _check_allowed(organisation: Organisation, kind: str) -> None:
    if kind.startswith("x_") and not watch_settings(organisation).x_reads_allowed:
        raise as_watch_error(plan_refusal())


def add_source(
    organisation: Organisation,
    value: str,
    *,
    kind: str | None = None,
    title: str = "",
    weight: float = 1.0,
    poll_interval: int = DEFAULT_POLL_SECONDS,
    discover_feeds: bool = True,
    fetcher: Fetcher | None = None,
    poll_now: bool = False,
) -> AddedSource:
    """Follow ``value`` (a URL, ``@user@instance``, a query...). Raises SourceRefused.

    A web page is searched for feed links (the first is followed, the rest are returned as
    ``alternatives``). Adding a source that exists returns it with ``created=False``. With
    ``poll_now`` a new source is fetched at once (the sources page) instead of at its turn.
    """
    kind = kind or guess_kind(value)
    _check_allowed(organisation, kind)
    # Form, API and OPML import alike: a title is shown on pages and written into OPML, which
    # cannot carry control characters.
    title = visible(strip_unsafe(title))
    new = source_type(kind).normalise(value)
    alternatives: tuple[DiscoveredFeed, ...] = ()
    if kind == "feed" and discover_feeds:
        own = fetcher is None
        fetcher = fetcher or Fetcher()
        try:
            found = discover(new.url, fetcher)
        finally:
            if own:
                fetcher.close()
        new = NewSource("feed", found[0].url, title=found[0].title)
        alternatives = tuple(found[1:])
    if not (0.0 <= weight <= 100.0):
        raise SourceRefused("bad_url", url=f"weight {weight}")
    source, created = _create(organisation, new, title=title, weight=weight, interval=poll_interval)
    if created and poll_now:
        poll(source.pk)
    return AddedSource(source, created, alternatives)


def _seed_on_first_use(organisation: Organisation) -> None:
    """An organisation's first source brings the default topics, unless it has topics of its
    own already. Once it follows something, the topics are its to keep or remove."""
    if not (
        Source.objects.filter(organisation=organisation).exists()
        or Topic.objects.filter(organisation=organisation).exists()
    ):
        seed_topics(organisation)


def _create(
    organisation: Organisation, new: NewSource, *, title: str, weight: float, interval: int
) -> tuple[Source, bool]:
    ensure_schedule()
    _seed_on_first_use(organisation)
    try:
        with transaction.atomic():
            return Source.objects.get_or_create(
                organisation=organisation,
                kind=new.kind,
                url=new.url,
                identifier=new.identifier,
                defaults={
                    "title": visible(strip_unsafe(title or new.title))[:300],
                    "weight": weight,
                    "poll_interval": max(interval, MIN_POLL_SECONDS),
                    "next_poll_at": timezone.now(),
                },
            )
    except IntegrityError:
        return (
            Source.objects.get(
                organisation=organisation, kind=new.kind, url=new.url, identifier=new.identifier
            ),
            False,
        )


def edit_source(source: Source, *, weight: float, poll_interval: int, enabled: bool) -> None:
    """Save a source's settings; a new weight re-ranks the items it brought."""
    reweighted = weight != source.weight
    source.weight = weight
    source.poll_interval = poll_interval
    source.enabled = enabled
    with transaction.atomic():
        source.save(update_fields=["weight", "poll_interval", "enabled"])
        if reweighted:
            refresh(items_of_source(source.pk))


def remove_source(source: Source) -> None:
    """Stop following a source. Its items stay (other sources may have brought them too), each
    ranked by the sources it has left."""
    with transaction.atomic():
        items = items_of_source(source.pk)
        source.delete()
        refresh(items)


# --- imports -------------------------------------------------------------------------------------


def import_bluesky_list(
    organisation: Organisation, value: str, *, fetcher: Fetcher | None = None
) -> list[AddedSource]:
    """Members of a Bluesky list or starter pack (URL or at:// URI) as account sources."""
    appview = watch_settings(organisation).bluesky_appview_url
    own = fetcher is None
    fetcher = fetcher or Fetcher()
    try:
        try:
            members = list_members(fetcher, appview, list_uri_from(value, fetcher, appview))
        except ReadError as exc:
            raise SourceRefused(exc.code, **exc.params) from None
    finally:
        if own:
            fetcher.close()
    added = []
    for member in members:
        new = source_type("bluesky_account").normalise(member.handle or member.did)
        source, created = _create(
            organisation,
            new,
            title=member.display_name or member.handle,
            weight=1.0,
            interval=DEFAULT_POLL_SECONDS,
        )
        added.append(AddedSource(source, created))
    return added


def import_mastodon_accounts(organisation: Organisation, accounts: list[str]) -> list[AddedSource]:
    """Accounts (``@user@instance`` or profile URLs, e.g. a list's members) as sources."""
    added = []
    for value in accounts:
        value = value.strip()
        if value and not value.startswith("#"):
            added.append(add_source(organisation, value, kind="mastodon_account"))
    return added


def import_mastodon_list(
    organisation: Organisation,
    instance_url: str,
    list_id: str,
    token: str,
    *,
    fetcher: Fetcher | None = None,
) -> list[AddedSource]:
    """A Mastodon list's members (GET /api/v1/lists/:id/accounts needs the owner's token).

    https://docs.joinmastodon.org/methods/lists/#accounts
    """
    own = fetcher is None
    fetcher = fetcher or Fetcher()
    base = instance_url.rstrip("/")
    host = base.split("://", 1)[-1]
    try:
        data = fetcher.get_json(
            f"{base}/api/v1/lists/{list_id}/accounts",
            params={"limit": 0},
            headers={"Authorization": f"Bearer {token}"},
        )
    except WatchError as exc:
        raise SourceRefused(exc.code, **exc.params) from None
    finally:
        if own:
            fetcher.close()
    accounts = []
    for account in data if isinstance(data, list) else []:
        acct = account.get("acct") if isinstance(account, dict) else None
        if isinstance(acct, str) and acct:
            accounts.append(acct if "@" in acct else f"{acct}@{host}")
    return import_mastodon_accounts(organisation, accounts)


# --- the starter list ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StarterSource:
    name: str
    kind: str
    url: str
    verified_from: tuple[str, ...]
    note: str


def starter_sources() -> list[StarterSource]:
    """Finnish social- and health-sector feeds, each with where its address was verified."""
    path = resources.files("kaiku.watch").joinpath("data", "starter_sources.json")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return [
        StarterSource(
            name=str(entry["name"]),
            kind=str(entry.get("kind", "feed")),
            url=str(entry["url"]),
            verified_from=tuple(str(v) for v in entry.get("verified_from", [])),
            note=str(entry.get("note", "")),
        )
        for entry in data.get("sources", [])
    ]


def add_starter_sources(organisation: Organisation) -> list[AddedSource]:
    added = []
    for starter in starter_sources():
        new = source_type(starter.kind).normalise(starter.url)
        source, created = _create(
            organisation, new, title=starter.name, weight=1.0, interval=DEFAULT_POLL_SECONDS
        )
        added.append(AddedSource(source, created))
    return added


# --- scheduling ------------------------------------------------------------------------------


SCHEDULE_KEY = "watch.schedule"


def ensure_schedule() -> None:
    """Start the periodic schedule job (``kaiku.watch.jobs.schedule``) unless one is open."""
    enqueue("watch.schedule", {}, unique_key=SCHEDULE_KEY)


def poll(source_id: int) -> None:
    """Enqueue a ``watch.poll`` job for the source (at most one open job per source)."""
    enqueue("watch.poll", {"source_id": source_id}, unique_key=f"watch.poll:{source_id}")


def schedule_due(now: datetime | None = None) -> int:
    """Enqueue one ``watch.poll`` job per due source (at most one open job per source)."""
    count = 0
    for source_id in due_sources(now).values_list("id", flat=True):
        poll(source_id)
        count += 1
    return count


@transaction.atomic
def fetch_now(organisation: Organisation) -> int:
    """Poll every enabled source of the organisation now (the worker runs the jobs); how many.
    One transaction: the sources' new times and their jobs appear together."""
    ids = list(
        Source.objects.filter(organisation=organisation, enabled=True).values_list("id", flat=True)
    )
    Source.objects.filter(pk__in=ids).update(next_poll_at=timezone.now(), backoff_until=None)
    for source_id in ids:
        poll(source_id)
    return len(ids)


# --- items -----------------------------------------------------------------------------------


def items_for(
    organisation: Organisation,
    *,
    topic: Topic | None = None,
    source: Source | None = None,
    platform: str = "",
    since: datetime | None = None,
) -> QuerySet[Item]:
    """The organisation's items, newest first, optionally narrowed."""
    items = Item.objects.filter(organisation=organisation)
    if topic is not None:
        items = items.filter(topic_links__topic=topic)
    if source is not None:
        items = items.filter(seen_in__source=source)
    if platform:
        items = items.filter(platform=platform)
    if since is not None:
        items = items.filter(Q(published_at__gte=since) | Q(fetched_at__gte=since))
    return items.order_by("-published_at", "-id")


def set_item_state(
    user: AbstractBaseUser,
    item: Item,
    *,
    read: bool | None = None,
    starred: bool | None = None,
) -> ItemState:
    state, _created = ItemState.objects.get_or_create(user=user, item=item)  # type: ignore[misc]
    if read is not None:
        state.read = read
    if starred is not None:
        state.starred = starred
    state.updated_at = timezone.now()
    state.save(update_fields=["read", "starred", "updated_at"])
    return state
