"""The CSV bundle's files and columns (shared/spec/interfaces.md, "The CSV bundle").

These definitions are the whitelist: every table and column name that reaches SQL comes from
here, never from a file's header.
"""

from __future__ import annotations

from dataclasses import dataclass

# SQL that casts a staged (text) value of each kind; `{c}` is the staging column.
CASTS = {
    "id": "s.{c}", "ref": "s.{c}", "text": "s.{c}", "status": "s.{c}", "frequency": "s.{c}",
    "date": "s.{c}::date", "birth_date": "s.{c}::date", "money": "s.{c}::numeric(18,2)",
    "money_pos": "s.{c}::numeric(18,2)",
    "int_pos": "s.{c}::integer", "bool": "s.{c}::boolean",
}


@dataclass(frozen=True)
class Column:
    """One CSV column: its kind (how values are checked), the table column it fills."""

    name: str
    kind: str = "text"
    required: bool = False
    target: str | None = None     # the table's column; None: same as `name`; "" not stored
    expr: str | None = None       # SQL over the staging row `s`; default: CASTS[kind]
    always: bool = False          # in the upsert even when the file lacks the column

    @property
    def column(self) -> str:
        return self.name if self.target is None else self.target

    @property
    def sql(self) -> str:
        return self.expr or CASTS[self.kind].format(c=self.name)


@dataclass(frozen=True)
class FileSpec:
    """One file of the bundle and the table it is upserted into."""

    name: str                          # "loans": file loans.csv, staging table _imp_loans
    table: str
    unique: tuple[str, ...]            # no two rows may share these values (the id)
    columns: tuple[Column, ...]
    constants: tuple[tuple[str, str], ...] = ()   # (column, SQL) set on write, not compared
    match: str = ""                    # more SQL matching a table row `t` to its id
    order: tuple[str, ...] = ()        # insert order (table columns); default: the id

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"

    @property
    def staging(self) -> str:
        return f"_imp_{self.name}"

    @property
    def key(self) -> str:
        """The column other files refer to (the id a dependent row names)."""
        return self.unique[0]

    @property
    def conflict_columns(self) -> tuple[str, ...]:
        """The table's columns the unique CSV columns fill."""
        cols = self.by_name()
        return tuple(cols[n].column for n in self.unique)

    def by_name(self) -> dict[str, Column]:
        return {c.name: c for c in self.columns}


HOLIDAYS = FileSpec(
    "holidays", "holidays", ("date",),
    (Column("date", "date", True, target="holiday_date"),
     Column("name", "text", True)),
    constants=(("source", "'import'"),), match="t.officer_id IS NULL",   # company-wide
)

OFFICERS = FileSpec(
    "officers", "officers", ("officer_id",),
    (Column("officer_id", "id", True), Column("name", "text", True),
     Column("email"), Column("phone"), Column("branch"), Column("region"),
     Column("hire_date", "date"), Column("user_type"), Column("status"),
     Column("supervisor_email"), Column("supervisor_name"),
     Column("vertical_lead_email"), Column("vertical_lead_name")),
)

CUSTOMERS = FileSpec(
    "customers", "customers", ("customer_id",),
    (Column("customer_id", "id", True), Column("name", "text", True), Column("phone"),
     Column("email"), Column("officer_id", "ref"), Column("branch"), Column("state"),
     Column("dob", "birth_date"), Column("gender"), Column("lga"), Column("address")),
)

_TOTAL = ("s.loan_amount::numeric(18,2) + coalesce(s.interest_amount::numeric(18,2), 0)"
          " + coalesce(s.fee_amount::numeric(18,2), 0)")

LOANS = FileSpec(
    "loans", "loans", ("loan_id",),
    (Column("loan_id", "id", True), Column("customer_id", "ref"), Column("officer_id", "ref"),
     Column("loan_amount", "money_pos", True),
     Column("interest_amount", "money", always=True,
            expr="coalesce(s.interest_amount::numeric(18,2), 0)"),
     Column("fee_amount", "money", always=True,
            expr="coalesce(s.fee_amount::numeric(18,2), 0)"),
     Column("installments", "int_pos", True), Column("frequency", "frequency", True),
     Column("disbursement_date", "date", True), Column("first_payment_due_date", "date", True),
     Column("status", "status", True), Column("written_off_on", "date"),
     Column("closed_on", "date"), Column("product"), Column("channel"),
     Column("repayment_amount", "money", always=True,
            expr=f"coalesce(s.repayment_amount::numeric(18,2), {_TOTAL})")),
)

REPAYMENTS = FileSpec(
    "repayments", "repayments", ("repayment_id",),
    (Column("repayment_id", "id", True), Column("loan_id", "ref", True),
     Column("payment_date", "date", True),
     Column("amount", "money_pos", True, target="payment_amount"),
     Column("reversed", "bool", target="is_reversed"),
     Column("channel"), Column("reference")),
    order=("loan_id", "payment_date"),     # the loan's FK check and index stay in cache
)

SCHEDULES = FileSpec(
    "schedules", "payment_schedules", ("loan_id", "installment_no"),
    (Column("loan_id", "ref", True), Column("installment_no", "int_pos", True),
     Column("due_date", "date", True), Column("principal_due", "money", True),
     Column("interest_due", "money"), Column("fee_due", "money")),
)

# Import order: a file's references point only to earlier files.
FILES: tuple[FileSpec, ...] = (HOLIDAYS, OFFICERS, CUSTOMERS, LOANS, REPAYMENTS, SCHEDULES)
BY_FILENAME = {f.filename: f for f in FILES}

# (file, column, parent file): a value in the column must be a key of the parent, in the
# bundle (a row not rejected) or in the database.
REFERENCES: tuple[tuple[FileSpec, str, FileSpec], ...] = (
    (CUSTOMERS, "officer_id", OFFICERS),
    (LOANS, "officer_id", OFFICERS),
    (LOANS, "customer_id", CUSTOMERS),
    (REPAYMENTS, "loan_id", LOANS),
    (SCHEDULES, "loan_id", LOANS),
)
