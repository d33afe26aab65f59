"""The entities a SQL source fills: the CSV bundle's files, plus what only a source has.

Loans may carry `last_payment_due_date` (not stored): a source that knows its loans' last due
date rather than their number of installments (the Django Ajo app) gets the installments
counted in the business calendar. Officer-specific holidays (an agent's leave) are kept with
their officer.
"""

from __future__ import annotations

from dataclasses import replace

from astrofinance.sync.spec import (
    CUSTOMERS,
    HOLIDAYS,
    LOANS,
    OFFICERS,
    REFERENCES,
    REPAYMENTS,
    SCHEDULES,
    Column,
    FileSpec,
)

SOURCE_LOANS = replace(LOANS, columns=LOANS.columns + (
    Column("last_payment_due_date", "date", target=""),))

OFFICER_HOLIDAYS = FileSpec(
    "officer_holidays", "holidays", ("officer_id", "date"),
    (Column("officer_id", "ref", True), Column("date", "date", True, target="holiday_date"),
     Column("name", "text", True)),
    constants=(("source", "'sync'"),), match="t.officer_id IS NOT NULL",
)

SOURCE_HOLIDAYS = replace(HOLIDAYS, constants=(("source", "'sync'"),))

# Sync order: a row's references point only to entities before it.
SOURCE_ENTITIES: dict[str, FileSpec] = {s.name: s for s in (
    SOURCE_HOLIDAYS, OFFICERS, OFFICER_HOLIDAYS, CUSTOMERS, SOURCE_LOANS, REPAYMENTS, SCHEDULES)}

# (entity, column, parent entity), like spec.REFERENCES.
SOURCE_REFERENCES: tuple[tuple[FileSpec, str, FileSpec], ...] = (
    (OFFICER_HOLIDAYS, "officer_id", OFFICERS),
    *((SOURCE_ENTITIES[c.name], col, SOURCE_ENTITIES[p.name]) for c, col, p in REFERENCES),
)
