"""Portfolio metrics (shared/spec/metrics.md, "Portfolio metrics") over the loans' fields.

The numbers come from the per-loan computed fields: the ones stored in loans (as of
loans.fields_as_of) when the as-of date is that date, else fields computed on the fly by
compute_loan_fields(as_of) into a temp table. Both are exposed as the temp view _pf_book, so
ONE set of queries (metrics/sql/portfolio_*.sql) serves both. Filters and the group key are
rendered from the whitelists below; every value is a bound parameter.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection, text

from astrofinance.errors import Conflict, ValidationFailed
from astrofinance.kit.sql import load_sql
from astrofinance.metrics.portfolio_result import (
    CBN_CLASSES,
    ZERO,
    Bucket,
    Cohort,
    Kpis,
    PortfolioReport,
    avg2,
    money,
)
from astrofinance.metrics.stored_state import stored_state

_PKG = "astrofinance.metrics"
FIRST_DAY, LAST_DAY = dt.date(1990, 1, 1), dt.date(2100, 12, 31)  # business_calendar's span

GROUP_KEYS: dict[str, str] = {
    "officer": "b.officer_id",
    "branch": "b.branch",
    "region": "b.region",
    "supervisor": "lower(b.supervisor_email)",
    "vertical_lead": "lower(b.vertical_lead_email)",
    "wave": "b.wave",
    "product": "b.product",
}
"""--group-by names -> SQL expressions over _pf_book (the only text a group key can become)."""

_FILTER_SQL: dict[str, str] = {
    "branch": "b.branch = ANY(:f_branch)",
    "region": "b.region = ANY(:f_region)",
    "officer": "b.officer_id = ANY(:f_officer)",
    "supervisor": "lower(b.supervisor_email) = ANY(:f_supervisor)",
    "vertical_lead": "lower(b.vertical_lead_email) = ANY(:f_vertical_lead)",
    "wave": "b.wave = ANY(:f_wave)",
    "product": "b.product = ANY(:f_product)",
    "disbursed_from": "b.disbursement_date >= :f_disbursed_from",
    "disbursed_to": "b.disbursement_date <= :f_disbursed_to",
    "scope": "b.officer_id = ANY(:f_scope)",
}

ON_BOOKS_SQL = ("loan_on_books(b.status, b.disbursement_date, b.closed_on, b.written_off_on, "
                ":as_of)")
"""On the books as of T: disbursed by T and Active or Defaulted, or closed or written off after
T (so a past as-of date sees the loans that were open then). Over _pf_book or loans as `b`.
The rule is the SQL function loan_on_books (metrics/sql/functions_risk.sql, inlined by the
planner), which calculate_par, the provisioning and vw_overdue_loans use too."""

PARTS = frozenset({"book", "fimr", "period", "write_off_ratio", "collections"})
"""The passes portfolio_metrics can make (its `parts`); by default all of them."""

Key = tuple[bool, str | None]  # (is the total, group value)
TOTAL: Key = (True, None)


@dataclass(frozen=True)
class PortfolioFilters:
    """Which loans count; each list means "any of these" (emails compare case-insensitively)."""

    branch: tuple[str, ...] = ()
    region: tuple[str, ...] = ()
    officer: tuple[str, ...] = ()
    supervisor: tuple[str, ...] = ()
    vertical_lead: tuple[str, ...] = ()
    wave: tuple[str, ...] = ()
    product: tuple[str, ...] = ()
    disbursed_from: dt.date | None = None
    disbursed_to: dt.date | None = None
    scope: tuple[str, ...] | None = None
    """The caller's officers (auth/scope.py): None = every loan; () = none at all."""

    @property
    def by_officer(self) -> bool:
        """Whether the loans are chosen by officer (a few of the book's): their collection
        rows are then read per loan (collection_rows)."""
        return bool(self.officer) or self.scope is not None

    def values(self) -> dict[str, Any]:
        """The filters in use, normalised (lower-case emails, 'Wave N')."""
        from astrofinance.portfolio.waves import normalize_wave

        out: dict[str, Any] = {}
        for name, value in asdict(self).items():
            if value in ((), None) and not (name == "scope" and value == ()):
                continue
            if name in ("supervisor", "vertical_lead"):
                value = [v.strip().lower() for v in value]
            elif name == "wave":
                value = [normalize_wave(v) for v in value]
            elif isinstance(value, tuple):
                value = list(value)
            out[name] = value
        return out

    def sql(self) -> tuple[str, dict[str, Any]]:
        """The WHERE clauses (each starting with AND) and their bound values."""
        values = self.values()
        clauses = "".join(f"\n      AND {_FILTER_SQL[name]}" for name in values)
        return clauses, {f"f_{name}": v for name, v in values.items()}


def collection_rows(filters: PortfolioFilters, key1: str, key2: str = "NULL::text") -> str:
    """The collection rows of the filtered loans (metrics/sql/collections_rows.sql: day, k1,
    k2, collected, due over :date_from..:date_to), with two keys (SQL over loans as `b`, from
    a whitelist) and the filters' clauses (bound as PortfolioFilters.sql binds them).

    A filter by officer (a few of the book's loans) reads the rows per loan, by the loan
    indexes (collections_rows_by_loan.sql); any other reads the period's rows by their date
    indexes and joins the loans once, or with no filter and no key leaves out the rows of
    the few loans that do not count (the whole book by day: the overview)."""
    if filters.by_officer:
        sql = load_sql(_PKG, "collections_rows_by_loan")
    else:
        book_by_day = not filters.values() and key1 == key2 == "NULL::text"
        sql = load_sql(_PKG, "collections_rows").replace(
            "{counted}", _ROWS_OF_THE_BOOK if book_by_day else _ROWS_OF_COUNTED_LOANS)
    return (sql.replace("{key1}", key1).replace("{key2}", key2)
            .replace("{filters}", filters.sql()[0]))


_ROWS_OF_COUNTED_LOANS = """JOIN loans b ON b.loan_id = p.loan_id
WHERE b.status NOT IN ('Pending', 'Cancelled')
  {filters}"""
"""collections_rows.sql's rows of the loans that count and pass the filters (keys over b)."""

_ROWS_OF_THE_BOOK = """WHERE NOT EXISTS (
    SELECT 1 FROM loans b
    WHERE b.loan_id = p.loan_id AND b.status IN ('Pending', 'Cancelled'))"""
"""collections_rows.sql's rows of the whole book, without reading the loans: those of the
Pending and Cancelled loans (by the status index) left out."""


def load_grouped_sql(name: str, cube: bool = False) -> str:
    """The query `name`; one with {groups} takes its groups from the loans (name_loans.sql)
    or, with cube, from the loan cube (name_cube.sql)."""
    sql = load_sql(_PKG, name)
    if "{groups}" not in sql:
        return sql
    return sql.replace("{groups}", load_sql(_PKG, f"{name}_{'cube' if cube else 'loans'}"))


COHORT_SQL = "to_char(b.disbursement_date, 'YYYY-MM')"
"""A loan's FIMR cohort, its disbursement month (portfolio_fimr.sql)."""


@dataclass(frozen=True)
class _Queries:
    group_key: str
    filters: str
    params: dict[str, Any]
    dpd_columns: str
    dpd_totals: str = ""
    dpd_names: str = ""
    cohort: str = COHORT_SQL
    cube_dpd_columns: str = ""

    def render(self, name: str, cube: bool = False) -> str:
        return (load_grouped_sql(name, cube).replace("{group_key}", self.group_key)
                .replace("{on_books}", ON_BOOKS_SQL).replace("{filters}", self.filters)
                .replace("{dpd_columns}", self.cube_dpd_columns if cube else self.dpd_columns)
                .replace("{dpd_totals}", self.dpd_totals)
                .replace("{dpd_names}", self.dpd_names)
                .replace("{cohort}", self.cohort))

    def run(self, conn: Connection, name: str, cube: bool = False, **params: Any) -> list[Any]:
        return list(conn.execute(text(self.render(name, cube)),
                                 {**self.params, **params}).all())


def portfolio_metrics(conn: Connection, *, as_of: dt.date | None = None,
                      filters: PortfolioFilters | None = None, group_by: str | None = None,
                      period_start: dt.date | None = None, period_end: dt.date | None = None,
                      par_days: list[int] | None = None,
                      today: dt.date | None = None,
                      parts: frozenset[str] = PARTS,
                      group_cohorts: bool = True,
                      cohorts: bool = True,
                      cbn_classes: bool = True,
                      cube: bool = True) -> PortfolioReport:
    """The portfolio metrics as of a date, for the filtered loans, in total and per group.

    parts: which of PARTS to compute (each is a pass over the loans); a caller that shows
    only some figures asks for those only. The figures of a part left out keep their empty
    values (0, or None for a rate): "book" (loans on the books, GLP, PAR, arrears, CBN
    classes, early indicators, average DPD), "fimr" (FIMR counts and cohorts), "period"
    (disbursed and written off in the period), "write_off_ratio" (the GLP at the period's
    end and, with write-offs in it, at its start: the fields of every loan computed as of
    that day; needs "book" and "period") and "collections" (due and repaid in the period,
    the collection rate; the web overview reads them per day from metrics.collections
    instead).

    group_cohorts=False leaves each group's FIMR cohorts out (the total's are kept);
    cohorts=False leaves every cohort out, the total's too, for a caller that shows only the
    FIMR rates (the roll-ups, the overview): the counts are then grouped by the group alone,
    not by group and month (with a group per officer, tens of thousands of groups fewer).

    cbn_classes=False leaves the CBN prudential classes out of "book" (their buckets stay
    empty): for a caller that shows none of them (the roll-ups), ten sums fewer per loan.

    As of the stored date, "book" and (without cohorts) "fimr" read the loan cube's sums
    where it can give them (cube_ready); cube=False reads the loans all the same (the tests
    hold the two to the same figures)."""
    from astrofinance.config import get_settings

    settings = get_settings()
    par_days = sorted(set(par_days or settings.par_days))
    filters = filters or PortfolioFilters()
    if (not parts or not parts <= PARTS
            or ("write_off_ratio" in parts and not {"book", "period"} <= parts)):
        raise ValueError(f"parts {sorted(parts)}: a non-empty subset of {sorted(PARTS)}, "
                         "with 'book' and 'period' wherever 'write_off_ratio' is")
    if group_by is not None and group_by not in GROUP_KEYS:
        raise ValidationFailed(f"cannot group by {group_by!r}: use one of {', '.join(GROUP_KEYS)}")
    stored_as_of, missing = stored_state(conn)
    as_of = _resolve_as_of(as_of, stored_as_of, missing, today or settings.today())
    start, end = _period(as_of, period_start, period_end)
    q = _queries(filters, group_by, par_days, cohorts, cbn_classes)

    def stored(day: dt.date) -> bool:
        return day == stored_as_of and missing == 0

    scopes: dict[Key, Kpis] = {}
    use_cube = (cube and bool(parts & {"book", "fimr"}) and stored(as_of)
                and cube_ready(conn, filters))
    with _book(conn, q, as_of, stored(as_of)):
        if "book" in parts:
            _fill_book(scopes, q.run(conn, "portfolio_book",
                                     use_cube and set(par_days) <= CUBE_PAR_DAYS, as_of=as_of),
                       par_days, cbn_classes)
        if "fimr" in parts:
            _fill_fimr(scopes, q.run(conn, "portfolio_fimr", use_cube and not cohorts,
                                     as_of=as_of, group_cohorts=group_cohorts and cohorts))
        if "period" in parts:
            _fill_period(scopes, _period_rows(conn, q, start, end,
                                              by_start="write_off_ratio" in parts))
        if "collections" in parts:
            sql = q.render("portfolio_collections").replace(
                "{rows}", collection_rows(filters, q.group_key))
            _fill_collections(scopes, list(conn.execute(text(sql), {
                **q.params, "date_from": start, "date_to": end})))
    scopes.setdefault(TOTAL, _new_kpis(None))
    if not group_by:
        scopes = {TOTAL: scopes[TOTAL]}
    if "write_off_ratio" in parts:
        _fill_average_glp(conn, q, scopes, as_of, start, end, stored)
    groups = sorted((k for k in scopes if k != TOTAL), key=lambda k: (k[1] is None, k[1] or ""))
    return PortfolioReport(
        as_of=as_of, fields_source="stored" if stored(as_of) else "computed",
        period_start=start, period_end=end, par_days=par_days, filters=_json_filters(filters),
        total=scopes[TOTAL], group_by=group_by, groups=[scopes[k] for k in groups])


CUBE_DPD_BANDS = (0, 1, 2, 8, 31, 61, 91)
"""The lowest DPD of each of the loan cube's DPD bands (the SQL function loan_dpd_band,
migration 0024; tests/metrics/test_loan_cube.py holds the two, and the CBN classes, to each
other)."""
CUBE_PAR_DAYS = frozenset({0} | {start - 1 for start in CUBE_DPD_BANDS[1:]})
"""The PAR thresholds the loan cube can give: "DPD over x" is whole bands when a band starts
at x + 1 (0, 1, 7, 30, 60, 90)."""


def cube_ready(conn: Connection, filters: PortfolioFilters,
               par_days: list[int] | tuple[int, ...] = ()) -> bool:
    """Whether the loan cube (migration 0024) can give the figures of these filters and PAR
    thresholds as of the stored date: it is valid (not left stale by a bulk recalculation),
    no filter is by disbursement date (the cube has none) and every threshold is an edge of
    its DPD bands. The caller checks that the date is the stored one."""
    if filters.disbursed_from is not None or filters.disbursed_to is not None:
        return False
    if not set(par_days) <= CUBE_PAR_DAYS:
        return False
    return bool(conn.execute(text("SELECT valid FROM loan_cube_state")).scalar())


def _resolve_as_of(as_of: dt.date | None, stored_as_of: dt.date | None, missing: int,
                   today: dt.date) -> dt.date:
    if as_of is None:
        if missing and stored_as_of is None:
            raise Conflict("no loan fields have been computed yet: run `astrofinance metrics "
                           "recalculate` first, or give an as-of date (--as-of, as_of=) to "
                           "compute them on the fly")
        if missing:
            raise Conflict(
                f"{missing} loan(s) have no fields computed as of {stored_as_of} (the stored "
                "date): run `astrofinance metrics recalculate`, or give an as-of date "
                "(--as-of, as_of=) to compute them on the fly")
        as_of = stored_as_of or today
    if not FIRST_DAY <= as_of <= LAST_DAY:
        raise ValidationFailed(f"as-of date {as_of} is outside {FIRST_DAY}..{LAST_DAY}")
    return as_of


def _period(as_of: dt.date, start: dt.date | None,
            end: dt.date | None) -> tuple[dt.date, dt.date]:
    """The period of the period metrics; default: the first day of the as-of month .. as-of."""
    end = end or as_of
    start = start or end.replace(day=1)
    if start > end:
        raise ValidationFailed(f"the period starts ({start}) after it ends ({end})")
    if end > as_of:
        raise ValidationFailed(f"the period ends ({end}) after the as-of date ({as_of})")
    if start < FIRST_DAY:
        raise ValidationFailed(f"the period start {start} is before {FIRST_DAY}")
    return start, end


def _queries(filters: PortfolioFilters, group_by: str | None, par_days: list[int],
             cohorts: bool = True, cbn_classes: bool = True) -> _Queries:
    clauses, params = filters.sql()
    cols: list[str] = []
    cube_cols: list[str] = []

    def column(where: str, n_name: str, amt_name: str) -> None:
        """The loans (count) and their principal (sum) where the DPD passes `where`: over the
        loans' current_dpd, and over the cube's shares by their band's lowest DPD."""
        for out, dpd, n in ((cols, "x.current_dpd", "count(*)"),
                            (cube_cols, "x.dpd_lo", "sum(x.loans)")):
            cond = where.replace("{dpd}", dpd)
            out += [f"coalesce({n} FILTER (WHERE {cond}), 0)::bigint AS {n_name}",
                    f"coalesce(sum(x.principal_outstanding) FILTER (WHERE {cond}), 0) "
                    f"AS {amt_name}"]

    for i, days in enumerate(par_days):
        params[f"par_{i}"] = days
        column(f"{{dpd}} > :par_{i}", f"par_n_{i}", f"par_amt_{i}")
    for c in CBN_CLASSES if cbn_classes else ():
        params[f"{c.key}_lo"] = c.min_dpd
        params[f"{c.key}_hi"] = c.max_dpd if c.max_dpd is not None else 2**31 - 1
        column(f"{{dpd}} BETWEEN :{c.key}_lo AND :{c.key}_hi", f"{c.key}_n", f"{c.key}_amt")
    group_key = GROUP_KEYS[group_by] if group_by else "NULL::text"
    names = [c.rsplit(" AS ", 1)[1] for c in cols]
    totals = [f"coalesce(sum(g.{n}), 0){'::bigint' if n.endswith('_n') or '_n_' in n else ''}"
              f" AS {n}" for n in names]
    return _Queries(group_key, clauses, params, "".join(f",\n       {c}" for c in cols),
                    "".join(f",\n       {t}" for t in totals),
                    "".join(f", g.{n}" for n in names),
                    COHORT_SQL if cohorts else "NULL::text",
                    "".join(f",\n       {c}" for c in cube_cols))


@contextlib.contextmanager
def _book(conn: Connection, q: _Queries, as_of: dt.date, stored: bool,
          on_books_only: bool = False) -> Iterator[None]:
    """Expose the fields as of a date as the temp view _pf_book for the queries inside.

    Computed fields are computed for the loans the queries can use only: the filtered ones,
    and with on_books_only those on the books as of the date (for a GLP).
    """
    _drop_book(conn)
    if stored:
        conn.execute(text(load_sql(_PKG, "portfolio_book_stored")))
    else:
        conn.execute(text(load_sql(_PKG, "portfolio_fields_table")))
        conn.execute(text(q.render("portfolio_fields_compute")), {
            **q.params, "as_of": as_of, "on_books_only": on_books_only,
            "all_loans": not (on_books_only or q.filters)})
        conn.execute(text("ANALYZE _pf_fields"))
        conn.execute(text(load_sql(_PKG, "portfolio_book_computed")))
    yield
    _drop_book(conn)


def _drop_book(conn: Connection) -> None:
    conn.execute(text("DROP VIEW IF EXISTS _pf_book"))
    conn.execute(text("DROP TABLE IF EXISTS _pf_fields"))


def _scope(scopes: dict[Key, Kpis], is_total: bool, grp: str | None) -> Kpis:
    key: Key = TOTAL if is_total else (False, grp)
    if key not in scopes:
        scopes[key] = _new_kpis(grp)
    return scopes[key]


_EMPTY_BUCKETS = tuple(Bucket(c, 0, ZERO) for c in CBN_CLASSES)   # frozen: shared


def _new_kpis(group: str | None) -> Kpis:
    return Kpis(group=group, buckets=list(_EMPTY_BUCKETS))


def _fill_book(scopes: dict[Key, Kpis], rows: list[Any], par_days: list[int],
               cbn_classes: bool) -> None:
    par = [(x, f"par_amt_{i}", f"par_n_{i}") for i, x in enumerate(par_days)]
    cbn = [(c, f"{c.key}_n", f"{c.key}_amt") for c in CBN_CLASSES] if cbn_classes else []
    for r in rows:
        k = _scope(scopes, r.is_total, r.grp)
        m = r._mapping
        k.loans_on_books, k.gross_loan_portfolio = r.loans_on_books, money(r.gross_loan_portfolio)
        k.overdue_amount, k.loans_in_arrears = money(r.overdue_amount), r.loans_in_arrears
        k.early_indicator_count = r.early_indicator_count
        k.avg_dpd, k.avg_dpd_in_arrears = avg2(r.avg_dpd), avg2(r.avg_dpd_in_arrears)
        k.par_amounts = {x: money(m[amt]) for x, amt, _ in par}
        k.par_counts = {x: m[n] for x, _, n in par}
        if cbn:
            k.buckets = [Bucket(c, m[n], money(m[amt])) for c, n, amt in cbn]


def _fill_fimr(scopes: dict[Key, Kpis], rows: list[Any]) -> None:
    for r in sorted(rows, key=lambda r: r.cohort or ""):
        k = _scope(scopes, r.all_groups, r.grp)
        if r.all_cohorts:
            k.fimr_eligible, k.fimr_tagged = r.eligible, r.tagged
        elif r.cohort is not None:        # None: cohorts not asked for (one NULL cohort)
            k.cohorts.append(Cohort(r.cohort, r.eligible, r.tagged))


def _fill_period(scopes: dict[Key, Kpis], rows: list[Any]) -> None:
    for r in rows:
        k = _scope(scopes, r.is_total, r.grp)
        k.disbursed_count, k.disbursed_amount = r.disbursed_count, money(r.disbursed_amount)
        k.written_off_count = r.written_off_count
        k.written_off_principal = money(r.written_off_principal)
        k.disbursed_by_period_start = r.disbursed_by_start


PERIOD_ROWS_SQL = ("AND (b.disbursement_date BETWEEN :period_start AND :period_end"
                   " OR b.written_off_on BETWEEN :period_start AND :period_end)")
"""The loans the period figures count but the loans disbursed by the period start: those
disbursed or written off in it (by the indexes on those dates: migrations 0001 and 0023)."""


def _period_rows(conn: Connection, q: _Queries, start: dt.date, end: dt.date,
                 by_start: bool) -> list[Any]:
    """portfolio_period.sql's rows; the count of loans disbursed by the period start (which
    reads every loan) only with by_start, else 0."""
    sql = q.render("portfolio_period").replace(
        "{disbursed_by_start}", "count(*) FILTER (WHERE x.disbursement_date <= :period_start)"
        if by_start else "0::bigint").replace("{period_rows}", "" if by_start else PERIOD_ROWS_SQL)
    return list(conn.execute(text(sql), {**q.params, "period_start": start, "period_end": end}))


def _fill_collections(scopes: dict[Key, Kpis], rows: list[Any]) -> None:
    for r in rows:
        k = _scope(scopes, r.is_total, r.grp)
        k.repaid_in_period, k.due_in_period = money(r.repaid), money(r.due)


def _fill_average_glp(conn: Connection, q: _Queries, scopes: dict[Key, Kpis], as_of: dt.date,
                      start: dt.date, end: dt.date,
                      stored: Callable[[dt.date], bool]) -> None:
    """GLP at the period end and (only where the write-off ratio needs it) at its start."""
    ends = ({k: s.gross_loan_portfolio for k, s in scopes.items()} if end == as_of
            else _glp_by_scope(conn, q, end, stored(end)))
    for k, s in scopes.items():
        s.glp_at_period_end = ends.get(k, ZERO)
        if s.needs_glp_at_start and not s.disbursed_by_period_start:
            s.glp_at_period_start = ZERO
    if any(s.needs_glp_at_start for s in scopes.values()):
        starts = _glp_by_scope(conn, q, start, stored(start))
        for k, s in scopes.items():
            s.glp_at_period_start = starts.get(k, ZERO)


def _glp_by_scope(conn: Connection, q: _Queries, day: dt.date, stored: bool) -> dict[Key, Any]:
    with _book(conn, q, day, stored, on_books_only=True):
        rows = q.run(conn, "portfolio_book", as_of=day)
    return {(TOTAL if r.is_total else (False, r.grp)): money(r.gross_loan_portfolio)
            for r in rows}


def _json_filters(filters: PortfolioFilters) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, dt.date) else v)
            for k, v in filters.values().items() if k != "scope"}
