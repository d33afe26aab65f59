"""The demo's loan book: loans through the ledger's own functions, books balanced."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text

from astrofinance.db import session_scope
from astrofinance.lending.demo import book_demo_loans
from astrofinance.portfolio.seed import seed_portfolio
from tests.lending.book import assert_books_balanced

AS_OF = dt.date(2025, 6, 30)


def test_demo_loans_are_booked_once_with_balanced_books(db):
    seed_portfolio(db, loans=60, seed=3, as_of=AS_OF, replace=False)
    with session_scope(db) as c:
        assert book_demo_loans(c, AS_OF, count=25, seed=5) == 25
    with session_scope(db) as c:
        assert_books_balanced(c)
        kinds = dict(c.execute(text("SELECT txn_type, count(*) FROM transactions "
                                    "GROUP BY txn_type")).all())
        assert kinds["disbursement"] == 25 and kinds["repayment"] > 25
        statuses = {s for (s,) in c.execute(text(
            "SELECT DISTINCT status FROM loans JOIN loan_accounts USING (loan_id)"))}
        assert "Active" in statuses
        assert book_demo_loans(c, AS_OF) == 0  # a second demo run books nothing more
