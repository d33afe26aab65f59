"""The stored fields' state: the date the loans' stored fields are as of and how many loans
that should have fields as of it lack them (loan_fields_stored_state(), the one rule), kept
per process until a change can have moved it.

The state reads only which loans exist and their fields_as_of, status and disbursement date.
The counter fields_state_version (migration 0020) moves on with every statement that can
change those: loans inserted, deleted or truncated, their fields_as_of, status or
disbursement date set. recalculate_all_loan_fields sets fields_as_of only when some loan's
date moves, so a payment's one-loan recalculation as of the stored date moves nothing, and
after it the portfolio pages skip the pass over every loan that computing the state takes.

A state is kept only when no writing transaction was in flight as the counter was read (so
every change it counts is committed and seen: db/versions.py) and the counter has not moved
while the state was computed; otherwise it is computed each time. Entries are keyed by the
database and the counter's own ids too, so a database recreated or restored under the same
name never meets another's state.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from typing import NamedTuple

from sqlalchemy import Connection, text

from astrofinance.db.versions import read_counter
from astrofinance.kit.sql import load_sql

MAX_ENTRIES = 64
"""States kept (one per database and counter value; the least recently used dropped)."""


class StoredState(NamedTuple):
    as_of: dt.date | None
    """The latest date of any loan's stored fields (None: never recalculated)."""
    missing: int
    """Loans that should have fields as of that date and do not."""


_lock = threading.Lock()
_states: OrderedDict[tuple[int, int, int], StoredState] = OrderedDict()


def stored_state(conn: Connection) -> StoredState:
    """The stored fields' state, from the cache while the counter has not moved."""
    counter = read_counter(conn, "fields_state_version")
    key = (*counter.instance, counter.number)
    with _lock:
        state = _states.get(key)
        if state is not None:
            _states.move_to_end(key)
            return state
    as_of, missing = conn.execute(text(load_sql("astrofinance.metrics",
                                                "portfolio_stored_state"))).one()
    state = StoredState(as_of, int(missing))
    if counter.settled and read_counter(conn, "fields_state_version").number == counter.number:
        with _lock:
            _states[key] = state
            while len(_states) > MAX_ENTRIES:
                _states.popitem(last=False)
    return state


def clear() -> None:
    """Forget every kept state."""
    with _lock:
        _states.clear()
