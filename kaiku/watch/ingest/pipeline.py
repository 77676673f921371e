"""Polling: read due sources concurrently, write their items, record each outcome.

Threads fetch; parsing, sanitising and analysis (no database) run in the same threads or, with
several cores and many sources, in worker processes that get the fetched bytes. The calling
thread writes, one source at a time, so SQLite sees one writer. Every outcome is recorded on
its source with one UPDATE, in the same transaction as its items: success (validators,
cursors, next poll with jitter) or failure (the error in words, a backoff that grows with the
error count or follows Retry-After, capped at 24 h). One source's failure never touches
another's items or state.

A feed address that several organisations follow (an umbrella body hosting its members) is
fetched and parsed once per poll for all of its due sources (``poll_group``); each source
then gets the items as its own (its merge guids, its organisation's topic matches) and its
outcome is recorded on it as if it had been read alone: its validators, errors, backoff and
redirects. Platform sources, read with their organisation's settings, are polled one by one.
"""

from __future__ import annotations

import functools
import logging
import marshal
import multiprocessing
import os
import random
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import (
    FIRST_COMPLETED,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    wait,
)
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, connections, transaction
from django.db.models import Field, Q, QuerySet
from django.utils import timezone, translation

from kaiku.channels import registry
from kaiku.channels.reading import AccountReads
from kaiku.connections.models import ChannelAccount
from kaiku.watch.errors import WatchError
from kaiku.watch.fetch import Fetcher
from kaiku.watch.ingest.analysis import TopicMatcher
from kaiku.watch.ingest.matcher import matcher_for
from kaiku.watch.ingest.prepare import (
    SourceKeys,
    items_for_source,
    lower_priority,
    read_and_prepare,
    read_and_prepare_packed,
    read_and_prepare_shared,
    read_and_prepare_shared_packed,
    unpack,
)
from kaiku.watch.ingest.sanitize import plain
from kaiku.watch.ingest.store import PreparedItem, StoreResult, store
from kaiku.watch.models import DEFAULT_APPVIEW_URL, MIN_POLL_SECONDS, Source, WatchSettings
from kaiku.watch.sources import (
    SHARED_KINDS,
    PollContext,
    PollResult,
    SourceSnapshot,
    source_type,
)

logger = logging.getLogger(__name__)
T = TypeVar("T")

BACKOFF_CAP = timedelta(hours=24)
JITTER = 0.1
DEFAULT_WORKERS = 24
PROCESS_THRESHOLD = 100
RECORD_BATCH = 16  # sources per transaction, so a web request waits at most ~0.2 s
# The one writer is the critical path of a big run: it must not wait for a core while the
# parse processes use both, and each commit should carry several sources (a commit costs
# about as much as storing a source's items). So the parse processes run at a lower priority,
# and the writer, once an outcome is ready, waits up to GATHER_SECONDS for more. Measured with
# bench/watch_ingest.py on two cores: about 6% more items a second.
PARSE_NICENESS = 10
GATHER_SECONDS = 0.05
# A follower of a feed address being fetched rides along when its own turn is this close.
SHARE_AHEAD = timedelta(minutes=10)
_rng = random.Random()


@dataclass
class Outcome:
    source: SourceSnapshot
    result: PollResult | None = None
    items: list[PreparedItem] = field(default_factory=list)
    error: WatchError | None = None
    seconds: float = 0.0


@dataclass
class SourceReport:
    source_id: int
    title: str
    new: int = 0
    merged: int = 0
    not_modified: bool = False
    error: str = ""


@dataclass
class RunSummary:
    sources: int = 0
    fetched: int = 0
    not_modified: int = 0
    new: int = 0
    merged: int = 0
    errors: list[SourceReport] = field(default_factory=list)
    reports: list[SourceReport] = field(default_factory=list)
    seconds: float = 0.0
    reads: int = 0  # fetches (or platform reads): one per address however many follow it


def jittered(delta: timedelta) -> timedelta:
    return delta * _rng.uniform(1 - JITTER, 1 + JITTER)


def due_sources(
    now: datetime | None = None, organisation_id: int | None = None
) -> QuerySet[Source]:
    now = now or timezone.now()
    due = Source.objects.filter(enabled=True, next_poll_at__lte=now).filter(
        Q(backoff_until__isnull=True) | Q(backoff_until__lte=now)
    )
    if organisation_id is not None:
        due = due.filter(organisation_id=organisation_id)
    return due.order_by("next_poll_at", "id")


def context_for(organisation_id: int, fetcher: Fetcher) -> PollContext:
    config = WatchSettings.objects.filter(organisation_id=organisation_id).first()
    accounts = reading_accounts(organisation_id)
    if config is None:
        return PollContext(
            fetcher=fetcher, bluesky_appview_url=DEFAULT_APPVIEW_URL, accounts=accounts
        )
    return PollContext(
        fetcher=fetcher,
        bluesky_appview_url=config.bluesky_appview_url or DEFAULT_APPVIEW_URL,
        x_plan=config.x_plan,
        accounts=accounts,
    )


def reading_accounts(organisation_id: int) -> dict[str, AccountReads]:
    """The organisation's connected accounts that the platforms' readers read with (X's), one
    per platform: a working one before one that needs reconnecting (a reader then says so),
    the oldest first. A disconnected account is never used."""
    found: dict[str, AccountReads] = {}
    accounts = (
        ChannelAccount.objects.filter(
            organisation_id=organisation_id, platform__in=registry.reading_platforms()
        )
        .exclude(status=ChannelAccount.Status.DISCONNECTED)
        .order_by("created_at", "id")
    )
    working = [a for a in accounts if a.status == ChannelAccount.Status.ACTIVE]
    for account in working + [a for a in accounts if a not in working]:
        if account.platform in found:
            continue
        connector = account.connector()
        if isinstance(connector, AccountReads):
            found[account.platform] = _FromPollThreads(connector)
    return found


class _FromPollThreads:
    """An account read with from the poll's threads. A token renewal saves the rotated pair
    from the thread, on a database connection Django opens for that thread and leaves to it
    to close: closed after each read, so no renewal leaves a connection behind."""

    def __init__(self, account: AccountReads) -> None:
        self._account = account

    def read_as_account(self, op: Callable[[Any], T]) -> T:
        try:
            return self._account.read_as_account(op)
        finally:
            if threading.current_thread() is not threading.main_thread():
                connections.close_all()


def poll_and_prepare(
    snapshot: SourceSnapshot,
    ctx: PollContext,
    matcher: TopicMatcher | None,
    processes: ProcessPoolExecutor | None = None,
) -> Outcome:
    """Read one source and prepare its items. Never raises: errors land in the outcome."""
    started = time.monotonic()
    outcome = Outcome(snapshot)
    try:
        kind = source_type(snapshot.kind)
        result = kind.poll(snapshot, ctx)
        if processes is not None and (result.body is not None or result.entries):
            # Parsing, sanitising and analysis in a worker process: the body goes as bytes,
            # which pickle for next to nothing, and only the packed items come back.
            work = functools.partial(
                read_and_prepare_packed,
                source_id=snapshot.id,
                platform=kind.platform,
                matcher=matcher,
            )
            outcome.result, packed = processes.submit(work, result).result()
            outcome.items = unpack(packed)
        else:
            outcome.result, outcome.items = read_and_prepare(
                result, source_id=snapshot.id, platform=kind.platform, matcher=matcher
            )
    except WatchError as exc:
        outcome.error = exc
    except Exception as exc:  # a parser or platform surprise must not stop the other sources
        logger.exception("watch: source %s failed unexpectedly", snapshot.id)
        outcome.error = WatchError("internal", detail=type(exc).__name__)
    outcome.seconds = time.monotonic() - started
    return outcome


def poll_group(
    snapshots: list[SourceSnapshot],
    ctx: PollContext,
    matchers: Sequence[TopicMatcher | None],
    processes: ProcessPoolExecutor | None = None,
) -> list[Outcome]:
    """Read one feed address for every source in ``snapshots`` (same ``fetch_key``, each of
    another organisation, as a rule) with one fetch and one parse. Never raises.

    The conditional GET sends validators only when every source holds the same ones (a
    source that has not seen the feed yet must get its items); the answer's validators, a
    304, an error or a permanent redirect then count for each source."""
    if len(snapshots) == 1:
        return [poll_and_prepare(snapshots[0], ctx, matchers[0], processes)]
    started = time.monotonic()
    outcomes = [Outcome(snap) for snap in snapshots]
    first = snapshots[0]
    same = len({(s.etag, s.last_modified) for s in snapshots}) == 1
    request = first if same else replace(first, etag="", last_modified="")
    ids = [snap.id for snap in snapshots]
    try:
        kind = source_type(first.kind)
        result = kind.poll(request, ctx)
        items: list[PreparedItem]
        keys: list[SourceKeys]
        if processes is not None and result.body is not None:
            work = functools.partial(
                read_and_prepare_shared_packed,
                source_ids=ids,
                platform=kind.platform,
                matchers=matchers,
            )
            result, packed, packed_keys = processes.submit(work, result).result()
            items, keys = unpack(packed), marshal.loads(packed_keys)
        else:
            result, items, keys = read_and_prepare_shared(
                result, source_ids=ids, platform=kind.platform, matchers=matchers
            )
        for outcome, own in zip(outcomes, keys, strict=True):
            outcome.result = result  # read only by the writer: one object serves all
            outcome.items = items_for_source(items, own)
    except WatchError as exc:
        for outcome in outcomes:
            outcome.error = exc
    except Exception as exc:  # a parser surprise must not stop the other sources
        logger.exception("watch: shared read of sources %s failed unexpectedly", ids)
        for outcome in outcomes:
            outcome.error = WatchError("internal", detail=type(exc).__name__)
    seconds = time.monotonic() - started
    for outcome in outcomes:
        outcome.seconds = seconds
    return outcomes


def fetch_groups(snapshots: list[SourceSnapshot]) -> list[list[SourceSnapshot]]:
    """The snapshots grouped by what one fetch serves (``SourceSnapshot.fetch_key``), in the
    order of each group's first source; a source read per source is a group of its own."""
    groups: dict[object, list[SourceSnapshot]] = {}
    for snap in snapshots:
        key = snap.fetch_key
        groups.setdefault(key if key is not None else ("source", snap.id), []).append(snap)
    return list(groups.values())


def _in_site_language(error: WatchError) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return error.message


def _backoff(source: Source, error: WatchError, now: datetime) -> datetime:
    if error.retry_after is not None:
        wait = timedelta(seconds=max(error.retry_after, 60))
    else:
        steps = min(source.error_count, 10)  # error_count before this failure
        wait = timedelta(seconds=max(source.poll_interval, MIN_POLL_SECONDS)) * 2**steps
        if error.permanent:
            wait = max(wait, timedelta(hours=12))
    return now + min(jittered(wait), BACKOFF_CAP)


def record(outcome: Outcome, *, now: datetime | None = None) -> SourceReport:
    """Write an outcome: items first, then the source's state, in one transaction (one
    commit per source rather than two). Returns what happened."""
    with transaction.atomic():
        source = Source.objects.filter(pk=outcome.source.id).first()
        return _record(outcome, now or timezone.now(), source)


def record_many(outcomes: list[Outcome], *, now: datetime | None = None) -> list[SourceReport]:
    """Record outcomes that are ready together, up to RECORD_BATCH in one transaction.

    Each outcome still has its own savepoint, so one source's failed store rolls back only
    its own items. A commit costs about as much as storing a source's items (in WAL mode it
    is where SQLite checkpoints), and outcomes pile up only when the writer is behind, so
    batching is what lets the writer catch up. Should the shared commit fail, each outcome
    is recorded again on its own."""
    reports: list[SourceReport] = []
    for start in range(0, len(outcomes), RECORD_BATCH):
        batch = outcomes[start : start + RECORD_BATCH]
        try:
            with transaction.atomic():
                # One query for the batch's sources instead of one per source.
                sources = Source.objects.in_bulk([outcome.source.id for outcome in batch])
                done = []
                for outcome in batch:
                    with transaction.atomic():
                        source = sources.get(outcome.source.id)
                        done.append(_record(outcome, now or timezone.now(), source))
        except DatabaseError:
            if len(batch) == 1:
                raise
            logger.exception("watch: recording %s sources together failed", len(batch))
            done = [record(outcome, now=now) for outcome in batch]
        reports += done
    return reports


def _record(outcome: Outcome, now: datetime, source: Source | None) -> SourceReport:
    snap = outcome.source
    if source is None:  # deleted meanwhile
        return SourceReport(snap.id, snap.title, error="deleted")
    report = SourceReport(source.pk, str(source))
    result = outcome.result
    stored = StoreResult()
    if outcome.error is None and result is not None:
        try:
            with transaction.atomic():  # a savepoint: a failed store leaves the source's update
                stored = store(source.organisation_id, source.pk, outcome.items, now, source.weight)
        except (DatabaseError, IntegrityError) as exc:
            logger.exception("watch: storing items of source %s failed", source.pk)
            outcome.error = WatchError("internal", detail=type(exc).__name__)
    if outcome.error is not None:
        error = outcome.error
        fields: dict[str, object] = {
            "last_polled_at": now,
            "last_error": _in_site_language(error),
            "last_error_code": error.code,
            "last_error_params": _jsonable(error.params),
            "last_error_at": now,
            "error_count": source.error_count + 1,
        }
        until = _backoff(source, error, now)
        fields.update(backoff_until=until, next_poll_at=until)
        update_source(source.pk, fields)
        report.error = str(fields["last_error"])
        return report
    assert result is not None
    fields = {
        "last_polled_at": now,
        "last_success_at": now,
        "error_count": 0,
        "backoff_until": None,
        "next_poll_at": now + jittered(source.poll_delta),
        "etag": result.etag[:500],
        "last_modified": result.last_modified[:100],
    }
    if result.problem is not None:  # read in part: keep the items, say what was wrong
        fields.update(
            last_error=_in_site_language(result.problem),
            last_error_code=result.problem.code,
            last_error_params=_jsonable(result.problem.params),
            last_error_at=now,
        )
    else:
        fields.update(last_error="", last_error_code="", last_error_params={})
    if result.state is not None:
        fields["state"] = result.state
    if result.title and not source.title:
        fields["title"] = plain(result.title, 300)  # as cleaned as the items' titles
    if result.site_url and not source.site_url and result.site_url.startswith("http"):
        fields["site_url"] = result.site_url[:2000]
    update_source(source.pk, fields)
    if result.moved_to and result.moved_to != source.url:
        _move(source, result.moved_to)
    report.new, report.merged, report.not_modified = stored.new, stored.merged, result.not_modified
    return report


def update_source(pk: int, fields: dict[str, object]) -> None:
    """``Source.objects.filter(pk=pk).update(**fields)`` as one plain UPDATE: each value made
    ready for the database by its field as the ORM does (``get_db_prep_save``), without
    compiling a query. Every polled source gets one, and the ORM spent about 100 µs of CPU
    on it (some 2 µs an item of a feed of 50); tests/watch/test_source_update.py compares
    the two."""
    meta = Source._meta
    ops = connection.ops
    columns = []
    params = []
    for name, value in fields.items():
        model_field = meta.get_field(name)
        if not isinstance(model_field, Field) or model_field.column is None:
            raise ValueError(f"not a column of Source: {name}")
        columns.append(f"{ops.quote_name(model_field.column)} = %s")
        params.append(model_field.get_db_prep_save(value, connection))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {ops.quote_name(meta.db_table)} SET {', '.join(columns)} WHERE id = %s",
            [*params, pk],
        )


def _move(source: Source, url: str) -> None:
    """Follow a permanent redirect, unless the organisation already has that source."""
    try:
        with transaction.atomic():  # a savepoint: the failed UPDATE must not spoil the rest
            Source.objects.filter(pk=source.pk).update(url=url[:2000])
    except IntegrityError:
        logger.info("watch: source %s moved to %s, which is already followed", source.pk, url)


def _jsonable(params: dict[str, object]) -> dict[str, object]:
    return {k: v if isinstance(v, int | float | str) else str(v) for k, v in params.items()}


def poll_sources(
    sources: Iterable[Source],
    *,
    workers: int = DEFAULT_WORKERS,
    fetcher: Fetcher | None = None,
    progress: Callable[[SourceReport], None] | None = None,
    processes: int | None = None,
    share_fetches: bool = True,
) -> RunSummary:
    """Poll the given sources now, concurrently, and record every outcome.

    ``processes`` worker processes sanitise and analyse (the CPU-heavy part) when given, or
    by default when there are several cores and at least PROCESS_THRESHOLD sources.
    ``share_fetches``: one fetch per feed address for all its sources (see ``poll_group``);
    off, every source is fetched on its own (for comparison in bench/watch_shared_fetch.py).
    """
    started = time.monotonic()
    snapshots = [SourceSnapshot.of(s) for s in sources]
    summary = RunSummary(sources=len(snapshots))
    if not snapshots:
        return summary
    own = fetcher is None
    fetcher = fetcher or Fetcher(pool_size=max(workers, 4))
    orgs = {s.organisation_id for s in snapshots}
    contexts = {org: context_for(org, fetcher) for org in orgs}
    matchers = {org: matcher_for(org) for org in orgs}
    if processes is None:
        cores = os.cpu_count() or 1
        processes = cores if cores > 1 and len(snapshots) >= PROCESS_THRESHOLD else 0
    pool_of_processes = parse_processes(processes) if processes else None
    pending: set[Future[list[Outcome]]] = set()
    groups = fetch_groups(snapshots) if share_fetches else [[snap] for snap in snapshots]
    summary.reads = len(groups)
    queue = iter(groups)
    # At most two outcomes per thread wait for the writer, so memory stays flat however
    # many sources are due.
    in_flight = max(2, workers * 2)
    try:
        with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="watch") as pool:
            while True:
                for group in queue:
                    # A group's sources share only the fetch; the context (the fetcher, for
                    # the kinds that are shared) is the first's, the matchers each their own.
                    ctx = contexts[group[0].organisation_id]
                    wanted = [matchers[snap.organisation_id] for snap in group]
                    pending.add(pool.submit(poll_group, group, ctx, wanted, pool_of_processes))
                    if len(pending) >= in_flight:
                        break
                if not pending:
                    break
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                # A shared fetch's future carries an outcome per source: count outcomes.
                ready = sum(len(future.result()) for future in done)
                if ready < RECORD_BATCH and pending:
                    more, pending = wait(pending, timeout=GATHER_SECONDS)
                    done |= more
                outcomes = [outcome for future in done for outcome in future.result()]
                for report in record_many(outcomes):
                    _tally(summary, report)
                    if progress is not None:
                        progress(report)
    finally:
        if pool_of_processes is not None:
            pool_of_processes.shutdown(cancel_futures=True)
        if own:
            fetcher.close()
    summary.seconds = time.monotonic() - started
    return summary


def parse_processes(count: int) -> ProcessPoolExecutor:
    """Worker processes for parsing, sanitising and analysis, below the writer's priority.

    Spawned, not forked: this process has threads and open database connections."""
    return ProcessPoolExecutor(
        count,
        mp_context=multiprocessing.get_context("spawn"),
        # From the Django-free module the processes import anyway.
        initializer=lower_priority,
        initargs=(PARSE_NICENESS,),
    )


def _tally(summary: RunSummary, report: SourceReport) -> None:
    summary.reports.append(report)
    if report.error:
        summary.errors.append(report)
        return
    summary.fetched += 1
    summary.not_modified += int(report.not_modified)
    summary.new += report.new
    summary.merged += report.merged


def riders(
    due: list[Source], now: datetime | None = None, organisation_id: int | None = None
) -> list[Source]:
    """Sources not due yet, but within SHARE_AHEAD of their turn, that follow an address a
    due source is fetched from: they share its fetch instead of fetching it again minutes
    later. Without them the group would drift apart, as each source's next poll is jittered
    on its own; with them, one fetch a round serves every follower. Sources in backoff wait
    for it."""
    now = now or timezone.now()
    keys = {key for key in (SourceSnapshot.of(s).fetch_key for s in due) if key is not None}
    if not keys:
        return []
    taken = {s.pk for s in due}
    urls = sorted({s.url for s in due if s.kind in SHARED_KINDS})
    found: list[Source] = []
    for start in range(0, len(urls), 500):
        near = Source.objects.filter(
            enabled=True,
            kind__in=SHARED_KINDS,
            next_poll_at__lte=now + SHARE_AHEAD,
            url__in=urls[start : start + 500],
        ).filter(Q(backoff_until__isnull=True) | Q(backoff_until__lte=now))
        if organisation_id is not None:
            near = near.filter(organisation_id=organisation_id)
        found += [s for s in near if s.pk not in taken and SourceSnapshot.of(s).fetch_key in keys]
    return found


def run_once(
    *,
    organisation_id: int | None = None,
    now: datetime | None = None,
    workers: int = DEFAULT_WORKERS,
    progress: Callable[[SourceReport], None] | None = None,
    processes: int | None = None,
) -> RunSummary:
    """Poll every source that is due now (optionally of one organisation), and the sources
    that ride along on their fetches (``riders``)."""
    due = list(due_sources(now, organisation_id))
    due += riders(due, now, organisation_id)
    return poll_sources(due, workers=workers, progress=progress, processes=processes)


def poll_one(source: Source, *, fetcher: Fetcher | None = None) -> SourceReport:
    """Poll one source in this thread (the ``watch.poll`` job), with the sources of other
    organisations that follow the same feed address and are due, or nearly (``riders``):
    one fetch for all of them. Their own jobs then find them polled and do nothing."""
    group = [source, *riders([source])]
    summary = poll_sources(group, workers=1, fetcher=fetcher)
    return next(r for r in summary.reports if r.source_id == source.pk)
