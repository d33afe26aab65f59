"""Recalculation of the per-loan fields (the rules live in metrics/sql/functions_fields.sql)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, text

from astrofinance.errors import NotFound, ValidationFailed
from astrofinance.metrics.snapshots import store_snapshot
from astrofinance.metrics.stored_state import stored_state

FIELD_NAMES: tuple[str, ...] = (
    "total_repayments", "principal_outstanding", "interest_outstanding", "fees_outstanding",
    "total_outstanding", "actual_outstanding", "overpaid_amount", "daily_repayment_amount",
    "repayment_days_due_today", "repayment_days_paid", "current_dpd", "max_dpd_ever",
    "installments_in_arrears", "fimr_tagged", "early_indicator_tagged", "repayment_delay_rate",
    "timeliness_score", "repayment_health", "days_since_last_repayment",
    "business_days_since_disbursement",
)
"""The per-loan fields of shared/spec/metrics.md, in its order."""


@dataclass(frozen=True)
class RecalcResult:
    as_of: dt.date
    total_loans_processed: int
    loans_updated: int
    execution_time_ms: int


def _check_as_of(as_of: dt.date) -> None:
    if not dt.date(1990, 1, 1) <= as_of <= dt.date(2100, 12, 31):
        raise ValidationFailed(f"as-of date {as_of} is outside 1990-01-01..2100-12-31")


def recalculate(conn: Connection, as_of: dt.date,
                loan_ids: list[str] | None = None) -> RecalcResult:
    """Compute and store every loan's fields (or the given loans') as of a date, and keep the
    loan cube valid; a full recalculation also stores that day's portfolio snapshot
    (metrics/snapshots.py)."""
    _check_as_of(as_of)
    if loan_ids:
        _require_loans(conn, loan_ids)
    row = conn.execute(
        text("SELECT * FROM recalculate_all_loan_fields(:as_of, :ids)"),
        {"as_of": as_of, "ids": loan_ids or None},
    ).one()
    # a recalculation of many loans leaves the loan cube stale (migration 0024): rebuilt
    # here, in the same transaction, so the portfolio figures after it read the cube
    conn.execute(text("SELECT loan_cube_rebuild() FROM loan_cube_state WHERE NOT valid"))
    if not loan_ids:
        store_snapshot(conn, as_of)
    return RecalcResult(as_of, row.total_loans_processed, row.loans_updated,
                        row.execution_time_ms)


def refresh_loan_fields(conn: Connection, loan_id: str) -> dt.date | None:
    """Recompute one loan's fields as of the date the book's stored fields are (after the
    loan book changed it: a disbursement, payment, reversal, charge or write-off), so the
    stored book stays whole and readable; None (nothing done) before any recalculation."""
    stored = stored_state(conn).as_of
    if stored is None:
        return None
    recalculate(conn, stored, [loan_id])
    return stored


def _require_loans(conn: Connection, loan_ids: list[str]) -> None:
    found = set(conn.execute(text("SELECT loan_id FROM loans WHERE loan_id = ANY(:ids)"),
                             {"ids": loan_ids}).scalars())
    missing = [i for i in loan_ids if i not in found]
    if missing:
        raise NotFound(f"no such loan: {', '.join(missing[:10])}")
