"""Timestamp identifiers (TIDs): unique, time-ordered keys that the engine mints for each part.

https://atproto.com/specs/tid: 64 bits, top bit 0, 53 bits of microseconds since the epoch,
10 bits of clock id; 13 characters of base32-sortable, so string order is time order.

A key is minted once per part, stored with the delivery before any request, and reused on every
retry and reconcile: Bluesky uses it as the record key, other platforms may use it as an
idempotency key. Uniqueness is by construction, not by chance:

- within a process, ``TidClock`` never hands out the same microsecond twice (it moves on by one
  microsecond when the wall clock has not, or has gone back), whatever the number of threads;
- between processes, each clock has its own random clock id, so two workers can only clash if
  they draw the same one of 1,024 ids *and* mint in the same microsecond.

Deriving the key from a time shared by many deliveries (a batch claim gives up to 100 of them
the same first-attempt time) is what this replaces: 10 bits of a hash clash about once in 40
deliveries of a full batch.
"""

from __future__ import annotations

import os
import re
import secrets
import threading
import time
from collections.abc import Callable

_B32_SORTABLE = "234567abcdefghijklmnopqrstuvwxyz"
_TID_RE = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")


def make_tid(timestamp_us: int, clock_id: int) -> str:
    if not 0 <= timestamp_us < 1 << 53:
        raise ValueError("timestamp out of range")
    if not 0 <= clock_id < 1 << 10:
        raise ValueError("clock id out of range")
    value = (timestamp_us << 10) | clock_id
    return "".join(_B32_SORTABLE[(value >> shift) & 31] for shift in range(60, -1, -5))


def parse_tid(tid: str) -> tuple[int, int]:
    """(microseconds since the epoch, clock id)."""
    if not _TID_RE.fullmatch(tid):
        raise ValueError(f"not a TID: {tid!r}")
    value = 0
    for char in tid:
        value = (value << 5) | _B32_SORTABLE.index(char)
    return value >> 10, value & 0x3FF


def is_tid(value: str) -> bool:
    return bool(_TID_RE.fullmatch(value))


def _now_us() -> int:
    return time.time_ns() // 1000


class TidClock:
    """Hands out strictly increasing TIDs with one clock id, safe to share between threads."""

    def __init__(self, clock_id: int | None = None, *, now_us: Callable[[], int] = _now_us) -> None:
        self.clock_id = secrets.randbelow(1024) if clock_id is None else clock_id
        if not 0 <= self.clock_id < 1024:
            raise ValueError("clock id out of range")
        self._now_us = now_us
        self._last = 0
        self._lock = threading.Lock()

    def next(self) -> str:
        with self._lock:
            # Never the same microsecond twice, even when many keys are minted in one
            # microsecond or the wall clock steps back.
            self._last = max(self._now_us(), self._last + 1)
            return make_tid(self._last, self.clock_id)

    def many(self, count: int) -> list[str]:
        return [self.next() for _ in range(count)]


_clock: TidClock | None = None
_clock_pid = 0
_clock_lock = threading.Lock()


def process_clock() -> TidClock:
    """This process's clock. A new process (a forked worker too) gets a new random clock id."""
    global _clock, _clock_pid
    with _clock_lock:
        if _clock is None or _clock_pid != os.getpid():
            _clock, _clock_pid = TidClock(), os.getpid()
        return _clock


def new_tid() -> str:
    """A fresh TID from this process's clock."""
    return process_clock().next()
