"""`astrofinance holidays list|add|remove|seed` on a real database."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text
from typer.testing import CliRunner

from astrofinance.cli.main import app
from astrofinance.config import get_settings
from astrofinance.portfolio.holidays import seed_holidays
from tests.metrics.book import add_loan, due_dates

runner = CliRunner()


def _run(*args: str):
    return runner.invoke(app, list(args))


def _rows(db, sql: str, **params):
    with db.begin() as c:
        return c.execute(text(sql), params).all()


def test_add_list_remove(db):
    r = _run("holidays", "add", "2025-03-05", "Company retreat")
    assert r.exit_code == 0, r.output
    assert "Added holiday 2025-03-05" in r.output
    assert "metrics recalculate" in r.output
    assert _rows(db, "SELECT holiday_date, name, estimated, source, officer_id FROM holidays") == [
        (dt.date(2025, 3, 5), "Company retreat", False, "manual", None)]
    # adding again on the same date renames it (an upsert), still one row
    r = _run("holidays", "add", "2025-03-05", "Retreat")
    assert r.exit_code == 0 and "Updated holiday" in r.output
    assert _rows(db, "SELECT name FROM holidays") == [("Retreat",)]

    r = _run("holidays", "list", "--format", "csv")
    assert r.exit_code == 0
    assert r.output.splitlines() == ["date,name,estimated,source,officer_id",
                                     "2025-03-05,Retreat,false,manual,"]
    r = _run("holidays", "list", "--year", "2024", "--format", "csv")
    assert r.output.splitlines() == ["date,name,estimated,source,officer_id"]
    r = _run("holidays", "list", "--from", "2025-03-01", "--to", "2025-03-31")
    assert r.exit_code == 0 and "Retreat" in r.output and "Wed" in r.output

    r = _run("holidays", "remove", "2025-03-05")
    assert r.exit_code == 0 and "Removed holiday 2025-03-05 (Retreat)" in r.output
    assert _rows(db, "SELECT count(*) FROM holidays") == [(0,)]


def test_remove_missing_is_not_found(db):
    r = _run("holidays", "remove", "2025-03-05")
    assert r.exit_code == 1
    assert "no company-wide holiday on 2025-03-05" in r.output


def test_bad_date_and_conflicting_options_are_usage_errors(db):
    assert _run("holidays", "add", "2025-13-01", "X").exit_code == 2
    assert _run("holidays", "list", "--year", "2025", "--from", "2025-01-01").exit_code == 2


def test_seed_ng_2025(db):
    r = _run("holidays", "seed", "--country", "NG", "--year", "2025")
    assert r.exit_code == 0, r.output
    assert "Seeded NG holidays for 2025" in r.output
    got = dict(_rows(db, "SELECT holiday_date, name FROM holidays WHERE officer_id IS NULL"))
    assert got[dt.date(2025, 10, 1)] == "National Day"  # Independence Day
    assert got[dt.date(2025, 12, 25)] == "Christmas Day"
    assert got[dt.date(2025, 1, 1)] == "New Year's Day"
    sources = _rows(db, "SELECT DISTINCT source, estimated FROM holidays")
    assert sources == [("holidays-package", False)]  # 2025's Islamic dates are confirmed


def test_estimated_islamic_holidays_are_flagged_with_readable_names(db):
    with db.begin() as c:
        n = seed_holidays(c, country="NG", years=[2027])
    rows = dict((d, (name, est)) for d, name, est in _rows(
        db, "SELECT holiday_date, name, estimated FROM holidays"))
    assert n == len(rows) > 10
    assert rows[dt.date(2027, 3, 10)] == ("Eid al-Fitr", True)
    # "(observed, estimated)" keeps the readable "(observed)"
    assert rows[dt.date(2027, 8, 16)] == ("Prophet's Birthday (observed)", True)
    assert rows[dt.date(2027, 12, 25)] == ("Christmas Day", False)


def test_reseed_is_idempotent_and_keeps_manual_rows(db):
    _run("holidays", "add", "2025-12-25", "Xmas (company)")
    with db.begin() as c:
        first = seed_holidays(c, country="NG", years=[2025])
    before = _rows(db, "SELECT holiday_date, name, source, updated_at FROM holidays ORDER BY 1")
    with db.begin() as c:
        again = seed_holidays(c, country="NG", years=[2025])
    after = _rows(db, "SELECT holiday_date, name, source, updated_at FROM holidays ORDER BY 1")
    assert first == len(before) - 1 and again == 0
    assert before == after
    assert (dt.date(2025, 12, 25), "Xmas (company)", "manual") in [r[:3] for r in after]
    r = _run("holidays", "seed", "--years", "2025")
    assert "0 inserted, 0 updated, 0 removed, 1 manual kept" in r.output


def test_seed_removes_a_package_row_the_package_no_longer_lists(db):
    with db.begin() as c:
        c.execute(text("INSERT INTO holidays (holiday_date, name, estimated, source) "
                       "VALUES ('2025-03-28', 'Eid (old estimate)', true, 'holidays-package')"))
    r = _run("holidays", "seed", "--year", "2025")
    assert "1 removed" in r.output
    assert _rows(db, "SELECT count(*) FROM holidays WHERE holiday_date = '2025-03-28'") == [(0,)]


def test_seed_default_years_follow_the_loans(db):
    with db.begin() as c:
        add_loan(c, "Y1", principal="1000.00", n=3, frequency="monthly",
                 disbursed="2023-11-20", first_due="2023-12-20")
    r = _run("holidays", "seed")
    assert r.exit_code == 0, r.output
    this_year = get_settings().today().year
    assert f"Seeded NG holidays for 2023-{this_year}" in r.output
    years = {y for (y,) in _rows(
        db, "SELECT DISTINCT extract(year FROM holiday_date)::int FROM holidays")}
    assert years == set(range(2023, this_year + 1))


def test_unknown_country_is_a_handled_error(db):
    r = _run("holidays", "seed", "--country", "XX", "--year", "2025")
    assert r.exit_code == 1 and "does not know country 'XX'" in r.output


def test_a_new_holiday_shifts_a_daily_loans_later_due_dates(db):
    with db.begin() as c:
        loan = add_loan(c, "D1", principal="500.00", n=5,
                        disbursed="2025-02-28", first_due="2025-03-03")
        assert due_dates(c, loan) == ["2025-03-03", "2025-03-04", "2025-03-05",
                                      "2025-03-06", "2025-03-07"]
    assert _run("holidays", "add", "2025-03-05", "Retreat").exit_code == 0
    with db.begin() as c:
        # Mar 5 is no longer a business day: installments 3-5 move one business day on
        assert due_dates(c, loan) == ["2025-03-03", "2025-03-04", "2025-03-06",
                                      "2025-03-07", "2025-03-10"]
    assert _run("holidays", "remove", "2025-03-05").exit_code == 0
    with db.begin() as c:
        assert due_dates(c, loan)[2:] == ["2025-03-05", "2025-03-06", "2025-03-07"]
