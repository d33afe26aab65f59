"""The loans list of the API (and the web UI): filters, whitelisted sorting, a page, the total
and a summary for the filter; also the whole filtered set for CSV.

Filters and sort keys are names from the whitelists below, rendered into SQL from constants;
every value is a bound parameter. The summary's GLP and PAR follow shared/spec/metrics.md with
the same on-the-books rule as the portfolio metrics (loan_on_books) and the same rounding
(metrics.portfolio_result.pct).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection, text

from astrofinance.errors import ValidationFailed
from astrofinance.kit.sql import check_sort, load_sql
from astrofinance.metrics.portfolio_result import avg2, money, pct
from astrofinance.metrics.service import FIELD_NAMES
from astrofinance.portfolio.customers import SEARCH_SQL, search_terms
from astrofinance.portfolio.waves import normalize_wave
from astrofinance.sync.values import BadValue, canonical_status

_PKG = "astrofinance.portfolio"

COLUMNS: tuple[str, ...] = (
    "l.loan_id", "l.customer_id", "c.name AS customer_name", "l.officer_id",
    "o.name AS officer_name", "l.branch", "l.region", "l.wave", "l.status", "l.product",
    "l.channel", "l.loan_amount", "l.interest_amount", "l.fee_amount", "l.repayment_amount",
    "l.installments", "l.frequency", "l.disbursement_date", "l.first_payment_due_date",
    "l.closed_on", "l.written_off_on", "l.supervisor_name", "l.vertical_lead_name",
    "l.fields_as_of AS as_of", *(f"l.{f}" for f in FIELD_NAMES))
"""The list's columns: terms, hierarchy and every per-loan field of metrics.md."""

SORTS: dict[str, str] = {
    "loan_id": "l.loan_id", "disbursement_date": "l.disbursement_date",
    "first_payment_due_date": "l.first_payment_due_date", "loan_amount": "l.loan_amount",
    "status": "l.status", "officer_id": "l.officer_id", "branch": "l.branch", "wave": "l.wave",
    **{f: f"l.{f}" for f in FIELD_NAMES},
}
"""sort= names -> SQL (the only text a sort parameter can become)."""

_FILTERS: dict[str, str] = {
    "wave": "l.wave = ANY(:wave)",
    "status": "l.status = ANY(:status)",
    "officer_id": "l.officer_id = ANY(:officer_id)",
    "branch": "l.branch = ANY(:branch)",
    "region": "l.region = ANY(:region)",
    "product": "l.product = ANY(:product)",
    "channel": "l.channel = ANY(:channel)",
    "vertical_lead": "(lower(l.vertical_lead_email) = ANY(:vertical_lead) "
                     "OR lower(l.vertical_lead_name) = ANY(:vertical_lead))",
    "supervisor": "(lower(l.supervisor_email) = ANY(:supervisor) "
                  "OR lower(l.supervisor_name) = ANY(:supervisor))",
    "dpd_min": "l.current_dpd >= :dpd_min",
    "dpd_max": "l.current_dpd <= :dpd_max",
    "fimr_tagged": "l.fimr_tagged = :fimr_tagged",
    "early_indicator_tagged": "l.early_indicator_tagged = :early_indicator_tagged",
    "disbursed_from": "l.disbursement_date >= :disbursed_from",
    "disbursed_to": "l.disbursement_date <= :disbursed_to",
    # by the loan id, or the loans (by their customer index) of the customers the customer
    # search finds: no scan of the loans (an OR over them would be one)
    "q": "l.loan_id IN (SELECT CAST(:q AS text) UNION ALL SELECT b.loan_id FROM loans b "
         "WHERE b.customer_id IN (SELECT c.customer_id FROM customers c WHERE "
         f"{SEARCH_SQL}))",
    "scope": "l.officer_id = ANY(:scope)",
    # set by routes only (the drill-downs list exactly the loans their summaries count):
    # FIMR counts disbursed loans whose first installment is past due (portfolio_fimr.sql),
    # the early indicators loans on the books (portfolio_book.sql)
    "fimr_counted": "(l.fimr_eligible AND l.status NOT IN ('Pending', 'Cancelled') "
                    "AND l.disbursement_date <= l.fields_as_of) = :fimr_counted",
    "on_books": "coalesce(loan_on_books(l.status, l.disbursement_date, l.closed_on, "
                "l.written_off_on, l.fields_as_of), false) = :on_books",
}


@dataclass(frozen=True)
class LoanFilters:
    """The loans list's filters; each tuple means "any of these" (names and emails of
    supervisors and vertical leads compare case-insensitively)."""

    wave: tuple[str, ...] = ()
    status: tuple[str, ...] = ()
    officer_id: tuple[str, ...] = ()
    branch: tuple[str, ...] = ()
    region: tuple[str, ...] = ()
    product: tuple[str, ...] = ()
    channel: tuple[str, ...] = ()
    vertical_lead: tuple[str, ...] = ()
    supervisor: tuple[str, ...] = ()
    dpd_min: int | None = None
    dpd_max: int | None = None
    fimr_tagged: bool | None = None
    early_indicator_tagged: bool | None = None
    disbursed_from: dt.date | None = None
    disbursed_to: dt.date | None = None
    q: str | None = None
    scope: tuple[str, ...] | None = None
    """The caller's officers (auth/scope.py): None = every loan; () = none."""
    fimr_counted: bool | None = None
    on_books: bool | None = None

    def sql(self) -> tuple[str, dict[str, Any]]:
        """The AND clauses over `loans l` and their bound values."""
        params: dict[str, Any] = {}
        for name, value in asdict(self).items():
            if value is None or (value == () and name != "scope"):
                continue
            params[name] = self._value(name, value)
        if "q" in params:
            params.update(search_terms(params["q"]))
        return "".join(f"\n  AND {_FILTERS[n]}" for n in params if n in _FILTERS), params

    def _value(self, name: str, value: Any) -> Any:
        try:
            return self._checked(name, value)
        except (BadValue, ValidationFailed) as e:
            reason = str(e)
            raise ValidationFailed(f"invalid query.{name}: {reason}", [
                {"field": f"query.{name}", "reason": reason}]) from None

    def _checked(self, name: str, value: Any) -> Any:
        if name == "wave":
            return [normalize_wave(v) for v in value]
        if name == "status":
            return [canonical_status(v) for v in value]
        if name in ("vertical_lead", "supervisor"):
            return [v.strip().lower() for v in value]
        if name == "q":
            return value.strip()
        return list(value) if isinstance(value, tuple) else value


def _order(sort: str, order: str) -> str:
    check_sort(sort, order, tuple(SORTS))
    tie = "" if sort == "loan_id" else f", l.loan_id {order}"
    return f"{SORTS[sort]} {order} NULLS LAST{tie}"


def _render(name: str, where: str, order: str = "", extra: str = "") -> str:
    return (load_sql(_PKG, name).replace("{columns}", ",\n       ".join(COLUMNS))
            .replace("{where}", where).replace("{order}", order)
            .replace("{par_columns}", extra))


def list_page(conn: Connection, filters: LoanFilters, *, sort: str = "loan_id",
              order: str = "asc", limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
    """One page of loans."""
    where, params = filters.sql()
    rows = conn.execute(text(_render("loan_list", where, _order(sort, order))),
                        {**params, "limit": limit, "offset": offset}).mappings()
    return [dict(r) for r in rows]


def first_ids(conn: Connection, filters: LoanFilters, *, sort: str = "loan_id",
              order: str = "asc", limit: int | None) -> list[str]:
    """The ids of the list's first `limit` rows (None: all), in the list's order."""
    where, params = filters.sql()
    return list(conn.execute(text(_render("loan_list_ids", where, _order(sort, order))),
                             {**params, "limit": limit}).scalars())


def rows_by_id(conn: Connection, ids: list[str]) -> list[dict[str, Any]]:
    """The list's rows of these loans, in the order of `ids`, with money and other numbers
    and dates as the text PostgreSQL writes them ("1200.50", "2026-01-30"): what the API
    answers, without making a Decimal or date of each value first (half the time of a page).
    """
    from psycopg.rows import dict_row
    from psycopg.types.string import TextLoader

    raw = conn.connection.driver_connection
    assert raw is not None
    with raw.cursor(row_factory=dict_row) as cur:
        for type_name in ("numeric", "date"):
            cur.adapters.register_loader(type_name, TextLoader)
        cur.execute(_render("loan_list_by_id", ""), {"ids": ids})  # type: ignore[arg-type]
        rows = {r["loan_id"]: r for r in cur}
    return [rows[i] for i in ids if i in rows]


def export_query(filters: LoanFilters, *, sort: str = "loan_id",
                 order: str = "asc") -> tuple[str, dict[str, Any]]:
    """The SQL and parameters of the whole filtered list (for a streamed CSV)."""
    where, params = filters.sql()
    return (_render("loan_list", where, _order(sort, order)),
            {**params, "limit": None, "offset": 0})      # LIMIT NULL: every row


def summary(conn: Connection, filters: LoanFilters,
            par_days: list[int]) -> dict[str, Any]:
    """The filter's total and summary metrics (GLP, PARx, arrears, FIMR and early-indicator
    counts, average DPD of the loans on the books)."""
    where, params = filters.sql()
    cols = "".join(
        f",\n       coalesce(sum(x.principal_outstanding) FILTER (WHERE x.ob AND "
        f"x.current_dpd > :par_{i}), 0) AS par_amt_{i}" for i in range(len(par_days)))
    params.update({f"par_{i}": d for i, d in enumerate(par_days)})
    row = conn.execute(text(_render("loan_list_summary", where, extra=cols)), params
                       ).mappings().one()
    glp = money(row["gross_loan_portfolio"])
    out: dict[str, Any] = {
        "loans": row["loans"], "loans_on_books": row["loans_on_books"],
        "gross_loan_portfolio": glp,
        "total_outstanding": money(row["total_outstanding"]),
        "actual_outstanding": money(row["actual_outstanding"]),
        "overdue_amount": money(row["overdue_amount"]),
        "loans_in_arrears": row["loans_in_arrears"],
        "fimr_tagged": row["fimr_tagged"],
        "early_indicator_tagged": row["early_indicator_tagged"],
        "avg_dpd": avg2(row["avg_dpd"]),
        "fields_as_of": {"min": row["fields_as_of_min"], "max": row["fields_as_of_max"]},
    }
    for i, d in enumerate(par_days):
        out[f"par{d}"] = pct(money(row[f"par_amt_{i}"]), glp)
    return out


def loan_detail(conn: Connection, loan_id: str,
                scope: tuple[str, ...] | None = None) -> dict[str, Any]:
    """One loan with its computed fields; NotFound when missing or outside the scope."""
    from astrofinance.errors import NotFound

    clause = "" if scope is None else " AND l.officer_id = ANY(:scope)"
    row = conn.execute(text(load_sql(_PKG, "loan_detail").replace("{scope}", clause)),
                       {"loan_id": loan_id, "scope": list(scope or ())}).mappings().first()
    if row is None:
        raise NotFound(f"no loan {loan_id!r}")
    return dict(row)


def loan_rows(conn: Connection, name: str,
              loan_id: str) -> tuple[list[str], list[dict[str, Any]]]:
    """A loan's schedule (`loan_schedule_rows`) or repayments (`loan_repayments`): the column
    names (there even when there are no rows) and the rows."""
    result = conn.execute(text(load_sql(_PKG, name)), {"loan_id": loan_id}).mappings()
    return list(result.keys()), [dict(r) for r in result]
