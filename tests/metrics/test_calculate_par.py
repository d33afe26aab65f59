"""`calculate_par(days_threshold, as_of)` reports the PAR of `astrofinance metrics portfolio`
(same loans on the books, same fields, same rounding) on a seeded book, for several thresholds
and dates, from computed fields and from stored ones."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from astrofinance.cli.main import app
from astrofinance.metrics.portfolio import portfolio_metrics

runner = CliRunner()
SEEDED_AS_OF = "2025-06-30"
DATES = ["2025-06-30", "2025-04-15", "2024-12-31"]


@pytest.fixture
def seeded(db):
    r = runner.invoke(app, ["db", "seed", "--loans", "300", "--seed", "7",
                            "--as-of", SEEDED_AS_OF])
    assert r.exit_code == 0, r.output
    return db


def _par(db, days: int, as_of: str | None) -> dict:
    with db.begin() as c:
        sql = ("SELECT * FROM calculate_par(:d, :t)" if as_of
               else "SELECT * FROM calculate_par(:d)")
        return dict(c.execute(text(sql), {"d": days, "t": as_of}).mappings().one())


def _portfolio(*args: str) -> dict:
    r = runner.invoke(app, ["metrics", "portfolio", "--format", "json", *args])
    assert r.exit_code == 0, r.output
    return json.loads(r.output)


def _num(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def _assert_same(par: dict, metrics: dict, days: int) -> None:
    assert par["loans_on_books"] == metrics["loans_on_books"]
    assert f"{par['gross_loan_portfolio']:.2f}" == metrics["gross_loan_portfolio"]
    assert par["par_percent"] == _num(metrics[f"par{days}"])
    assert par["par_count_percent"] == _num(metrics["par_by_count"][f"par{days}"])


@pytest.mark.parametrize("as_of", DATES)
def test_par_equals_metrics_portfolio_computed_on_the_fly(seeded, as_of):
    metrics = _portfolio("--as-of", as_of)
    assert metrics["fields_source"] == "computed"
    assert metrics["loans_on_books"] > 50
    risky = 0
    for days in (1, 7, 30, 90):
        par = _par(seeded, days, as_of)
        assert (par["as_of"].isoformat(), par["days_threshold"]) == (as_of, days)
        _assert_same(par, metrics, days)
        risky += par["loans_at_risk"]
    assert risky > 0        # the seeded book has arrears: the comparison is not 0 = 0


def test_other_thresholds_equal_the_engines_par_days(seeded):
    with seeded.begin() as c:
        k = portfolio_metrics(c, as_of=dt.date(2025, 5, 20), par_days=[0, 3, 14, 60, 180]).total
    for days in (0, 3, 14, 60, 180):
        par = _par(seeded, days, "2025-05-20")
        assert par["par_percent"] == k.par(days)
        assert par["par_count_percent"] == k.par_by_count(days)
        assert par["principal_at_risk"] == k.par_amounts[days]
        assert par["loans_at_risk"] == k.par_counts[days]
        assert par["gross_loan_portfolio"] == k.gross_loan_portfolio


def test_par_reads_the_stored_fields_as_the_engine_does(seeded):
    r = runner.invoke(app, ["metrics", "recalculate", "--as-of", "2025-04-15"])
    assert r.exit_code == 0, r.output
    with seeded.begin() as c:     # a stored field only the stored path can see
        c.execute(text("UPDATE loans SET current_dpd = 95, max_dpd_ever = 95 WHERE loan_id = "
                       "(SELECT min(loan_id) FROM loans WHERE status = 'Active' "
                       "AND disbursement_date <= '2025-04-15' AND current_dpd = 0 "
                       "AND principal_outstanding > 0)"))
    metrics = _portfolio()
    assert (metrics["as_of"], metrics["fields_source"]) == ("2025-04-15", "stored")
    computed = _portfolio("--as-of", "2025-04-14")
    assert computed["fields_source"] == "computed"
    par90 = _par(seeded, 90, "2025-04-15")
    _assert_same(par90, metrics, 90)
    _assert_same(_par(seeded, 90, "2025-04-14"), computed, 90)
    # the doctored loan counts at 90 days: one more loan at risk than on the fly
    assert par90["loans_at_risk"] == _par_count(seeded, "2025-04-15") + 1


def _par_count(db, as_of: str) -> int:
    with db.begin() as c:
        return c.execute(text(
            "SELECT count(*) FROM compute_loan_fields(:t) f JOIN loans l USING (loan_id) "
            "WHERE loan_on_books(l.status, l.disbursement_date, l.closed_on, l.written_off_on, "
            ":t) AND f.current_dpd > 90"), {"t": as_of}).scalar_one()


def test_default_date_is_business_today(seeded):
    with seeded.begin() as c:
        today = c.execute(text("SELECT business_today()")).scalar_one()
    par = _par(seeded, 30, None)
    assert par["as_of"] == today
    _assert_same(par, _portfolio("--as-of", today.isoformat()), 30)
