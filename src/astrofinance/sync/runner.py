"""Sync runs: full (resumable), incremental (watermarks), column fixes; each recorded.

Every batch is one target transaction that also records the run's counts and position
(sync_runs.cursors), so a run killed at any point leaves committed batches and a position that
matches them; the next `sync full` resumes after it. Writes are idempotent upserts by id, so
re-reading a batch changes nothing. One sync at a time (a session advisory lock); a run found
'running' while the lock is free was killed and is marked interrupted.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from queue import SimpleQueue
from typing import Any, Protocol

import psycopg
from psycopg import sql
from psycopg.copy import Copy

from astrofinance.auth.context import bulk_audit
from astrofinance.db.engine import Database, libpq_url
from astrofinance.errors import AstroFinanceError, Conflict
from astrofinance.kit.sql import load_sql
from astrofinance.sync.batch import BatchWriter
from astrofinance.sync.loader import Loader
from astrofinance.sync.mapping import EntityMapping
from astrofinance.sync.service import FileCounts
from astrofinance.sync.source import Batch, SqlSource
from astrofinance.sync.source_spec import SOURCE_ENTITIES, SOURCE_REFERENCES

PKG = "astrofinance.sync"
LOCK = "astrofinance.sync"
INCREMENTAL = ("officers", "customers", "loans", "repayments")
SCHEDULES = "new loans' schedules"
"""The progress name of the step that generates the new loans' schedules (after the batches)."""
HOLIDAY_ENTITIES = ("holidays", "officer_holidays")
"""What `sync holidays` takes (those the mapping has)."""
FIXES: dict[str, tuple[str, list[str]]] = {
    "officer-emails": ("officers", ["email"]),
    "first-due-dates": ("loans", ["first_payment_due_date"]),
    "repayment-amounts": ("loans", ["loan_amount", "interest_amount", "fee_amount",
                                    "repayment_amount"]),
}
"""The column fixes (`sync officer-emails` ...): command -> (entity, columns updated from the
source), for the CLI and the API alike."""


class SyncFailed(AstroFinanceError):
    """A run stopped on a database error; what it committed stays."""


class SyncProgress(Protocol):
    """What a run reports while it works (the CLI draws progress bars)."""

    def entity_started(self, name: str, total: int | None) -> None: ...
    def advanced(self, name: str, rows: int) -> None: ...
    def entity_done(self, name: str, counts: FileCounts) -> None: ...
    def note(self, text: str) -> None: ...


class Silent:
    def entity_started(self, name: str, total: int | None) -> None: ...
    def advanced(self, name: str, rows: int) -> None: ...
    def entity_done(self, name: str, counts: FileCounts) -> None: ...
    def note(self, text: str) -> None: ...


@dataclass
class SyncResult:
    run_id: int
    command: str
    status: str
    counts: dict[str, FileCounts] = field(default_factory=dict)
    resumed_from: int | None = None
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return sum(c.rejected for c in self.counts.values())

    @property
    def changed(self) -> int:
        return sum(c.inserted + c.updated for c in self.counts.values())


@dataclass
class BatchSizes:
    loans: int = 500
    repayments: int = 1000
    rows: int = 1000
    schedules: int = 5000
    """Loans per transaction when a run generates its new loans' schedules."""
    workers: int = 2
    """Connections generating those schedules at once (chunks are disjoint sets of loans)."""

    def of(self, entity: str) -> int:
        return {"loans": self.loans, "repayments": self.repayments}.get(entity, self.rows)


class Syncer:
    """Runs sync commands from one source into one database."""

    def __init__(self, source: SqlSource, db: Database, sizes: BatchSizes | None = None,
                 progress: SyncProgress | None = None, overlap_minutes: int = 10):
        self.source, self.db = source, db
        self.sizes = sizes or BatchSizes()
        self.progress = progress or Silent()
        self.overlap = dt.timedelta(minutes=overlap_minutes)

    # --- commands ------------------------------------------------------------------------

    def full(self, entities: Sequence[str] | None = None, restart: bool = False,
             command: str = "full") -> SyncResult:
        """Every row of every entity (or the given ones), resuming an unfinished full run."""
        names = self._entities(entities)
        with self._run(command) as (conn, run):
            previous = None if restart or command != "full" else self._unfinished_full(conn)
            if previous:
                run.resumed_from, run.cursors = previous
                self._save(conn, run, resumed=True)
                conn.commit()
                self.progress.note(f"resuming run {previous[0]} where it stopped")
            for name in names:
                self._full_entity(conn, run, self.source.mapping.entity(name))
        return run.result

    def incremental(self, entities: Sequence[str] = INCREMENTAL,
                    retry: bool = True) -> SyncResult:
        """Rows changed since each entity's watermark; then quarantined rows again."""
        names = self._entities(entities)
        with self._run("repayments" if names[-1] == "repayments" else "incremental") \
                as (conn, run):
            for name in names:
                em = self.source.mapping.entity(name)
                if em.changed:
                    self._incremental_entity(conn, run, em)
                else:
                    self._new_rows_entity(conn, run, em)
                if retry:
                    self._retry_quarantine(conn, run, em)
        return run.result

    def fix(self, command: str, entity: str, columns: Sequence[str]) -> SyncResult:
        """Update these columns of existing rows from the source (no inserts)."""
        with self._run(command) as (conn, run):
            self._full_entity(conn, run, self.source.mapping.entity(entity),
                              track_position=False, update_only=columns)
        return run.result

    # --- entities ------------------------------------------------------------------------

    def _full_entity(self, conn: psycopg.Connection, run: _Run, em: EntityMapping,
                     track_position: bool = True,
                     update_only: Sequence[str] | None = None) -> None:
        cursor = run.cursors.get(em.name, {}) if track_position else {}
        if cursor.get("done"):
            self.progress.note(f"{em.name}: already synced by run {run.resumed_from}")
            self._generate_schedules(conn, run, em)     # the run may have stopped before them
            return
        if track_position and "watermark" not in cursor:
            cursor["watermark"] = self.source.max_position(em)
        after = cursor.get("key")
        self.progress.entity_started(em.name, self.source.count(em))
        size = self.sizes.of(em.name)
        # the next batch is read from the source (a thread, the source's connection) while
        # this one is written to the target: only reads run ahead, never past a short batch
        with ThreadPoolExecutor(1, thread_name_prefix="sync-read") as ahead:
            self._full_batches(conn, run, em, size, update_only, cursor, after, ahead,
                               track_position)
        if update_only is None:
            self._generate_schedules(conn, run, em)
        counts = run.result.counts.get(em.name, FileCounts())
        if counts.inserted + counts.updated:
            self._analyze(conn, em.spec.table)
        self._tracked(conn, run, em)

    def _full_batches(self, conn: psycopg.Connection, run: _Run, em: EntityMapping, size: int,
                      update_only: Sequence[str] | None, cursor: dict[str, Any],
                      after: str | None, ahead: ThreadPoolExecutor,
                      track_position: bool) -> None:
        def read(key: str | None) -> tuple[Batch, bytes]:
            return self.source.read(self.source.select(em, limit=size, after_key=key))

        pending: Future[tuple[Batch, bytes]] = ahead.submit(read, after)
        while True:
            data = pending.result()
            if data[0].rows == size:
                pending = ahead.submit(read, data[0].last_key)
            batch_rows, after = self._batch(conn, run, em, size, update_only, read_ahead=data,
                                            after_key=after)
            cursor["key"] = after
            done = batch_rows < size
            if done:
                cursor["done"] = True
            if track_position:
                run.cursors[em.name] = cursor
            if done and cursor.get("watermark"):
                self._set_watermark(conn, em.name, cursor["watermark"])
            elif done and track_position and after is not None:
                self._set_key_watermark(conn, em.name, after)
            self._finish_batch(conn, run, em, batch_rows)
            if done:
                break

    def _incremental_entity(self, conn: psycopg.Connection, run: _Run,
                            em: EntityMapping) -> None:
        row = conn.execute("SELECT watermark_at, watermark_id FROM sync_tracking "
                           "WHERE entity = %s", [em.name]).fetchone()
        since = None if row is None or row[0] is None else row[0] - self.overlap
        self.progress.entity_started(em.name, self.source.count(em, since=since))
        size, position = self.sizes.of(em.name), None
        while True:
            holder: dict[str, Any] = {}
            rows, _ = self._batch(conn, run, em, size, None, since=since, after=position,
                                  holder=holder)
            if rows:
                position = (holder["changed"], holder["key"])
                self._set_watermark(conn, em.name, position)
            self._finish_batch(conn, run, em, rows)
            if rows < size:
                break
        self._generate_schedules(conn, run, em)
        self._tracked(conn, run, em)

    def _new_rows_entity(self, conn: psycopg.Connection, run: _Run,
                         em: EntityMapping) -> None:
        """An entity without a change column: rows with keys past the last key synced (ids
        only grow); changes to older rows come with the next full run."""
        row = conn.execute("SELECT watermark_id FROM sync_tracking WHERE entity = %s",
                           [em.name]).fetchone()
        after = row[0] if row else None
        self.progress.entity_started(em.name, self.source.count(em, after_key=after))
        size = self.sizes.of(em.name)
        while True:
            rows, after = self._batch(conn, run, em, size, None, after_key=after)
            if rows and after is not None:
                self._set_key_watermark(conn, em.name, after)
            self._finish_batch(conn, run, em, rows)
            if rows < size:
                break
        self._generate_schedules(conn, run, em)
        self._tracked(conn, run, em)

    def _retry_quarantine(self, conn: psycopg.Connection, run: _Run, em: EntityMapping) -> None:
        keys = [k for (k,) in conn.execute(
            "SELECT source_key FROM sync_quarantine WHERE entity = %s "
            "AND last_run_id IS DISTINCT FROM %s ORDER BY source_key", [em.name, run.id])]
        if not keys:
            return
        self.progress.note(f"{em.name}: retrying {len(keys)} quarantined row(s)")
        size = self.sizes.of(em.name)
        for i in range(0, len(keys), size):
            rows, _ = self._batch(conn, run, em, size, None, keys=keys[i:i + size])
            self._finish_batch(conn, run, em, rows)
        self._generate_schedules(conn, run, em)

    def _generate_schedules(self, conn: psycopg.Connection, run: _Run,
                            em: EntityMapping) -> None:
        """After an entity's loan batches: the generated schedules of every loan that has
        none (the new ones), set-based, sizes.schedules loans per transaction, on up to
        sizes.workers connections at once, with progress (SCHEDULES). The batches leave them
        to this step, so a run stopped before or during it leaves loans without a schedule,
        which the next run that syncs loans finds and schedules here."""
        if em.name != "loans":
            return
        chunks = Loader(conn, SOURCE_REFERENCES).unscheduled_chunks(self.sizes.schedules)
        conn.commit()
        if not chunks:
            return
        self.progress.entity_started(SCHEDULES, sum(n for _, _, n in chunks))
        description = f"sync run {run.id}: loans (schedules)"
        workers = min(self.sizes.workers, len(chunks))
        if workers > 1:
            total = self._generate_in_parallel(chunks, description, workers)
        else:
            total = 0
            for first, last, n in chunks:
                total += _generate_chunk(conn, description, first, last)
                self.progress.advanced(SCHEDULES, n)
        if total and "schedules" in self.source.mapping.entities:
            self._analyze(conn, "payment_schedules")     # the schedules entity joins it
        if total:
            self.progress.note(f"loans: generated the schedules of {total:,} new loan(s)")

    def _generate_in_parallel(self, chunks: Sequence[tuple[str, str, int]], description: str,
                              workers: int) -> int:
        """The chunks on `workers` connections of their own (each chunk one transaction).
        A chunk starts only when this thread has taken in an earlier one's end (a permit per
        chunk reported), so at most `workers` are in flight and a stop is not outrun by
        workers picking up more. Stopped (an error, Ctrl-C): chunks not started are dropped
        and those in flight are cancelled, so what stays committed is whole chunks, as with
        one connection."""
        url = libpq_url(self.db.url)
        idle: SimpleQueue[psycopg.Connection] = SimpleQueue()
        opened: list[psycopg.Connection] = []
        permits = threading.Semaphore(workers)
        stopping = threading.Event()

        def work(first: str, last: str) -> int:
            permits.acquire()
            if stopping.is_set():
                return 0
            c = idle.get()
            try:
                return _generate_chunk(c, description, first, last)
            finally:
                idle.put(c)

        try:
            for _ in range(workers):
                c = psycopg.connect(url)
                opened.append(c)
                c.execute("SET synchronous_commit = off")     # as the run's own connection
                c.commit()
                idle.put(c)
            total = 0
            with ThreadPoolExecutor(workers, thread_name_prefix="sync-schedules") as pool:
                futures = {pool.submit(work, first, last): n for first, last, n in chunks}
                try:
                    for done in as_completed(futures):
                        total += done.result()
                        self.progress.advanced(SCHEDULES, futures[done])
                        permits.release()
                except BaseException:
                    stopping.set()
                    for f in futures:
                        f.cancel()
                    for _ in futures:           # wake the workers waiting for a permit
                        permits.release()
                    for c in opened:
                        c.cancel_safe()
                    raise
            return total
        finally:
            for c in opened:
                c.close()

    def _batch(self, conn: psycopg.Connection, run: _Run, em: EntityMapping, size: int,
               update_only: Sequence[str] | None, holder: dict[str, Any] | None = None,
               read_ahead: tuple[Batch, bytes] | None = None,
               **position: Any) -> tuple[int, str | None]:
        """Read (or take the rows read ahead at this position) and write one batch (not
        committed); (rows read, last key)."""
        read: dict[str, Any] = {}

        def feed(copy: Copy) -> int:
            if read_ahead is not None:
                batch, data = read_ahead
                if data:
                    copy.write(data)
            else:
                batch = self.source.stream(self.source.select(em, limit=size, **position),
                                           copy.write)
            read.update(key=batch.last_key, changed=batch.last_changed)
            return batch.rows

        counts = BatchWriter(conn, em, run.id, update_only).write(feed)
        run.add(em.name, counts)
        if holder is not None:
            holder.update(read)
        return counts.read, read.get("key") or position.get("after_key")

    def _finish_batch(self, conn: psycopg.Connection, run: _Run, em: EntityMapping,
                      rows: int) -> None:
        self._save(conn, run)
        conn.commit()
        self.progress.advanced(em.name, rows)

    def _analyze(self, conn: psycopg.Connection, *tables: str) -> None:
        """Fresh statistics for tables a full run filled (perhaps from empty), once, for the
        entities after it: their reference checks probe these tables. A batch's own
        statements do not join the table it writes (the upsert is one INSERT ... ON
        CONFLICT), so nothing is analyzed per batch."""
        for table in tables:
            conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table)))
        conn.commit()

    # --- bookkeeping ---------------------------------------------------------------------

    def _entities(self, entities: Sequence[str] | None) -> list[str]:
        mapped = [n for n in SOURCE_ENTITIES if n in self.source.mapping.entities]
        if entities is None:
            return mapped
        for name in entities:
            self.source.mapping.entity(name)      # an unknown entity is an error
        return [n for n in mapped if n in entities]

    @contextmanager
    def _run(self, command: str) -> Iterator[tuple[psycopg.Connection, _Run]]:
        url = libpq_url(self.db.url)
        with psycopg.connect(url, autocommit=True) as lock_conn:
            _lock(lock_conn)
            with psycopg.connect(url) as conn:
                # a batch lost in a crash is re-read on resume (its position is committed
                # with it), so the sync need not wait for each commit's WAL flush
                conn.execute("SET synchronous_commit = off")
                run = _Run.start(conn, command, self.source)
                try:
                    yield conn, run
                except psycopg.Error as e:
                    run.fail(conn, e)
                    raise SyncFailed(f"sync run {run.id} failed: {_message(e)}; the batches "
                                     "before it are committed (a full run resumes from "
                                     "there)") from None
                except BaseException as e:
                    run.fail(conn, e)
                    raise
                run.finish(conn, "partial" if run.result.rejected else "succeeded")
                self.progress.note(f"run {run.id} {run.result.status} in "
                                   f"{run.result.seconds:.1f} s")

    def _unfinished_full(self, conn: psycopg.Connection) -> tuple[int, dict[str, Any]] | None:
        row = conn.execute(load_sql(PKG, "runs_unfinished_full"),
                           {"source": self.source.describe(),
                            "mapping": self.source.mapping.name}).fetchone()
        return (row[0], row[1]) if row else None

    def _save(self, conn: psycopg.Connection, run: _Run, resumed: bool = False) -> None:
        conn.execute("UPDATE sync_runs SET counts = %s, cursors = %s, resumed_from = %s "
                     "WHERE id = %s", [json.dumps(run.counts_json()), json.dumps(run.cursors),
                                       run.resumed_from, run.id])

    def _set_watermark(self, conn: psycopg.Connection, entity: str,
                       position: Sequence[str]) -> None:
        conn.execute(load_sql(PKG, "watermark_set"),
                     {"entity": entity, "at": position[0], "key": position[1]})

    def _set_key_watermark(self, conn: psycopg.Connection, entity: str, key: str) -> None:
        conn.execute("INSERT INTO sync_tracking AS t (entity, watermark_id, updated_at) "
                     "VALUES (%s, %s, now()) ON CONFLICT (entity) DO UPDATE "
                     "SET watermark_id = EXCLUDED.watermark_id, updated_at = now()",
                     [entity, key])

    def _tracked(self, conn: psycopg.Connection, run: _Run, em: EntityMapping) -> None:
        counts = run.result.counts.get(em.name, FileCounts())
        conn.execute(load_sql(PKG, "sync_tracked"),
                     {"entity": em.name, "written": counts.inserted + counts.updated,
                      "status": f"{run.command} run {run.id}"})
        conn.commit()
        self.progress.entity_done(em.name, counts)


@dataclass
class _Run:
    id: int
    command: str
    started: float
    result: SyncResult
    cursors: dict[str, Any] = field(default_factory=dict)
    resumed_from: int | None = None

    @classmethod
    def start(cls, conn: psycopg.Connection, command: str, source: SqlSource) -> _Run:
        run_id = conn.execute("INSERT INTO sync_runs (command, source, mapping, pid) "
                              "VALUES (%s, %s, %s, %s) RETURNING id",
                              [command, source.describe(), source.mapping.name,
                               os.getpid()]).fetchone()[0]  # type: ignore[index]
        conn.commit()
        return cls(run_id, command, time.monotonic(), SyncResult(run_id, command, "running"))

    def add(self, entity: str, counts: FileCounts) -> None:
        total = self.result.counts.setdefault(entity, FileCounts())
        for name in ("read", "inserted", "updated", "rejected"):
            setattr(total, name, getattr(total, name) + getattr(counts, name))

    def counts_json(self) -> dict[str, dict[str, int]]:
        return {n: {"read": c.read, "inserted": c.inserted, "updated": c.updated,
                    "unchanged": c.unchanged, "rejected": c.rejected}
                for n, c in self.result.counts.items()}

    def finish(self, conn: psycopg.Connection, status: str) -> None:
        self._end(status)
        conn.execute("UPDATE sync_runs SET status = %s, finished_at = clock_timestamp(), "
                     "duration_ms = %s, counts = %s, cursors = %s WHERE id = %s",
                     [status, round(self.result.seconds * 1000), json.dumps(self.counts_json()),
                      json.dumps(self.cursors), self.id])
        conn.commit()

    def fail(self, conn: psycopg.Connection, e: BaseException) -> None:
        """Record the failure; counts and position stay as the last committed batch left
        them (the failed batch was rolled back)."""
        status = "interrupted" if isinstance(e, KeyboardInterrupt) else "failed"
        self._end(status)
        try:
            conn.rollback()
            conn.execute("UPDATE sync_runs SET status = %s, finished_at = clock_timestamp(), "
                         "duration_ms = %s, errors = %s WHERE id = %s",
                         [status, round(self.result.seconds * 1000), _message(e), self.id])
            conn.commit()
        except psycopg.Error:       # the connection is gone: the next run marks it
            pass

    def _end(self, status: str) -> None:
        self.result.status = status
        self.result.resumed_from = self.resumed_from
        self.result.seconds = time.monotonic() - self.started


def _generate_chunk(conn: psycopg.Connection, description: str, first: str, last: str) -> int:
    """One chunk of new loans' schedules, committed; how many loans."""
    bulk_audit(conn, description)
    loans = Loader(conn, SOURCE_REFERENCES).generate_schedules(first, last)
    conn.commit()
    return loans


def _lock(conn: psycopg.Connection) -> None:
    """Take the sync lock for this session; runs left 'running' are then known dead."""
    got = conn.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [LOCK]).fetchone()
    if not got or not got[0]:
        row = conn.execute("SELECT id, pid, started_at FROM sync_runs WHERE status = 'running' "
                           "ORDER BY id DESC LIMIT 1").fetchone()
        which = f" (run {row[0]}, pid {row[1]}, started {row[2]:%Y-%m-%d %H:%M})" if row else ""
        raise Conflict(f"another sync is running{which}; wait for it to finish")
    conn.execute("UPDATE sync_runs SET status = 'interrupted', finished_at = clock_timestamp(), "
                 "errors = 'the process ended before the run finished' "
                 "WHERE status = 'running'")


def _message(e: BaseException) -> str:
    if isinstance(e, KeyboardInterrupt):
        return "interrupted by the user"
    return (str(e) or type(e).__name__)[:2000]
