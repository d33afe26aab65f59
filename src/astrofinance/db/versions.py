"""Change counters: sequences that triggers move on with every statement changing what a
cached answer was computed from (data_version, migration 0009; fields_state_version,
migration 0020; snapshots_version, migration 0022), read together with whether any writing
transaction is in flight.

A counter alone cannot tell a reader that every change it counts is committed: a trigger
moves it at the end of the writing statement, a moment before its commit. So right after the
counter, the writing transactions in flight are checked (pg_locks: each holds the lock on its
own transaction id, this one's included). When none is, every change the counter counts is
committed and visible, and an answer computed now may be kept until the counter moves
("settled"). Transactions of other databases on the server do not count (one whose database
is not known, a prepared one, does).
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import Connection, text

COUNTERS = ("data_version", "fields_state_version", "snapshots_version")
"""The counters read_counter accepts (the only names its SQL can hold)."""

# The counter, then the writing transactions in flight: read after the counter (the lock
# check depends on its row), so a change that moved the counter and has not committed is seen
# in flight. The database's and the sequence's own ids tell a database recreated under the
# same name, or a sequence recreated by a restore, from the one a cached value came from.
_SQL = """
WITH v AS MATERIALIZED (
    SELECT last_value + CASE WHEN is_called THEN 1 ELSE 0 END AS n FROM {counter})
SELECT v.n, NOT EXISTS (
    SELECT 1 FROM pg_locks k LEFT JOIN pg_stat_activity a ON a.pid = k.pid
    WHERE k.locktype = 'transactionid' AND v.n IS NOT NULL
      AND (a.datname IS NULL OR a.datname = current_database())),
    (SELECT d.oid FROM pg_database d WHERE d.datname = current_database()),
    '{counter}'::regclass::oid
FROM v"""


class Counter(NamedTuple):
    number: int
    settled: bool
    """No writing transaction was in flight when the number was read."""
    instance: tuple[int, int]
    """The database's and the sequence's object ids."""


def read_counter(conn: Connection, counter: str) -> Counter:
    """The counter's value, whether no writing transaction was in flight, and its instance."""
    if counter not in COUNTERS:
        raise ValueError(f"unknown counter {counter!r}")
    number, settled, db, seq = conn.execute(text(_SQL.format(counter=counter))).one()
    return Counter(int(number), bool(settled), (int(db), int(seq)))
