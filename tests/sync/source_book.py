"""A small hand-made book in the reference source's schema (Django Ajo tables), for tests that
assert exact values. Rows are written with psycopg on the source's URL."""

from __future__ import annotations

from typing import Any

import psycopg

OFFICERS = [
    (1, "ada", "  Ada.Obi@Example.com ", "08011112222", "Ikeja", "AGENT", "GOOD",
     "2024-01-15 09:00+01", True),
    (2, "bola", "bola@example.com", None, "Yaba", "AGENT", None, "2025-10-05 09:00+01", True),
    (3, "chidi", "chidi@example.com", None, "Ikeja", "SUPERVISOR", "GOOD",
     "2023-03-01 09:00+01", False),
]
CUSTOMERS = [
    (1, "Ngozi", "Eze", "08030000001", "1990-05-01", "FEMALE", "Lagos", "Ikeja", "1 Allen Ave"),
    (2, "Tunde", "Bakare", None, None, "MALE", "Oyo", "Ibadan North", None),
]
LOAN_COLUMNS = ("id, borrower_id, agent_id, amount, repayment_amount, interest_rate, "
                "processing_fee, tenor_in_days, date_disbursed, start_date, end_date, status, "
                "loan_type, is_disbursed, created_at, updated_at")


def loan(loan_id: int, status: str = "OPEN", *, borrower: int = 1, agent: int = 1,
         amount: str = "10000.00", repayable: str = "12000.00",
         disbursed: str | None = "2025-02-28 10:00+01", start: str | None = "2025-03-03",
         end: str | None = "2025-03-14", disbursed_flag: bool = True,
         updated: str = "2025-02-28 10:00+01") -> tuple[Any, ...]:
    """A loans_ajoloan row (default: the worked example of metrics.md, 10 business days)."""
    return (loan_id, borrower, agent, amount, repayable, "20.00", "100.00", 14, disbursed,
            start, end, status, "AJO", disbursed_flag, "2025-02-27 10:00+01", updated)


def repayment(rep_id: int, loan_id: int, day: str, amount: str, *, marked: str | None = None,
              updated: str | None = None) -> tuple[Any, ...]:
    stamp = f"{day} 12:00+01"
    return (rep_id, loan_id, day, amount, "AGENT_DEBIT", marked, stamp, updated or stamp)


def fill(url: str, loans: list[tuple[Any, ...]], repayments: list[tuple[Any, ...]],
         holidays: list[tuple[str, str, str, int | None]] = ()) -> None:
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.executemany("INSERT INTO accounts_customuser (id, username, email, user_phone, "
                        "user_branch, user_type, performance_status, date_joined, is_active) "
                        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)", OFFICERS)
        cur.executemany("INSERT INTO ajo_ajouser (id, first_name, last_name, phone, dob, "
                        "gender, state, lga, address) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, "
                        "%s)", CUSTOMERS)
        add_loans(cur, loans)
        add_repayments(cur, repayments)
        cur.executemany("INSERT INTO loans_holiday (date, name, type, agent_id) "
                        "VALUES (%s, %s, %s, %s)", list(holidays))


def add_loans(cur: Any, rows: list[tuple[Any, ...]]) -> None:
    cur.executemany(f"INSERT INTO loans_ajoloan ({LOAN_COLUMNS}) VALUES "
                    f"({', '.join(['%s'] * 16)})", rows)


def add_repayments(cur: Any, rows: list[tuple[Any, ...]]) -> None:
    cur.executemany("INSERT INTO loans_ajoloanrepayment (id, ajo_loan_id, paid_date, "
                    "repayment_amount, repayment_type, marked_as, created_at, updated_at) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", rows)


def execute(url: str, statement: str, params: Any = None) -> None:
    with psycopg.connect(url) as conn:
        conn.execute(statement, params)
