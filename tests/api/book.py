"""A small seeded and recalculated book for the API tests."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text

from astrofinance.db import Database, session_scope
from astrofinance.metrics.service import recalculate
from astrofinance.portfolio.seed import seed_portfolio

AS_OF = dt.date(2026, 1, 30)


def seeded_book(db: Database, loans: int = 150, seed: int = 11) -> dt.date:
    """Seed and recalculate a book as of AS_OF."""
    seed_portfolio(db, loans=loans, seed=seed, as_of=AS_OF)
    with session_scope(db) as conn:
        recalculate(conn, AS_OF)
    return AS_OF


def two_officers(db: Database) -> tuple[dict, dict]:
    """Two officers with loans and distinct emails (the scoping tests sign in as them)."""
    with session_scope(db) as conn:
        rows = conn.execute(text(
            "SELECT o.officer_id, o.email, o.supervisor_email, count(*) AS n "
            "FROM officers o JOIN loans l USING (officer_id) WHERE o.email IS NOT NULL "
            "GROUP BY o.officer_id ORDER BY count(*) DESC, o.officer_id LIMIT 2")).mappings()
        a, b = (dict(r) for r in rows)
    return a, b
