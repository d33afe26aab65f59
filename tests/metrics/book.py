"""Small helpers to put loans and repayments into a test database (plain SQL, no shortcuts)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from sqlalchemy import Connection, text

_ids = itertools.count(1)
D = Decimal


def day(s: str) -> dt.date:
    return dt.date.fromisoformat(s)


def add_officer(conn: Connection, officer_id: str = "OFF1", hire_date: str | None = None) -> str:
    conn.execute(text("INSERT INTO officers (officer_id, name, hire_date) VALUES (:i, :n, :h) "
                      "ON CONFLICT DO NOTHING"),
                 {"i": officer_id, "n": f"Officer {officer_id}", "h": hire_date})
    return officer_id


def add_loan(conn: Connection, loan_id: str | None = None, *, principal: str, n: int,
             disbursed: str, first_due: str, interest: str = "0", fee: str = "0",
             frequency: str = "daily", status: str = "Active", written_off_on: str | None = None,
             officer_id: str | None = None, schedule: list[tuple] | None = None) -> str:
    """Insert a loan and its schedule (generated, or `schedule` rows (due, principal, interest,
    fee) as a supplied one)."""
    loan_id = loan_id or f"L{next(_ids):06d}"
    total = D(principal) + D(interest) + D(fee)
    conn.execute(text("""
        INSERT INTO loans (loan_id, officer_id, loan_amount, interest_amount, fee_amount,
                           repayment_amount, installments, frequency, disbursement_date,
                           first_payment_due_date, status, written_off_on, schedule_source)
        VALUES (:id, :off, :p, :i, :f, :r, :n, :freq, :disb, :first, :st, :wo, :src)"""),
        {"id": loan_id, "off": officer_id, "p": D(principal), "i": D(interest), "f": D(fee),
         "r": total, "n": n, "freq": frequency, "disb": day(disbursed), "first": day(first_due),
         "st": status, "wo": day(written_off_on) if written_off_on else None,
         "src": "supplied" if schedule else "generated"})
    if schedule:
        for k, (due, p, i, f) in enumerate(schedule, start=1):
            conn.execute(text("""
                INSERT INTO payment_schedules (loan_id, installment_no, due_date, principal_due,
                                               interest_due, fee_due, cumulative_due)
                VALUES (:id, :k, :due, :p, :i, :f, 0)"""),
                {"id": loan_id, "k": k, "due": day(due), "p": D(p), "i": D(i), "f": D(f)})
        conn.execute(text("SELECT refresh_cumulative_due(ARRAY[:id])"), {"id": loan_id})
    else:
        conn.execute(text("SELECT generate_loan_schedules(ARRAY[:id])"), {"id": loan_id})
    return loan_id


def pay(conn: Connection, loan_id: str, on: str, amount: str, *, reversed: bool = False) -> str:
    rid = f"R{next(_ids):07d}"
    conn.execute(text("""
        INSERT INTO repayments (repayment_id, loan_id, payment_date, payment_amount, is_reversed)
        VALUES (:r, :l, :d, :a, :rev)"""),
        {"r": rid, "l": loan_id, "d": day(on), "a": D(amount), "rev": reversed})
    return rid


def fields(conn: Connection, loan_id: str, as_of: str) -> dict:
    row = conn.execute(text("SELECT * FROM compute_loan_fields(:t, ARRAY[:id])"),
                       {"t": day(as_of), "id": loan_id}).mappings().one()
    return dict(row)


def due_dates(conn: Connection, loan_id: str) -> list[str]:
    return [d.isoformat() for d in conn.execute(
        text("SELECT due_date FROM payment_schedules WHERE loan_id = :id ORDER BY installment_no"),
        {"id": loan_id}).scalars()]


def paid_dates(conn: Connection, loan_id: str) -> list[str | None]:
    return [d.isoformat() if d else None for d in conn.execute(
        text("SELECT paid_on FROM vw_payment_schedules WHERE loan_id = :id "
             "ORDER BY installment_no"),
        {"id": loan_id}).scalars()]


def add_holiday(conn: Connection, on: str, name: str = "Holiday") -> None:
    conn.execute(text("INSERT INTO holidays (holiday_date, name) VALUES (:d, :n)"),
                 {"d": day(on), "n": name})
