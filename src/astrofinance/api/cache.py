"""A cache of expensive answers (the loans list's total and summary, portfolio metrics) keyed
by their inputs and the data version (migration 0009).

An entry is used only while the data version is the one it was computed at. Any committed
change to loans, customers, officers, repayments, schedules, holidays or wave rules moves the
version on, so the next request recomputes. One case the version alone cannot see: a request
that reads the version while a change is committing (the sequence moves at the end of the
writing statement, a moment before its commit) may compute without that change and keep the
answer under the new version. So right after the version, the writing transactions in flight
are checked (db/versions.py; pg_locks: each holds the lock on its own transaction id): when
none is, every change the version counts is committed and visible to the computation, and the
entry is kept until the version moves ("settled"); otherwise it lives at most the time to live
(ASTROFINANCE_API_CACHE_SECONDS, default 10; 0 turns caching off).

Per process: each uvicorn worker keeps its own entries (at most MAX_ENTRIES, least recently
used dropped). Concurrent requests for the same missing entry compute it once; the others wait.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from astrofinance.db.versions import Counter, read_counter

MAX_ENTRIES = 512


Version = Counter
"""The data version: its number and whether it is settled (db/versions.py)."""


@dataclass(frozen=True)
class _Entry:
    version: int
    settled: bool
    stored_at: float
    value: Any


class VersionedCache:
    """get(conn, key, compute): the cached value for key, or compute(conn) stored."""

    def __init__(self, seconds: float, max_entries: int = MAX_ENTRIES) -> None:
        self.seconds = seconds
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._lock = threading.Lock()
        self._computing: dict[Hashable, threading.Lock] = {}
        self.hits = self.misses = 0

    def get(self, conn: Connection, key: Hashable, compute: Callable[[Connection], Any],
            version: Version | None = None) -> Any:
        """`version`: the data version if the caller has read it already (one read serves
        all the entries of a request)."""
        if self.seconds <= 0:
            return compute(conn)
        if version is None:
            version = data_version(conn)
        value = self._fresh(key, version)
        if value is not None:
            return value
        with self._lock:
            key_lock = self._computing.setdefault(key, threading.Lock())
        with key_lock:
            value = self._fresh(key, version)   # another request computed it meanwhile
            if value is not None:
                return value
            self.misses += 1
            value = compute(conn)
            with self._lock:
                self._entries[key] = _Entry(version.number, version.settled,
                                            time.monotonic(), value)
                self._entries.move_to_end(key)
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
                self._computing.pop(key, None)
            return value

    def _fresh(self, key: Hashable, version: Version) -> Any:
        with self._lock:
            entry = self._entries.get(key)
            if (entry is None or entry.version != version.number
                    or (not entry.settled
                        and time.monotonic() - entry.stored_at > self.seconds)):
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry.value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def data_version(conn: Connection) -> Version:
    """How many changing statements the database has seen (never goes back), and whether
    no writing transaction was in flight then (db/versions.py)."""
    return read_counter(conn, "data_version")
