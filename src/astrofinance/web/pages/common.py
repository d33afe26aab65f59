"""What the pages share: the optional user of an error page, the filter menus' choices, the
portfolio filters of a page's query string, and the period of a page."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import Connection, text

from astrofinance.api.cache import data_version
from astrofinance.api.deps import SESSION_COOKIE
from astrofinance.api.query import Date
from astrofinance.api.routers.metrics import portfolio_filters
from astrofinance.auth.tokens import Principal, resolve
from astrofinance.db import session_scope
from astrofinance.errors import ValidationFailed
from astrofinance.kit.sql import load_sql
from astrofinance.metrics.portfolio import PortfolioFilters

_PKG = "astrofinance.web"


def optional_user(request: Request) -> Principal | None:
    """The signed-in user of a request, if any (an error page shows the menu then); never
    raises: an error page must render even when the database is the problem."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        with session_scope(request.app.state.db) as conn:
            return resolve(conn, token)
    except Exception:   # the error page is already the answer to a failure
        return None


def filter_options(request: Request, conn: Connection, user: Principal) -> dict[str, Any]:
    """The choices of the filter menus the user may see (cached while the data is unchanged)."""
    scope = user.scope.officer_ids
    cache = request.app.state.cache
    version = data_version(conn) if cache.seconds > 0 else None

    def compute(c: Connection) -> dict[str, Any]:
        row = c.execute(text(load_sql(_PKG, "filter_options")),
                        {"scope": list(scope) if scope is not None else None}).mappings().one()
        return {k: sorted(v) if k in ("branches", "regions", "waves", "products", "channels",
                                      "statuses") else v for k, v in row.items()}

    return cache.get(conn, ("web.options", scope), compute, version)


def scoped_portfolio(filters: PortfolioFilters, user: Principal) -> PortfolioFilters:
    from dataclasses import replace

    return replace(filters, scope=user.scope.officer_ids)


PortfolioQ = Annotated[PortfolioFilters, Depends(portfolio_filters)]


class Period:
    """A page's period (from, to): default the month to date of the business day."""

    def __init__(self, request: Request, period_from: Date | None = None,
                 period_to: Date | None = None) -> None:
        today = request.app.state.settings.today()
        self.end = period_to or today
        self.start = period_from or self.end.replace(day=1)
        if self.start > self.end:
            raise ValidationFailed(f"the period starts ({self.start:%d %b %Y}) after it ends "
                                   f"({self.end:%d %b %Y})")
        self.today = today
        self.explicit = period_from is not None or period_to is not None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


PeriodQ = Annotated[Period, Depends(Period)]


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())
