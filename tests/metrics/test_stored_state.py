"""The stored fields' state kept between the changes that can move it (metrics/stored_state.py,
the counter fields_state_version of migration 0020): kept across a payment's one-loan
recalculation, recomputed after every change that can move it, never kept while a write is in
flight."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from astrofinance.db.versions import read_counter
from astrofinance.errors import Conflict
from astrofinance.metrics import stored_state as ss
from astrofinance.metrics.portfolio import portfolio_metrics
from astrofinance.metrics.service import recalculate, refresh_loan_fields
from tests.metrics.book import add_loan, day, pay
from tests.metrics.portfolio_book import T, recalculated_book


@pytest.fixture
def book(db):
    return recalculated_book(db)


def _counter(db) -> int:
    with db.engine.connect() as conn:
        return read_counter(conn, "fields_state_version").number


def _state(db):
    with db.engine.connect() as conn:
        return ss.stored_state(conn)


def _moves(db, sql: str, params: dict | None = None) -> bool:
    before = _counter(db)
    with db.begin() as conn:
        conn.execute(text(sql), params or {})
    return _counter(db) != before


def test_the_state_is_kept_across_a_payment(book):
    first = _state(book)
    assert first == (T, 0)
    assert _state(book) is first                     # kept: the counter has not moved
    loan = _one_active_loan(book)
    before = _counter(book)
    with book.begin() as conn:                       # a payment, as the loan book makes it
        pay(conn, loan, "2025-11-28", "100")
        assert refresh_loan_fields(conn, loan) == T
    assert _counter(book) == before
    assert _state(book) is first
    with book.begin() as conn:                       # and the numbers follow the payment
        assert portfolio_metrics(conn).as_of == T


def test_every_change_that_can_move_the_state_moves_the_counter(book):
    loan = _one_active_loan(book)
    assert not _moves(book, "UPDATE loans SET branch = 'Elsewhere' WHERE loan_id = :l",
                      {"l": loan})
    assert _moves(book, "UPDATE loans SET status = 'Defaulted' WHERE loan_id = :l", {"l": loan})
    assert _moves(book, "UPDATE loans SET disbursement_date = disbursement_date - 1 "
                        "WHERE loan_id = :l", {"l": loan})
    before = _counter(book)
    with book.begin() as conn:                       # a new day's recalculation moves it ...
        recalculate(conn, day("2025-12-01"))
    assert _counter(book) != before
    before = _counter(book)
    with book.begin() as conn:                       # ... the same day's again does not
        recalculate(conn, day("2025-12-01"))
    assert _counter(book) == before
    with book.begin() as conn:
        new = add_loan(conn, principal="500", n=5, disbursed="2025-11-20",
                       first_due="2025-11-24")
    assert _counter(book) != before
    assert new
    # statement triggers: a delete counts even when it removes no row
    assert _moves(book, "DELETE FROM loans WHERE loan_id = 'no such loan'")
    assert _moves(book, "TRUNCATE loans CASCADE")
    assert _state(book) == (None, 0)


def test_a_new_loan_is_seen_at_once(book):
    assert _state(book) == (T, 0)
    with book.begin() as conn:
        add_loan(conn, principal="500", n=5, disbursed="2025-11-20", first_due="2025-11-24")
    assert _state(book) == (T, 1)
    with book.begin() as conn, pytest.raises(Conflict, match="1 loan"):
        portfolio_metrics(conn)


def test_not_kept_while_a_write_is_in_flight(book):
    writer = book.engine.connect()
    try:
        writer.begin()
        writer.execute(text("UPDATE officers SET name = name"))   # holds a transaction id
        state = _state(book)
        assert state == (T, 0)
        assert _state(book) is not state             # computed afresh, not kept
    finally:
        writer.rollback()
        writer.close()
    kept = _state(book)
    assert _state(book) is kept


def _one_active_loan(db) -> str:
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT min(loan_id) FROM loans WHERE status = 'Active'")
                            ).scalar_one()


def test_a_hand_made_change_of_a_fields_date_counts_too(book):
    """An operator's UPDATE of fields_as_of (not the recalculation's) moves the counter."""
    assert _state(book) == (T, 0)
    loan = _one_active_loan(book)
    assert _moves(book, "UPDATE loans SET fields_as_of = fields_as_of - 1 WHERE loan_id = :l",
                  {"l": loan})
    assert _state(book) == (T, 1)
