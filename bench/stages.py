"""CPU time by stage, for the ingest bench: wrappers that charge each call's thread CPU time
(``time.thread_time``) to a stage, exclusively (a stage called inside another is charged to
itself, not to the outer one), in every thread and in every worker process.

A worker process installs the wrappers in its pool initializer (``worker_init``) and writes its
totals to ``$BENCH_STAGE_DIR/<pid>.json`` when it exits (multiprocessing's finalizers run then);
the bench process sums them (``collect``). Each wrapped call costs two clock reads, about 1 µs.
"""

from __future__ import annotations

import functools
import json
import os
import threading
import time
from collections.abc import Callable
from multiprocessing import util
from pathlib import Path
from typing import Any

TOTALS: dict[str, float] = {}
CALLS: dict[str, int] = {}
_LOCK = threading.Lock()
_local = threading.local()


def _charge(stage: str, seconds: float) -> None:
    with _LOCK:
        TOTALS[stage] = TOTALS.get(stage, 0.0) + seconds
        CALLS[stage] = CALLS.get(stage, 0) + 1


def timed(stage: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """``func`` charging its thread CPU time, less that of the timed calls inside, to ``stage``."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        inner = getattr(_local, "inner", None)
        _local.inner = [0.0]
        started = time.thread_time()
        try:
            return func(*args, **kwargs)
        finally:
            spent = time.thread_time() - started
            _charge(stage, spent - _local.inner[0])
            _local.inner = inner
            if inner is not None:
                inner[0] += spent

    wrapper.__wrapped_stage__ = stage  # type: ignore[attr-defined]
    return wrapper


def patch(owner: Any, name: str, stage: str) -> None:
    func = getattr(owner, name)
    if getattr(func, "__wrapped_stage__", None) is None:
        setattr(owner, name, timed(stage, func))


def install_kaiku_workers() -> None:
    """The stages that run in a parse worker (or in a fetch thread without workers)."""
    from kaiku.watch.ingest import analysis, prepare

    patch(prepare, "read_body", "parse")
    patch(prepare, "prepare_one", "sanitise")  # what prepare_one does besides analyse
    patch(prepare, "analyse", "lemmas")  # analyse's own glue: joining the lemma lists
    patch(analysis, "guess_language", "language")
    patch(analysis, "_scan", "lemmas")
    patch(analysis.TopicMatcher, "match", "topics")
    patch(analysis, "stigma_count", "stigma")
    patch(prepare, "pack", "hand-over")


def install_kaiku_main() -> None:
    """The stages of the bench process: fetch threads and the writer."""
    from kaiku.watch.ingest import pipeline
    from kaiku.watch.sources.feed import FeedSource

    install_kaiku_workers()
    patch(FeedSource, "poll", "fetch")
    patch(pipeline, "unpack", "hand-over")
    patch(pipeline, "record_many", "store")


def install_reader() -> None:
    from reader._parser import Parser
    from reader._storage._entries import EntriesMixin
    from reader._storage._feeds import FeedsMixin

    patch(Parser, "retrieve", "fetch")
    patch(Parser, "parse", "parse+sanitise")
    for name in ("get_entries_for_update", "add_or_update_entries"):
        patch(EntriesMixin, name, "store")
    for name in ("get_feeds_for_update", "update_feed"):
        patch(FeedsMixin, name, "store")


def _dump() -> None:
    folder = os.environ.get("BENCH_STAGE_DIR")
    if folder:
        Path(folder, f"{os.getpid()}.json").write_text(json.dumps(TOTALS))


def worker_init(niceness: int) -> None:
    """A Kaiku parse worker's initializer: lower its priority as the pipeline's own does, time
    its stages, and leave its totals behind when it exits."""
    from kaiku.watch.ingest.prepare import lower_priority

    lower_priority(niceness)
    install_kaiku_workers()
    util.Finalize(None, _dump, exitpriority=100)


def collect(folder: str) -> dict[str, float]:
    """This process's totals plus those the worker processes left in ``folder``."""
    totals = dict(TOTALS)
    for path in Path(folder).glob("*.json"):
        for stage, seconds in json.loads(path.read_text()).items():
            totals[stage] = totals.get(stage, 0.0) + seconds
    return totals
