"""Public holidays: list, add, remove, and seed from the `holidays` package.

Every change to the holidays table fires statement-level triggers (portfolio/sql/
functions_calendar.sql) that rebuild business_calendar and regenerate the generated schedules
whose span contains a changed date. So each change here is ONE statement, never one per row,
and loans' stored computed fields are stale afterwards until `metrics recalculate`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import Connection, text

from astrofinance.errors import NotFound, ValidationFailed
from astrofinance.kit.sql import load_sql

PACKAGE_SOURCE = "holidays-package"
MANUAL_SOURCE = "manual"
FIRST_YEAR, LAST_YEAR = 1990, 2100  # the span of business_calendar
_PKG = "astrofinance.portfolio"
# The package's English labels for estimated dates: "Eid al-Fitr (estimated)",
# "Prophet's Birthday (observed, estimated)".
_ESTIMATED = re.compile(r"\s*\(estimated\)|,\s*estimated(?=\))", re.IGNORECASE)


@dataclass(frozen=True)
class Holiday:
    holiday_date: dt.date
    name: str
    estimated: bool
    source: str
    officer_id: str | None = None


@dataclass(frozen=True)
class SeedResult:
    country: str
    years: list[int]
    inserted: int
    updated: int
    removed: int
    kept_manual: int

    @property
    def changed(self) -> int:
        return self.inserted + self.updated + self.removed


def list_holidays(conn: Connection, *, date_from: dt.date | None = None,
                  date_to: dt.date | None = None) -> list[Holiday]:
    """Holidays between two dates (inclusive; either bound optional), in date order."""
    rows = conn.execute(text(load_sql(_PKG, "holidays_list")),
                        {"date_from": date_from, "date_to": date_to})
    return [Holiday(*r) for r in rows]


def add_holiday(conn: Connection, day: dt.date, name: str) -> bool:
    """Add (or rename) a company-wide manual holiday; True when it is new."""
    name = name.strip()
    if not name:
        raise ValidationFailed("a holiday needs a name")
    _check_year(day.year)
    return bool(conn.execute(text(load_sql(_PKG, "holidays_add")),
                             {"day": day, "name": name}).scalar_one())


def remove_holiday(conn: Connection, day: dt.date) -> Holiday:
    """Remove the company-wide holiday on a date (NotFound when there is none)."""
    row = conn.execute(text(
        "DELETE FROM holidays WHERE holiday_date = :day AND officer_id IS NULL "
        "RETURNING holiday_date, name, estimated, source, officer_id"), {"day": day}).first()
    if row is None:
        raise NotFound(f"no company-wide holiday on {day}")
    return Holiday(*row)


def clean_name(name: str) -> tuple[str, bool]:
    """The package's name without its "estimated" label, and whether the label was there."""
    cleaned = _ESTIMATED.sub("", name)
    return cleaned, cleaned != name


def package_holidays(country: str, years: list[int]) -> dict[dt.date, tuple[str, bool]]:
    """The `holidays` package's holidays: date -> (readable name, estimated)."""
    import holidays as pkg

    try:
        calendar = pkg.country_holidays(country.upper(), years=years)
    except NotImplementedError:
        raise ValidationFailed(f"the holidays package does not know country {country!r}") from None
    return {day: clean_name(name) for day, name in sorted(calendar.items())}


def seed_holidays(conn: Connection, *, country: str, years: list[int]) -> int:
    """Seed company-wide holidays from the package; returns the rows inserted or updated."""
    result = seed_holidays_report(conn, country=country, years=years)
    return result.inserted + result.updated


def seed_holidays_report(conn: Connection, *, country: str, years: list[int]) -> SeedResult:
    """Seed the package's holidays for the years and say what changed.

    Rows are upserted by date; manual (and other non-package) rows are never overwritten. A
    package row in the seeded years whose date the package no longer lists (an estimated
    Islamic holiday whose date was corrected in a newer package) is removed.
    """
    years = sorted(set(years))
    if not years:
        raise ValidationFailed("no years to seed")
    for y in years:
        _check_year(y)
    wanted = package_holidays(country, years)
    existing = _existing_company_rows(conn, years)
    stale = [d for d, src in existing.items() if src == PACKAGE_SOURCE and d not in wanted]
    kept = sum(1 for d in wanted if existing.get(d, PACKAGE_SOURCE) != PACKAGE_SOURCE)
    removed = _delete_company_rows(conn, stale) if stale else 0
    flags = conn.execute(text(load_sql(_PKG, "holidays_seed_upsert")), {
        "dates": list(wanted), "names": [n for n, _ in wanted.values()],
        "estimated": [e for _, e in wanted.values()], "source": PACKAGE_SOURCE,
    }).scalars().all()
    inserted = sum(1 for f in flags if f)
    return SeedResult(country.upper(), years, inserted, len(flags) - inserted, removed, kept)


def default_seed_years(conn: Connection, today: dt.date) -> list[int]:
    """The years the data covers: first disbursement .. max(last due date, today)."""
    first, last = conn.execute(text(load_sql(_PKG, "holidays_data_years"))).one()
    if first is None:
        return [today.year, today.year + 1]
    last = max(last or first, today.year)
    return list(range(max(first, FIRST_YEAR), min(last, LAST_YEAR) + 1))


def parse_years(spec: str) -> list[int]:
    """Years from "2024-2027", "2024,2026" or "2025"."""
    years: set[int] = set()
    for part in (p.strip() for p in spec.split(",")):
        m = re.fullmatch(r"(\d{4})(?:\s*-\s*(\d{4}))?", part)
        if not m:
            raise ValidationFailed(f"{spec!r} is not a year list like 2024-2027 or 2024,2025")
        lo, hi = int(m[1]), int(m[2] or m[1])
        if hi < lo:
            raise ValidationFailed(f"{part!r}: the range ends before it starts")
        years.update(range(lo, hi + 1))
    return sorted(years)


def _existing_company_rows(conn: Connection, years: list[int]) -> dict[dt.date, str]:
    rows = conn.execute(text(
        "SELECT holiday_date, source FROM holidays WHERE officer_id IS NULL "
        "AND extract(year FROM holiday_date)::integer = ANY(:years)"), {"years": years})
    return {d: s for d, s in rows}


def _delete_company_rows(conn: Connection, days: list[dt.date]) -> int:
    res = conn.execute(text("DELETE FROM holidays WHERE officer_id IS NULL "
                            "AND holiday_date = ANY(:days)"), {"days": days})
    return res.rowcount


def _check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationFailed(
            f"year {year} is outside the business calendar ({FIRST_YEAR}-{LAST_YEAR})")
