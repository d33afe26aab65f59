"""`astrofinance holidays ...`: the public holidays behind the business-day calendar."""

from __future__ import annotations

import csv
import datetime as dt
import sys
from enum import StrEnum

import typer
from rich.table import Table

from astrofinance.cli.common import console, database, handle_errors, parse_date, today

app = typer.Typer(
    help="Public holidays (non-business days): list, add, remove, seed from the holidays package.",
    no_args_is_help=True)

STALE_NOTE = ("Schedules spanning the changed dates were regenerated; loans' computed fields "
              "are stale until you run `astrofinance metrics recalculate`.")


class ListFormat(StrEnum):
    table = "table"
    csv = "csv"


@app.command("list")
@handle_errors
def list_(
    year: int = typer.Option(None, "--year", help="Only this calendar year."),
    date_from: str = typer.Option(None, "--from", help="First date to show (YYYY-MM-DD)."),
    date_to: str = typer.Option(None, "--to", help="Last date to show (YYYY-MM-DD)."),
    fmt: ListFormat = typer.Option(ListFormat.table, "--format", help="table or csv."),
) -> None:
    """List the holidays (company-wide and officer-specific), in date order."""
    from astrofinance.db import session_scope
    from astrofinance.portfolio.holidays import list_holidays

    lo, hi = _date_range(year, date_from, date_to)
    with session_scope(database()) as conn:
        rows = list_holidays(conn, date_from=lo, date_to=hi)
    if fmt is ListFormat.csv:
        out = csv.writer(sys.stdout, lineterminator="\n")
        out.writerow(["date", "name", "estimated", "source", "officer_id"])
        for h in rows:
            out.writerow([h.holiday_date.isoformat(), h.name, str(h.estimated).lower(),
                          h.source, h.officer_id or ""])
        return
    table = Table(title=f"Holidays ({len(rows)})")
    for col in ("date", "day", "name", "estimated", "source", "officer"):
        table.add_column(col)
    for h in rows:
        table.add_row(h.holiday_date.isoformat(), h.holiday_date.strftime("%a"), h.name,
                      "yes" if h.estimated else "", h.source, h.officer_id or "")
    console.print(table)


@app.command()
@handle_errors
def add(
    date: str = typer.Argument(..., help="The holiday's date (YYYY-MM-DD)."),
    name: str = typer.Argument(..., help="Its name, e.g. 'Company retreat'."),
) -> None:
    """Add a company-wide holiday (or rename the one on that date); seeding never overwrites it."""
    from astrofinance.db import session_scope
    from astrofinance.portfolio.holidays import add_holiday

    day = parse_date(date, "DATE")
    assert day is not None
    with session_scope(database()) as conn:
        created = add_holiday(conn, day, name)
    console.print(f"{'Added' if created else 'Updated'} holiday {day} ({name.strip()}).")
    console.print(STALE_NOTE)


@app.command()
@handle_errors
def remove(date: str = typer.Argument(..., help="The holiday's date (YYYY-MM-DD).")) -> None:
    """Remove the company-wide holiday on a date (an error when there is none)."""
    from astrofinance.db import session_scope
    from astrofinance.portfolio.holidays import remove_holiday

    day = parse_date(date, "DATE")
    assert day is not None
    with session_scope(database()) as conn:
        gone = remove_holiday(conn, day)
    console.print(f"Removed holiday {gone.holiday_date} ({gone.name}).")
    console.print(STALE_NOTE)


@app.command()
@handle_errors
def seed(
    country: str = typer.Option(None, "--country",
                                help="ISO country code; default: the configured country "
                                     "(ASTROFINANCE_COUNTRY, default NG)."),
    years: str = typer.Option(None, "--years", help="Years to seed, e.g. 2024-2027 or 2024,2026."),
    year: list[int] = typer.Option(None, "--year", help="A year to seed (repeat for more)."),
) -> None:
    """Seed company-wide holidays from the holidays package (default: the years the loans cover).

    Upserts by date; manual holidays are kept; estimated dates are flagged.
    """
    from astrofinance.config import get_settings
    from astrofinance.db import session_scope
    from astrofinance.portfolio.holidays import (
        default_seed_years,
        parse_years,
        seed_holidays_report,
    )

    country = country or get_settings().country
    wanted = sorted(set(parse_years(years) if years else []) | set(year or []))
    with session_scope(database()) as conn:
        wanted = wanted or default_seed_years(conn, today())
        r = seed_holidays_report(conn, country=country, years=wanted)
    span = f"{r.years[0]}" if len(r.years) == 1 else f"{r.years[0]}-{r.years[-1]}"
    console.print(f"Seeded {r.country} holidays for {span}: {r.inserted} inserted, "
                  f"{r.updated} updated, {r.removed} removed, "
                  f"{r.kept_manual} manual kept.")
    if r.changed:
        console.print(STALE_NOTE)


def _date_range(year: int | None, date_from: str | None,
                date_to: str | None) -> tuple[dt.date | None, dt.date | None]:
    lo, hi = parse_date(date_from, "--from"), parse_date(date_to, "--to")
    if year is not None:
        if lo or hi:
            raise typer.BadParameter("use --year or --from/--to, not both", param_hint="--year")
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    return lo, hi
