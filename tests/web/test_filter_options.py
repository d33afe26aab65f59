"""The filter menus' choices (web/sql/filter_options.sql): unscoped, each loans column's
values come from skipping through its index; scoped, from the scope's loans. Both must list
exactly the distinct values the loans hold."""

from __future__ import annotations

from sqlalchemy import text

from astrofinance.kit.sql import load_sql
from tests.metrics.portfolio_book import build_book

COLUMNS = {"waves": "wave", "products": "product", "channels": "channel",
           "statuses": "status"}


def _options(conn, scope):
    return conn.execute(text(load_sql("astrofinance.web", "filter_options")),
                        {"scope": scope}).mappings().one()


def _distinct(conn, column, scope=None):
    rows = conn.execute(text(f"SELECT DISTINCT {column} FROM loans WHERE {column} IS NOT NULL "
                             "AND (CAST(:scope AS text[]) IS NULL OR officer_id = ANY(:scope))"),
                        {"scope": scope}).scalars()
    return sorted(rows)


def test_menus_list_exactly_the_loans_values(db):
    with db.begin() as conn:
        build_book(conn)
        # values the book lacks, on one loan each (and a NULL product, never a choice)
        conn.execute(text("UPDATE loans SET product = 'Zeta Loan', channel = 'branch' "
                          "WHERE loan_id = (SELECT min(loan_id) FROM loans)"))
        conn.execute(text("UPDATE loans SET product = NULL "
                          "WHERE loan_id = (SELECT max(loan_id) FROM loans)"))
        officers = sorted(conn.execute(text("SELECT DISTINCT officer_id FROM loans")).scalars())
        unscoped = _options(conn, None)
        scoped = _options(conn, [officers[0]])
        for key, column in COLUMNS.items():
            assert sorted(unscoped[key]) == _distinct(conn, column), key
            assert sorted(scoped[key]) == _distinct(conn, column, [officers[0]]), key
        assert "Zeta Loan" in unscoped["products"] and None not in unscoped["products"]
        assert len(unscoped["statuses"]) > 1
        assert _options(conn, [])["waves"] == []
        plan = "\n".join(conn.execute(text(
            "EXPLAIN " + load_sql("astrofinance.web", "filter_options")),
            {"scope": None}).scalars())
    for index in ("loans_wave_idx", "loans_product_idx", "loans_channel_idx",
                  "loans_status_idx"):
        assert index in plan
