"""A small book for the SMS tests: an officer, customers with and without phones, loans
overdue or not, on the books or not (their stored fields set directly)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, text

DAY = dt.date(2026, 12, 7)   # a Monday
LOANS = {
    # loan: (customer, status, current_dpd, overdue_amount)
    "L-OVERDUE": ("C-PHONE", "Active", 5, "1500.50"),
    "L-LATE-30": ("C-PHONE2", "Defaulted", 30, "12345.00"),
    "L-NOPHONE": ("C-NOPHONE", "Active", 9, "800.00"),
    "L-CURRENT": ("C-PHONE3", "Active", 0, "0.00"),
    "L-CLOSED": ("C-PHONE4", "Closed", 7, "0.00"),
}


def add_book(conn: Connection) -> None:
    conn.execute(text("INSERT INTO officers (officer_id, name, phone) "
                      "VALUES ('O1', 'Ada Officer', '0803 555 0101')"))
    conn.execute(text("""
        INSERT INTO customers (customer_id, name, phone, officer_id) VALUES
            ('C-PHONE', 'Bola Ade', '+2348030000001', 'O1'),
            ('C-PHONE2', 'Chidi Eze', '+2348030000002', 'O1'),
            ('C-NOPHONE', 'Dayo Ola', NULL, 'O1'),
            ('C-PHONE3', 'Efe Obi', '+2348030000003', 'O1'),
            ('C-PHONE4', 'Funmi Bello', '+2348030000004', 'O1')"""))
    for loan_id, (customer, status, dpd, overdue) in LOANS.items():
        conn.execute(text("""
            INSERT INTO loans (loan_id, customer_id, officer_id, loan_amount, repayment_amount,
                               installments, frequency, disbursement_date, status, closed_on,
                               current_dpd, max_dpd_ever, overdue_amount)
            VALUES (:l, :c, 'O1', 10000, 10000, 10, 'weekly', DATE '2026-09-01', :s,
                    CASE WHEN :s = 'Closed' THEN DATE '2026-11-30' END, :dpd, :dpd,
                    CAST(:o AS numeric))"""),
            {"l": loan_id, "c": customer, "s": status, "dpd": dpd, "o": overdue})
