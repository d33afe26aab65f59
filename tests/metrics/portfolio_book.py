"""A small book with hand-written stored fields, for the portfolio metrics tests.

The book, as of T = 2025-11-30 (fields stored in loans with fields_as_of = T):

loan officer status                 disbursed   principal_out dpd overdue elig tagged ei
L1   O1      Active                 2025-09-01  10000          0      0   y    n     n
L2   O1      Active                 2025-09-15   5000          3    400   y    y     y
L3   O1      Defaulted              2025-08-10   8000         45   3000   y    y     n
L4   O2      Active                 2025-10-05   2000         30    500   y    n     n
L5   O2      Active                 2025-06-01   1000         91   1000   y    y     n
L6   O2      Active                 2025-11-25   4000          0      0   n    n     n
L7   O1      Closed 2025-11-10      2025-07-01      0          0      0   y    y     n
L8   O2      Written Off 2025-11-20 2025-05-01   1500         95   1500   y    n     n
L9   O1      Pending                2025-11-28   (no fields)
L10  O1      Closed 2025-12-05      2025-08-20   3000         31    200   y    n     n
L11  O2      Active                 2025-12-01   7000          0      0   n    n     n
L12  O2      Active                 2025-04-01    600         90    600   y    n     n

On the books as of T: L1-L6, L10 (closed after T), L12 -> 8 loans (L7 closed and L8 written
off before T, L9 pending, L11 disbursed after T).
GLP = 10000+5000+8000+2000+1000+4000+3000+600 = 33600.
PAR1 = L2,L3,L4,L5,L10,L12 = 19600 -> 58.33; PAR7 = 14600 -> 43.45; PAR30 (dpd > 30: L3, L5,
L10, L12) = 12600 -> 37.50; PAR90 (L5) = 1000 -> 2.98. By count: 6/8, 5/8, 4/8, 1/8.
CBN: performing L1,L6 14000 (1% 140); pass & watch L2,L4 7000 (5% 350); substandard L3,L10 11000
(20% 2200); doubtful L12 600 (50% 300); lost L5 1000 (100% 1000) -> provision 3990.00.
Arrears: overdue 5700 / 33600 -> 16.96. Avg DPD 290/8 = 36.25; in arrears 290/6 = 48.33.
Early indicator: 1 (L2) / 8 -> 12.50.
FIMR over all disbursed loans by T (L1-L8, L10, L12): eligible 9 (all but L6), tagged 4 (L2,
L3, L5, L7) -> 44.44.
Period 2025-11-01..2025-11-30: disbursed L6 (loan amount 4000); written off L8, 1500.
Average GLP = (GLP at Nov 1 + 33600) / 2; at Nov 1 the engine computes each on-book loan's full
loan amount (no repayments): L1 12000 + L2 6000 + L3 9000 + L4 2500 + L5 1500 + L7 2000 +
L8 1800 + L10 3500 + L12 800 = 39100 -> average 36350 -> write-off ratio 1500/36350 = 4.13.
"""

from __future__ import annotations

from decimal import Decimal as D

from sqlalchemy import text

from tests.metrics.book import add_loan, day

T = day("2025-11-30")

# loan: officer, status, disbursed, loan amount, (principal_out, dpd, overdue, eligible,
#       tagged, early indicator) or None, closed/written-off date
BOOK = {
    "L1": ("O1", "Active", "2025-09-01", "12000", ("10000", 0, "0", True, False, False), None),
    "L2": ("O1", "Active", "2025-09-15", "6000", ("5000", 3, "400", True, True, True), None),
    "L3": ("O1", "Defaulted", "2025-08-10", "9000", ("8000", 45, "3000", True, True, False), None),
    "L4": ("O2", "Active", "2025-10-05", "2500", ("2000", 30, "500", True, False, False), None),
    "L5": ("O2", "Active", "2025-06-01", "1500", ("1000", 91, "1000", True, True, False), None),
    "L6": ("O2", "Active", "2025-11-25", "4000", ("4000", 0, "0", False, False, False), None),
    "L7": ("O1", "Closed", "2025-07-01", "2000", ("0", 0, "0", True, True, False), "2025-11-10"),
    "L8": ("O2", "Written Off", "2025-05-01", "1800", ("1500", 95, "1500", True, False, False),
           "2025-11-20"),
    "L9": ("O1", "Pending", "2025-11-28", "1000", None, None),
    "L10": ("O1", "Closed", "2025-08-20", "3500", ("3000", 31, "200", True, False, False),
            "2025-12-05"),
    "L11": ("O2", "Active", "2025-12-01", "7000", ("7000", 0, "0", False, False, False), None),
    "L12": ("O2", "Active", "2025-04-01", "800", ("600", 90, "600", True, False, False), None),
}

OFFICERS = [
    ("O1", "Ikeja", "Lagos", "s1@astro.ng", "v1@astro.ng", "2024-01-01"),
    ("O2", "Wuse", "Abuja", "S2@Astro.ng", "v2@astro.ng", "2025-10-01"),
]


def build_book(conn) -> None:
    """The book above: officers, loans (generated monthly schedules), hand-written fields."""
    for o in OFFICERS:
        conn.execute(text(
            "INSERT INTO officers (officer_id, name, branch, region, supervisor_email, "
            "vertical_lead_email, hire_date) VALUES (:i, :i, :b, :r, :s, :v, :h)"),
            dict(zip("ibrsvh", o, strict=True)))
    for loan_id, (officer, status, disbursed, amount, f, closed) in BOOK.items():
        first_due = str(day(disbursed).replace(day=28))
        add_loan(conn, loan_id, principal=amount, n=3, frequency="monthly", disbursed=disbursed,
                 first_due=first_due, status=status, officer_id=officer,
                 written_off_on=closed if status == "Written Off" else None)
        if status == "Closed":
            conn.execute(text("UPDATE loans SET closed_on = :c WHERE loan_id = :l"),
                         {"c": day(closed), "l": loan_id})
        if f is not None:
            po, dpd, overdue, eligible, tagged, ei = f
            conn.execute(text(
                "UPDATE loans SET fields_as_of = :t, principal_outstanding = :po, "
                "current_dpd = :dpd, max_dpd_ever = :dpd, overdue_amount = :od, "
                "fimr_eligible = :el, fimr_tagged = :tg, early_indicator_tagged = :ei, "
                "written_off_principal = CASE WHEN status = 'Written Off' THEN :po END "
                "WHERE loan_id = :l"),
                {"t": T, "po": D(po), "dpd": dpd, "od": D(overdue), "el": eligible,
                 "tg": tagged, "ei": ei, "l": loan_id})


def recalculated_book(db):
    """The book above with its fields computed by the engine as of T (a full recalculation:
    the loan cube rebuilt, the day's snapshot stored), the process's stored state cleared."""
    from astrofinance.metrics import stored_state
    from astrofinance.metrics.service import recalculate

    stored_state.clear()
    with db.begin() as conn:
        build_book(conn)
        recalculate(conn, T)
    return db
