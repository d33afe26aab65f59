"""Collections over a period: the amount that fell due against the amount collected, per day,
branch or officer, and in total.

The definition is shared/spec/metrics.md's collection rate, as the portfolio metrics compute
it (metrics/sql/portfolio_collections.sql): due = the installments falling due in the period,
collected = the non-reversed repayments dated in it, over the loans that are not Pending or
Cancelled; collection_rate = 100 x collected / due, half-up to 2 decimals, None when nothing
fell due. The period's totals equal portfolio_metrics' repaid_in_period and due_in_period.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

from sqlalchemy import Connection, text

from astrofinance.errors import ValidationFailed
from astrofinance.kit.sql import load_sql
from astrofinance.metrics.portfolio import (
    FIRST_DAY,
    GROUP_KEYS,
    LAST_DAY,
    PortfolioFilters,
    collection_rows,
)
from astrofinance.metrics.portfolio_result import ZERO, money, pct

_PKG = "astrofinance.metrics"
MAX_DAYS = 366
GROUPS = {"day": "date", "branch": "branch", "officer": "officer_id"}
"""group_by names -> the item's key column (branch and officer: portfolio.GROUP_KEYS)."""


@dataclass
class Collections:
    date_from: dt.date
    date_to: dt.date
    group_by: str
    items: list[dict[str, Any]]
    total: dict[str, Any]

    @property
    def columns(self) -> list[str]:
        """The items' columns (for CSV)."""
        key = GROUPS[self.group_by]
        return [key, *(["officer_name"] if self.group_by == "officer" else []),
                "due", "collected", "collection_rate"]


def collection_period(date_from: dt.date | None, date_to: dt.date | None,
                      today: dt.date) -> tuple[dt.date, dt.date]:
    """The period: default the current month up to today; at most MAX_DAYS days."""
    end = date_to or today
    start = date_from or end.replace(day=1)
    if start > end:
        raise ValidationFailed(f"the period starts ({start}) after it ends ({end})")
    if start < FIRST_DAY or end > LAST_DAY:
        raise ValidationFailed(f"the period must lie within {FIRST_DAY}..{LAST_DAY}")
    if (end - start).days + 1 > MAX_DAYS:
        raise ValidationFailed(f"the period {start}..{end} is longer than {MAX_DAYS} days")
    return start, end


def collections(conn: Connection, filters: PortfolioFilters, *, date_from: dt.date,
                date_to: dt.date, group_by: str = "day") -> Collections:
    """Due and collected per day (every day of the period) or per branch or officer."""
    if group_by not in GROUPS:
        raise ValidationFailed(f"cannot group collections by {group_by!r}: use one of "
                               f"{', '.join(GROUPS)}")
    return collections_by(conn, filters, date_from=date_from, date_to=date_to,
                          groups=(group_by,))[group_by]


_SETS = {"day": 3, "branch": 5, "officer": 6}
"""GROUPING(day, branch, officer) of each grouping's rows (collections_period.sql)."""


def collections_by(conn: Connection, filters: PortfolioFilters, *, date_from: dt.date,
                   date_to: dt.date,
                   groups: tuple[str, ...] = tuple(GROUPS)) -> dict[str, Collections]:
    """Collections per day, per branch and per officer (those of `groups`), from one pass over
    the period."""
    params = filters.sql()[1]

    def group_sql(group: str) -> str:   # a grouping not wanted: one NULL group, skipped below
        return GROUP_KEYS[group] if group in groups else "NULL::text"

    sql = load_sql(_PKG, "collections_period").replace("{rows}", collection_rows(
        filters, group_sql("branch"), group_sql("officer")))
    rows = conn.execute(text(sql), {**params, "date_from": date_from,
                                    "date_to": date_to}).all()
    total = next((_amounts(r.due, r.collected) for r in rows if r.sets == 7),
                 _amounts(ZERO, ZERO))
    by_day = {r.day: (r.due, r.collected) for r in rows if r.sets == _SETS["day"]}
    out = {"day": Collections(date_from, date_to, "day", [
        {"date": d, **_amounts(*by_day.get(d, (ZERO, ZERO)))}
        for d in _days(date_from, date_to)], total)} if "day" in groups else {}
    for group in ("branch", "officer"):
        if group not in groups:
            continue
        key = GROUPS[group]
        items = [{key: getattr(r, f"g_{group}"), **_amounts(r.due, r.collected)}
                 for r in rows if r.sets == _SETS[group]]
        items.sort(key=partial(_by_key, key))
        if group == "officer":
            _add_officer_names(conn, items)
        out[group] = Collections(date_from, date_to, group, items, total)
    return out


def _by_key(key: str, item: dict[str, Any]) -> tuple[bool, str]:
    return item[key] is None, item[key] or ""


def _amounts(due: Decimal, collected: Decimal) -> dict[str, Any]:
    due, collected = money(due), money(collected)
    return {"due": due, "collected": collected, "collection_rate": pct(collected, due)}


def _days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def _add_officer_names(conn: Connection, items: list[dict[str, Any]]) -> None:
    ids = [i["officer_id"] for i in items if i["officer_id"] is not None]
    names: dict[str, str] = dict(conn.execute(text(load_sql(_PKG, "collections_officer_names")),
                              {"ids": ids}).all())
    for i in items:
        i["officer_name"] = names.get(i["officer_id"])
