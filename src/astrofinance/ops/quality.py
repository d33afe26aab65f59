"""Data quality (`astrofinance verify`): the seed guide's step-8 summary and named checks.

Each check counts offenders (loans, repayments, officers, ...) and fails when the count is over
its maximum: 0 unless `--max NAME=N` or ASTROFINANCE_VERIFY_MAX ("name=N,name=N") says more.
A check is a SQL file in ops/sql/ returning one row per offender (a text column `id`), or a
callable for checks that need more than this database (the source system, say). To add one,
append a `Check` to `CHECKS`; `count_offenders` runs any such query for a callable.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import Connection, text

from astrofinance.errors import ConfigurationError, ValidationFailed
from astrofinance.kit.sql import load_sql

_PKG = "astrofinance.ops"
EXIT_CHECK_FAILED = 3          # `verify`'s exit code when a check is over its maximum
PASS, FAIL, SKIP = "PASS", "FAIL", "SKIP"
_LIMIT = re.compile(r"\s*([a-z_][a-z0-9_]*)\s*=\s*(\d+)\s*")


@dataclass(frozen=True)
class CheckContext:
    """What checks may need besides the connection."""

    details_limit: int = 5               # offender ids kept per check
    sync_max_age_hours: float = 26.0     # stale_sync: the newest sync may be this old
    source_url: str | None = None        # status_mismatches: the source (skipped without one)
    mapping: str | None = None           # its mapping (default: the configured one)


@dataclass(frozen=True)
class Findings:
    """A check's count of offenders and the first few of them (sorted ids)."""

    count: int
    sample: list[str] = field(default_factory=list)


Measure = Callable[[Connection, CheckContext], Findings]


@dataclass(frozen=True)
class Check:
    """A named check: a SQL file (ops/sql/<sql>.sql) or a callable, and its default maximum."""

    name: str
    description: str
    sql: str | None = None
    measure: Measure | None = None
    default_max: int = 0

    def run(self, conn: Connection, ctx: CheckContext) -> Findings:
        if self.measure is not None:
            return self.measure(conn, ctx)
        if self.sql is None:
            raise ConfigurationError(f"check {self.name} has neither a SQL file nor a callable")
        return count_offenders(conn, load_sql(_PKG, self.sql), ctx)


CHECKS: list[Check] = [
    Check("loans_without_schedule", "loans with no installment in payment_schedules",
          sql="quality_loans_without_schedule"),
    Check("loans_without_first_due_date", "loans without a first_payment_due_date",
          sql="quality_loans_without_first_due_date"),
    Check("repayments_before_disbursement",
          "repayments dated before their loan's disbursement_date",
          sql="quality_repayments_before_disbursement"),
    Check("repayments_non_positive_amount", "repayments with a zero or negative amount",
          sql="quality_repayments_non_positive_amount"),
    Check("officers_without_hierarchy",
          "officers with loans but no vertical lead or no region",
          sql="quality_officers_without_hierarchy"),
    Check("stale_sync", "newest sync_tracking.last_sync_at older than --sync-max-age-hours "
                        "(or no sync ever)",
          sql="quality_stale_sync"),
    Check("repayments_unknown_loan",
          "source repayments quarantined because their loan is not here",
          sql="quality_repayments_unknown_loan"),
    Check("status_mismatches", "loans whose status differs from the source's, or missing "
                               "here (needs a source: --source-url / SOURCE_DATABASE_URL)",
          measure=lambda conn, ctx: _status_mismatches(conn, ctx)),
]


def _status_mismatches(conn: Connection, ctx: CheckContext) -> Findings:
    """Compare every source loan's status with ours (sync/status_check.py)."""
    from astrofinance.sync.mapping import load_mapping
    from astrofinance.sync.source import SqlSource
    from astrofinance.sync.status_check import find_mismatches

    with SqlSource(ctx.source_url, load_mapping(ctx.mapping)) as source:
        found = find_mismatches(conn.connection.driver_connection, source)  # type: ignore
    ids = sorted((m.loan_id for m in found), key=lambda k: (len(k), k))
    return Findings(len(found), ids[:ctx.details_limit])


@dataclass(frozen=True)
class CheckResult:
    name: str
    description: str
    count: int | None        # None: skipped
    max_allowed: int
    status: str              # PASS | FAIL | SKIP
    sample: list[str]


@dataclass(frozen=True)
class VerifyReport:
    """The summary (the seed's verification query) and every check's result."""

    summary: dict[str, Any]
    results: list[CheckResult]

    @property
    def failed(self) -> list[str]:
        return [r.name for r in self.results if r.status == FAIL]

    @property
    def passed(self) -> bool:
        return not self.failed

    def to_dict(self, *, details: bool = False) -> dict[str, Any]:
        """The JSON shape: summary (money as strings), checks, passed, failed."""
        checks = []
        for r in self.results:
            item: dict[str, Any] = {"name": r.name, "description": r.description,
                                    "count": r.count, "max": r.max_allowed, "status": r.status}
            if details:
                item["sample"] = r.sample
            checks.append(item)
        return {"summary": _summary_json(self.summary), "checks": checks,
                "passed": self.passed, "failed": self.failed}


def count_offenders(conn: Connection, query: str, ctx: CheckContext,
                    params: dict[str, Any] | None = None) -> Findings:
    """Count the rows of a query with an `id` column; keep the first ids (sorted).

    `query` may use :max_age_hours and its own `params`; it must not end with a semicolon.
    """
    wrapped = (f"WITH bad AS MATERIALIZED (\n{query}\n)\n"
               "SELECT (SELECT count(*) FROM bad),"
               " ARRAY(SELECT CAST(id AS text) FROM bad ORDER BY 1 LIMIT :limit)")
    values = {"limit": ctx.details_limit, "max_age_hours": ctx.sync_max_age_hours,
              **(params or {})}
    count, sample = conn.execute(text(wrapped), values).one()
    return Findings(int(count), list(sample))


def summary(conn: Connection) -> dict[str, Any]:
    """The seed guide's step-8 verification query, run as it is written there."""
    return dict(conn.execute(text(load_sql(_PKG, "quality_summary"))).mappings().one())


def verify(conn: Connection, *, limits: dict[str, int] | None = None,
           skip: Iterable[str] = (), ctx: CheckContext | None = None,
           checks: Sequence[Check] | None = None, snapshot: bool = False) -> VerifyReport:
    """Run the summary and every check (all in one snapshot when `snapshot`)."""
    checks = list(CHECKS if checks is None else checks)
    limits, skipped = limits or {}, set(skip)
    _known(checks, [*limits, *skipped])
    ctx = ctx or CheckContext()
    if ctx.source_url is None:
        skipped.add("status_mismatches")
    if snapshot:
        conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
    # Let the planner use CHECK constraints: a check that a validated constraint already rules
    # out (repayments_non_positive_amount) then costs nothing instead of a full table scan.
    conn.execute(text("SET LOCAL constraint_exclusion = on"))
    results = []
    for check in checks:
        allowed = limits.get(check.name, check.default_max)
        if check.name in skipped:
            results.append(CheckResult(check.name, check.description, None, allowed, SKIP, []))
            continue
        found = check.run(conn, ctx)
        results.append(CheckResult(check.name, check.description, found.count, allowed,
                                   PASS if found.count <= allowed else FAIL, found.sample))
    return VerifyReport(summary=summary(conn), results=results)


def unknown_checks(names: Iterable[str], checks: Sequence[Check] | None = None) -> list[str]:
    """The names that are no check's name."""
    known = {c.name for c in (CHECKS if checks is None else checks)}
    return sorted(set(names) - known)


def _known(checks: Sequence[Check], names: Iterable[str]) -> None:
    unknown = unknown_checks(names, checks)
    if unknown:
        raise ValidationFailed(f"unknown check(s): {', '.join(unknown)} "
                               f"(the checks: {', '.join(c.name for c in checks)})")


def parse_limits(items: Iterable[str]) -> dict[str, int]:
    """'name=N' items (each may hold several, comma-separated) -> {name: N}."""
    limits: dict[str, int] = {}
    for item in items:
        for part in item.split(","):
            if not part.strip():
                continue
            m = _LIMIT.fullmatch(part.lower())
            if not m:
                raise ValidationFailed(f"{part.strip()!r} is not NAME=N (N a whole number "
                                       "0 or more), e.g. repayments_before_disbursement=5")
            limits[m[1]] = int(m[2])
    return limits


class _VerifySettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8",
                                      extra="ignore", populate_by_name=True)

    verify_max: str = Field("", alias="ASTROFINANCE_VERIFY_MAX")


def configured_limits() -> dict[str, int]:
    """The maxima from ASTROFINANCE_VERIFY_MAX (environment or .env)."""
    value = _VerifySettings().verify_max  # type: ignore[call-arg]
    try:
        return parse_limits([value])
    except ValidationFailed as e:
        raise ConfigurationError(f"ASTROFINANCE_VERIFY_MAX: {e}") from None


def _summary_json(s: dict[str, Any]) -> dict[str, Any]:
    out = dict(s)
    if out.get("avg_dpd") is not None:
        out["avg_dpd"] = float(out["avg_dpd"])
    if isinstance(out.get("avg_outstanding"), Decimal):
        out["avg_outstanding"] = f"{out['avg_outstanding']:.2f}"
    return out
