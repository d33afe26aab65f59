"""Operations (managers and admins): sync runs and status with a start button, the last
recalculations, the data-quality report (`astrofinance verify`), the holidays editor, the
wave rules and the audit log; users and API tokens are in operations_admin.py.

Every page calls the services the API and the CLI call (sync.jobs, ops.quality,
portfolio.holidays, portfolio.waves, audit.service): no second implementation."""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from sqlalchemy import Connection, text
from starlette.responses import Response

from astrofinance.api.deps import Conn, PageQ
from astrofinance.api.query import Date
from astrofinance.audit.service import ACTIONS, MAX_LIMIT, AuditFilter, list_log, table_names
from astrofinance.auth.tokens import Principal
from astrofinance.errors import AstroFinanceError, ValidationFailed
from astrofinance.kit.sql import load_sql
from astrofinance.portfolio import holidays, waves
from astrofinance.sync import jobs
from astrofinance.web.auth import needs
from astrofinance.web.pages import operations_admin
from astrofinance.web.pages.operations_admin import (
    Text,
    attempt,
    business_time,
    done,
    ops_page,
    refused,
    refused_status,
)
from astrofinance.web.render import day as day_text
from astrofinance.web.render import query_with

router = APIRouter(prefix="/operations")
SYNC = needs("sync.run")
STALE_NOTE = ("Schedules spanning the changed date were regenerated; the loans' computed "
              "fields (DPD, PAR, FIMR, ...) are stale until the next recalculation: press "
              "Refresh Fields.")


# --- sync runs and status ------------------------------------------------------------

def _sync_context(request: Request, conn: Connection, page_q: Any) -> dict[str, Any]:
    business_time(request, conn)
    items, total = jobs.runs_page(conn, page_q.limit, page_q.offset)
    return {"sync": jobs.status(conn, request.app.state.settings), "runs": items,
            "runs_meta": page_q.meta(total)}


def _sync_page(request: Request, conn: Connection, user: Principal, page_q: Any,
               status: int = 200, **extra: Any) -> Response:
    context = _sync_context(request, conn, page_q)
    recalcs = conn.execute(text(load_sql("astrofinance.web", "ops_recalculations")),
                           {"limit": 5}).mappings().all()
    return ops_page(request, "ops_sync.html", user, title="Operations", status=status,
                    recalculations=recalcs, **context, **extra)


@router.get("")
def sync_page(request: Request, conn: Conn, page_q: PageQ, user=SYNC) -> Response:
    return _sync_page(request, conn, user, page_q)


@router.get("/sync-runs")
def sync_runs(request: Request, conn: Conn, page_q: PageQ, user=SYNC) -> Response:
    """The runs and status (htmx polls it while a run is in progress)."""
    return ops_page(request, "ops_sync_runs.html", user, title="Sync runs",
                    **_sync_context(request, conn, page_q))


@router.post("/sync")
def start_sync(request: Request, conn: Conn, page_q: PageQ, command: Text = "",
               restart: Text = "", user=SYNC) -> Response:
    """Start a run in the background, as POST /api/v1/sync/runs does (one at a time)."""
    app = request.app.state
    try:
        run_id = jobs.start(app.db, app.settings, command, user.name,
                            restart=restart == "true")
    except AstroFinanceError as exc:
        if request.headers.get("HX-Request"):
            return ops_page(request, "ops_sync_result.html", user, error=str(exc),
                            status=refused_status(exc), title="Sync")
        return _sync_page(request, conn, user, page_q, refused_status(exc), error=str(exc),
                          form={"command": command})
    message = f"Sync run {run_id} ({command}) started; it runs in the background."
    if request.headers.get("HX-Request"):
        return ops_page(request, "ops_sync_result.html", user, started=message, status=202,
                        title="Sync", **_sync_context(request, conn, page_q))
    return done("/operations", message)


# --- data quality ----------------------------------------------------------------------

@router.get("/data-quality")
def data_quality(request: Request, conn: Conn, user=SYNC, compare: bool = False) -> Response:
    """The report's page; the report itself loads next (it reads every loan and repayment:
    a second or two at 200,000 loans), so the page shows at once with a loading state."""
    source = request.app.state.settings.source_database_url
    return ops_page(request, "ops_quality.html", user, title="Data quality", report=None,
                    source_configured=bool(source), compare=compare)


@router.get("/data-quality/report")
def data_quality_report(request: Request, conn: Conn, user=SYNC,
                        compare: bool = False) -> Response:
    """`astrofinance verify`: the loan summary and every check, with its first offenders."""
    from astrofinance.ops.quality import CheckContext, configured_limits, verify

    business_time(request, conn)
    source = request.app.state.settings.source_database_url
    ctx = CheckContext(details_limit=10, source_url=source if compare else None)
    report = verify(conn, limits=configured_limits(), ctx=ctx)
    template = "ops_quality_report.html" if request.headers.get("HX-Request") \
        else "ops_quality.html"
    return ops_page(request, template, user, title="Data quality", report=report,
                    source_configured=bool(source), compare=compare)


# --- holidays --------------------------------------------------------------------------

def _holidays_page(request: Request, conn: Connection, user: Principal, status: int = 200,
                   year: int | None = None, **extra: Any) -> Response:
    business_time(request, conn)
    year = year or request.app.state.settings.today().year
    rows = holidays.list_holidays(conn, date_from=dt.date(year, 1, 1),
                                  date_to=dt.date(year, 12, 31))
    return ops_page(request, "ops_holidays.html", user, title="Holidays", status=status,
                    holidays=rows, year=year, first_year=holidays.FIRST_YEAR,
                    last_year=holidays.LAST_YEAR, stale_note=STALE_NOTE, **extra)


Year = Annotated[int | None, Query(ge=holidays.FIRST_YEAR, le=holidays.LAST_YEAR)]


@router.get("/holidays")
def holidays_page(request: Request, conn: Conn, year: Year = None,
                  user=SYNC) -> Response:
    return _holidays_page(request, conn, user, year=year)


@router.post("/holidays")
def add_holiday(request: Request, conn: Conn, day: Text = "", name: Text = "",
                user=SYNC) -> Response:
    """Add (or rename) a company-wide holiday, as `astrofinance holidays add` does."""
    def add() -> tuple[dt.date, bool]:
        when = _date(day, "the holiday's date")
        if when is None:
            raise ValidationFailed("a holiday needs a date")
        return when, holidays.add_holiday(conn, when, name)

    result = attempt(conn, add)
    if isinstance(result, AstroFinanceError):
        return refused(partial(_holidays_page, year=_year_of(day)), request, conn, user,
                       result, day=day, name=name)
    when, created = result
    verb = "Added" if created else "Renamed"
    return done("/operations/holidays",
                f"{verb} the holiday on {day_text(when)} ({name.strip()}). {STALE_NOTE}",
                year=when.year)


@router.post("/holidays/remove")
def remove_holiday(request: Request, conn: Conn, day: Text = "", user=SYNC) -> Response:
    """Remove the company-wide holiday on a date, as `astrofinance holidays remove` does."""
    def remove() -> holidays.Holiday:
        when = _date(day, "the holiday's date")
        if when is None:
            raise ValidationFailed("say which holiday to remove (its date)")
        return holidays.remove_holiday(conn, when)

    result = attempt(conn, remove)
    if isinstance(result, AstroFinanceError):
        return refused(partial(_holidays_page, year=_year_of(day)), request, conn, user,
                       result)
    return done("/operations/holidays",
                f"Removed the holiday on {day_text(result.holiday_date)} ({result.name}). "
                f"{STALE_NOTE}", year=result.holiday_date.year)


def _date(value: str, what: str) -> dt.date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(f"{what} {value!r} is not a date (YYYY-MM-DD)") from None


def _year_of(value: str) -> int | None:
    try:
        year = dt.date.fromisoformat(value.strip()).year
    except ValueError:
        return None
    return year if holidays.FIRST_YEAR <= year <= holidays.LAST_YEAR else None


# --- waves -----------------------------------------------------------------------------

def _waves_page(request: Request, conn: Connection, user: Principal, status: int = 200,
                **extra: Any) -> Response:
    business_time(request, conn)
    return ops_page(request, "ops_waves.html", user, title="Waves", status=status,
                    rules=waves.list_rules(conn), counts=waves.loans_per_wave(conn), **extra)


@router.get("/waves")
def waves_page(request: Request, conn: Conn, user=SYNC) -> Response:
    return _waves_page(request, conn, user)


@router.post("/waves")
def add_rule(request: Request, conn: Conn, wave: Text = "", priority: Text = "",
             hired: Text = "", disbursed: Text = "", description: Text = "",
             user=SYNC) -> Response:
    """Add an active rule, as `astrofinance waves add-rule` does (every loan re-assigned)."""
    def add() -> waves.WaveRule:
        if not priority.strip().lstrip("-").isdigit():
            raise ValidationFailed(f"the priority must be a whole number, not {priority!r}")
        return waves.add_rule(conn, wave=wave, priority=int(priority),
                              officer_hired_on_or_after=_date(hired, "the hiring date"),
                              disbursed_on_or_after=_date(disbursed, "the disbursement date"),
                              description=description)

    result = attempt(conn, add)
    if isinstance(result, AstroFinanceError):
        return refused(_waves_page, request, conn, user, result, wave=wave, priority=priority,
                       hired=hired, disbursed=disbursed, description=description)
    return done("/operations/waves", f"Added rule {result.id}: {result.wave} when "
                                     f"{result.conditions} (priority {result.priority}); "
                                     "every loan's wave was re-assigned.")


@router.post("/waves/{rule_id}/active")
def set_rule_active(request: Request, conn: Conn, rule_id: int, active: Text = "",
                    user=SYNC) -> Response:
    """Enable or disable a rule, as `astrofinance waves enable-rule|disable-rule` do."""
    result = attempt(conn, lambda: waves.set_rule_active(conn, rule_id, active == "true"))
    if isinstance(result, AstroFinanceError):
        return refused(_waves_page, request, conn, user, result)
    state = "enabled" if result.active else "disabled"
    return done("/operations/waves", f"Rule {result.id} ({result.wave} when "
                                     f"{result.conditions}) {state}; every loan's wave was "
                                     "re-assigned.")


# --- audit log -------------------------------------------------------------------------

@router.get("/audit")
def audit_page(
    request: Request, conn: Conn, user=needs("audit.read"),
    table: Annotated[str | None, Query(max_length=63)] = None,
    record: Annotated[str | None, Query(max_length=200)] = None,
    since: Date | None = None,
    changed_by: Annotated[str | None, Query(alias="user", max_length=200)] = None,
    action: Literal["INSERT", "UPDATE", "DELETE", "BULK", "TRUNCATE"] | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
) -> Response:
    """GET /api/v1/audit-log's rows (list_log, the same filters) and its CSV."""
    business_time(request, conn)
    entries = list_log(conn, AuditFilter(table=table, record=record, since=since,
                                         user=changed_by, action=action, limit=limit),
                       request.app.state.settings.timezone)
    csv_url = "/api/v1/audit-log?" + query_with(request, format="csv")
    return ops_page(request, "ops_audit.html", user, title="Audit log", entries=entries,
                    tables=table_names(conn), actions=ACTIONS, limit=limit, csv_url=csv_url)


router.include_router(operations_admin.router)
