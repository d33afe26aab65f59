"""Inputs shared by the routes: the loans filters, sorting, CSV or JSON, dates, and the base of
request bodies."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated, Literal

from fastapi import Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from astrofinance.auth.tokens import Principal
from astrofinance.metrics.portfolio import FIRST_DAY, GROUP_KEYS, LAST_DAY
from astrofinance.portfolio.loan_list import SORTS, LoanFilters


class Strict(BaseModel):
    """A request body: a field it does not know is a 422 (a misspelt `asof` is never quietly
    ignored)."""

    model_config = ConfigDict(extra="forbid")


Date = Annotated[dt.date, Field(ge=FIRST_DAY, le=LAST_DAY)]
"""Every date a route takes: YYYY-MM-DD within the business calendar (1990-01-01..2100-12-31);
any other is a 422, never a database error."""
LoanSort = enum.StrEnum("LoanSort", {k: k for k in SORTS})  # type: ignore[misc]
GroupBy = enum.StrEnum("GroupBy", {k: k for k in GROUP_KEYS})  # type: ignore[misc]
Format = Annotated[Literal["json", "csv"],
                   Query(alias="format", description="json (default) or csv: the whole "
                                                     "filtered set, streamed")]
Order = Annotated[Literal["asc", "desc"], Query(description="sort direction")]
Many = Annotated[list[str] | None, Query(max_length=200)]


def loan_filters(
    wave: Annotated[list[str] | None, Query(description="e.g. 'Wave 2' (repeatable)")] = None,
    status: Annotated[list[str] | None, Query(description="Active, Closed, written_off, … "
                                              "(repeatable)")] = None,
    officer_id: Many = None, branch: Many = None, region: Many = None,
    product: Many = None, channel: Many = None,
    vertical_lead: Annotated[list[str] | None, Query(description="email or name")] = None,
    supervisor: Annotated[list[str] | None, Query(description="email or name")] = None,
    dpd_min: Annotated[int | None, Query(ge=0, le=100_000)] = None,
    dpd_max: Annotated[int | None, Query(ge=0, le=100_000)] = None,
    fimr_tagged: bool | None = None,
    early_indicator_tagged: bool | None = None,
    disbursed_from: Date | None = None,
    disbursed_to: Date | None = None,
    q: Annotated[str | None, Query(min_length=1, max_length=100,
                                   description="loan id, customer id, name or phone")] = None,
) -> LoanFilters:
    return LoanFilters(
        wave=tuple(wave or ()), status=tuple(status or ()), officer_id=tuple(officer_id or ()),
        branch=tuple(branch or ()), region=tuple(region or ()), product=tuple(product or ()),
        channel=tuple(channel or ()), vertical_lead=tuple(vertical_lead or ()),
        supervisor=tuple(supervisor or ()), dpd_min=dpd_min, dpd_max=dpd_max,
        fimr_tagged=fimr_tagged, early_indicator_tagged=early_indicator_tagged,
        disbursed_from=disbursed_from, disbursed_to=disbursed_to, q=q)


LoanFiltersQ = Annotated[LoanFilters, Depends(loan_filters)]


def scoped(filters: LoanFilters, principal: Principal, **fixed: object) -> LoanFilters:
    """The filters limited to the caller's scope (and any fixed filters of the route)."""
    from dataclasses import replace

    return replace(filters, scope=principal.scope.officer_ids, **fixed)  # type: ignore[arg-type]
