"""The filters that pick a few of the book's loans by a column find them through an index on
that column as the filter compares it (migrations 0019 and 0021): the loans list's and the
portfolio metrics' filters, rendered as they are, with sequential scans switched off, must
plan an index scan on the expected index (a filter rewritten so that no index matches it
would read every loan)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from astrofinance.metrics.portfolio import PortfolioFilters
from astrofinance.portfolio.loan_list import LoanFilters

CASES = [
    (LoanFilters(product=("Ajo Daily",)), ["loans_product_idx"]),
    (LoanFilters(channel=("agent",)), ["loans_channel_idx"]),
    (LoanFilters(supervisor=("S@Astro.ng",)),
     ["loans_supervisor_email_ci_idx", "loans_supervisor_name_ci_idx"]),
    (PortfolioFilters(supervisor=("S@Astro.ng",)), ["loans_supervisor_email_ci_idx"]),
]


@pytest.mark.parametrize(("filters", "indexes"), CASES,
                         ids=lambda v: type(v).__name__ if not isinstance(v, list) else v[0])
def test_the_filter_uses_its_index(db, filters, indexes):
    clauses, params = filters.sql()
    alias = "l" if isinstance(filters, LoanFilters) else "b"
    with db.begin() as conn:
        conn.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(conn.execute(text(
            f"EXPLAIN SELECT count(*) FROM loans {alias} WHERE true {clauses}"),
            params).scalars())
    for index in indexes:
        assert index in plan, plan
