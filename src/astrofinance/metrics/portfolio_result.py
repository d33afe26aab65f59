"""The portfolio metrics' result: the KPIs of one scope (the whole filter or one group).

Ratios are worked out here from the sums the SQL returns, with one rule for all of them:
a percentage rounded half-up to 2 decimals, or None when the denominator is 0.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class CbnClass:
    """A Central Bank of Nigeria prudential class for microfinance loans, by days past due."""

    key: str
    label: str
    min_dpd: int
    max_dpd: int | None
    provision_rate: int  # percent of principal outstanding


CBN_CLASSES: tuple[CbnClass, ...] = (
    CbnClass("performing", "Performing", 0, 0, 1),
    CbnClass("pass_and_watch", "Pass & watch", 1, 30, 5),
    CbnClass("substandard", "Substandard", 31, 60, 20),
    CbnClass("doubtful", "Doubtful", 61, 90, 50),
    CbnClass("lost", "Lost", 91, None, 100),
)


def pct(numerator: Decimal | int, denominator: Decimal | int) -> Decimal | None:
    """100 x numerator / denominator, half-up to 2 decimals; None when the denominator is 0."""
    if not denominator:
        return None
    return (Decimal(100) * Decimal(numerator) / Decimal(denominator)).quantize(
        CENT, ROUND_HALF_UP)


def money(value: Decimal | int | None) -> Decimal:
    """A money amount with 2 decimals (0.00 for None)."""
    if type(value) is Decimal and value:    # the usual case: a sum from the database
        return value.quantize(CENT, ROUND_HALF_UP)  # (a zero, -0 too, is 0.00 below)
    return Decimal(value or 0).quantize(CENT, ROUND_HALF_UP)


def avg2(value: Decimal | float | None) -> Decimal | None:
    """An average rounded half-up to 2 decimals (None stays None)."""
    return None if value is None else Decimal(value).quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class Bucket:
    cbn: CbnClass
    count: int
    principal_outstanding: Decimal

    @property
    def provision(self) -> Decimal:
        return money(self.principal_outstanding * self.cbn.provision_rate / 100)


@dataclass(frozen=True)
class Cohort:
    cohort: str  # disbursement month, YYYY-MM
    eligible: int
    tagged: int

    @property
    def rate(self) -> Decimal | None:
        return pct(self.tagged, self.eligible)


@dataclass
class Kpis:
    """Every portfolio metric of one scope; filled from the SQL rows by `portfolio.py`."""

    group: str | None = None
    loans_on_books: int = 0
    gross_loan_portfolio: Decimal = ZERO
    par_amounts: dict[int, Decimal] = field(default_factory=dict)
    par_counts: dict[int, int] = field(default_factory=dict)
    loans_in_arrears: int = 0
    overdue_amount: Decimal = ZERO
    early_indicator_count: int = 0
    avg_dpd: Decimal | None = None
    avg_dpd_in_arrears: Decimal | None = None
    buckets: list[Bucket] = field(default_factory=list)
    fimr_eligible: int = 0
    fimr_tagged: int = 0
    cohorts: list[Cohort] = field(default_factory=list)
    disbursed_count: int = 0
    disbursed_amount: Decimal = ZERO
    repaid_in_period: Decimal = ZERO
    due_in_period: Decimal = ZERO
    written_off_count: int = 0
    written_off_principal: Decimal = ZERO
    disbursed_by_period_start: int = 0
    glp_at_period_start: Decimal | None = None
    glp_at_period_end: Decimal | None = None

    def par(self, days: int) -> Decimal | None:
        return pct(self.par_amounts.get(days, ZERO), self.gross_loan_portfolio)

    def par_by_count(self, days: int) -> Decimal | None:
        return pct(self.par_counts.get(days, 0), self.loans_on_books)

    @property
    def arrears_rate(self) -> Decimal | None:
        return pct(self.overdue_amount, self.gross_loan_portfolio)

    @property
    def fimr_rate(self) -> Decimal | None:
        return pct(self.fimr_tagged, self.fimr_eligible)

    @property
    def early_indicator_rate(self) -> Decimal | None:
        return pct(self.early_indicator_count, self.loans_on_books)

    @property
    def collection_rate(self) -> Decimal | None:
        return pct(self.repaid_in_period, self.due_in_period)

    @property
    def provision_required(self) -> Decimal:
        return sum((b.provision for b in self.buckets), ZERO)

    @property
    def average_glp(self) -> Decimal | None:
        """Mean of the GLP at the period start and at its end (None when not worked out)."""
        if self.glp_at_period_start is None or self.glp_at_period_end is None:
            return None
        return money((self.glp_at_period_start + self.glp_at_period_end) / 2)

    @property
    def write_off_ratio(self) -> Decimal | None:
        """Written-off principal / average GLP; 0 without write-offs when the end GLP is > 0
        (the start GLP, costly to compute, is then not needed)."""
        if not self.written_off_principal and self.glp_at_period_end:
            return Decimal("0.00")
        return pct(self.written_off_principal, self.average_glp or 0)

    @property
    def needs_glp_at_start(self) -> bool:
        """Whether the write-off ratio still needs the GLP at the period start."""
        return self.glp_at_period_start is None and (
            bool(self.written_off_principal) or not self.glp_at_period_end)

    def to_dict(self, par_days: list[int]) -> dict[str, Any]:
        """The JSON shape: money as strings with 2 decimals, percentages as numbers."""
        d: dict[str, Any] = {
            "loans_on_books": self.loans_on_books,
            "gross_loan_portfolio": _s(self.gross_loan_portfolio),
        }
        d.update({f"par{x}": _n(self.par(x)) for x in par_days})
        d["par_by_count"] = {f"par{x}": _n(self.par_by_count(x)) for x in par_days}
        d.update({
            "loans_in_arrears": self.loans_in_arrears,
            "overdue_amount": _s(self.overdue_amount),
            "arrears_rate": _n(self.arrears_rate),
            "fimr_eligible": self.fimr_eligible,
            "fimr_tagged": self.fimr_tagged,
            "fimr_rate": _n(self.fimr_rate),
            "fimr_by_cohort": [{"cohort": c.cohort, "eligible": c.eligible, "tagged": c.tagged,
                                "rate": _n(c.rate)} for c in self.cohorts],
            "early_indicator_count": self.early_indicator_count,
            "early_indicator_rate": _n(self.early_indicator_rate),
            "avg_dpd": _n(self.avg_dpd),
            "avg_dpd_in_arrears": _n(self.avg_dpd_in_arrears),
            "buckets": [_bucket_dict(b) for b in self.buckets],
            "provision_required": _s(self.provision_required),
            "disbursed_count": self.disbursed_count,
            "disbursed_amount": _s(self.disbursed_amount),
            "repaid_in_period": _s(self.repaid_in_period),
            "due_in_period": _s(self.due_in_period),
            "collection_rate": _n(self.collection_rate),
            "written_off_count": self.written_off_count,
            "written_off_principal": _s(self.written_off_principal),
            "average_glp": _s(self.average_glp) if self.average_glp is not None else None,
            "write_off_ratio": _n(self.write_off_ratio),
        })
        return d


@dataclass
class PortfolioReport:
    as_of: dt.date
    fields_source: str  # "stored" (loans' columns) or "computed" (compute_loan_fields)
    period_start: dt.date
    period_end: dt.date
    par_days: list[int]
    filters: dict[str, Any]
    total: Kpis
    group_by: str | None = None
    groups: list[Kpis] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """One JSON object: the totals' KPIs, the context, and `groups` with --group-by."""
        d: dict[str, Any] = {
            "as_of": self.as_of.isoformat(),
            "fields_source": self.fields_source,
            "period": {"start": self.period_start.isoformat(),
                       "end": self.period_end.isoformat()},
            "filters": self.filters,
        }
        d.update(self.total.to_dict(self.par_days))
        if self.group_by:
            d["group_by"] = self.group_by
            d["groups"] = [{"group": g.group, **g.to_dict(self.par_days)} for g in self.groups]
        return d


def _bucket_dict(b: Bucket) -> dict[str, Any]:
    return {"class": b.cbn.key, "label": b.cbn.label, "min_dpd": b.cbn.min_dpd,
            "max_dpd": b.cbn.max_dpd, "count": b.count,
            "principal_outstanding": _s(b.principal_outstanding),
            "provision_rate": b.cbn.provision_rate, "provision": _s(b.provision)}


def _s(value: Decimal) -> str:
    return f"{money(value):.2f}"


def _n(value: Decimal | None) -> float | None:
    return None if value is None else float(value)
