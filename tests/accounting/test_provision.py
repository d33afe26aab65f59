"""Provisioning: `provision_report(as_of)` by the metrics' CBN classes over the ledger loans on
the books, `book_loan_loss_provision` posting only the change, and the CLI."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from astrofinance.accounting.risk import provision_report
from astrofinance.cli.main import app
from astrofinance.errors import Conflict, ValidationFailed
from astrofinance.metrics.portfolio import portfolio_metrics
from astrofinance.metrics.portfolio_result import CBN_CLASSES
from tests.accounting.ledger import D, book_in_ledger, rows
from tests.metrics.book import add_loan, pay

runner = CliRunner()
day = dt.date.fromisoformat
T = day("2025-03-12")


def _book(db) -> None:
    """As of 2025-03-12: A 5 days past due (6,000 principal left: metrics.md's worked example),
    B due today (performing, 5,000), C 131 days past due (lost, 2,000); D late but not booked
    here; E pending; F closed before T."""
    with db.begin() as c:
        add_loan(c, "A", principal="10000.00", interest="2000.00", n=10,
                 disbursed="2025-02-28", first_due="2025-03-03")
        for on, amount in (("2025-03-03", "1200.00"), ("2025-03-05", "600.00"),
                           ("2025-03-11", "3000.00")):
            pay(c, "A", on, amount)
        add_loan(c, "B", principal="5000.00", n=5, disbursed="2025-03-07", first_due="2025-03-12")
        add_loan(c, "C", principal="2000.00", n=2, frequency="monthly", disbursed="2024-10-01",
                 first_due="2024-11-01")
        add_loan(c, "D", principal="7000.00", n=2, frequency="monthly", disbursed="2024-10-01",
                 first_due="2024-11-01")
        add_loan(c, "E", principal="3000.00", n=3, disbursed="2025-03-10", first_due="2025-03-11",
                 status="Pending")
        add_loan(c, "F", principal="4000.00", n=2, frequency="monthly", disbursed="2024-10-01",
                 first_due="2024-11-01", status="Closed")
        c.execute(text("UPDATE loans SET closed_on = '2025-03-01' WHERE loan_id = 'F'"))
        book_in_ledger(c, "A", "B", "C", "E", "F")


def _classes(db, as_of: dt.date) -> dict[str, tuple]:
    with db.begin() as c:
        return {r.class_key: (r.loans, r.principal_outstanding, r.required_provision)
                for r in rows(c, "SELECT * FROM provision_report(:t)", t=as_of)}


def _post(db, as_of: dt.date) -> int | None:
    with db.begin() as c:
        return provision_report(c, as_of, post=True, user="risk-manager").posted_entry_id


def _lines(db, entry_id: int) -> list[tuple]:
    with db.begin() as c:
        return rows(c, "SELECT e.entry_type, e.entry_date, e.transaction_id, e.created_by, "
                       "d.account_code, d.debit, d.credit FROM journal_entries e "
                       "JOIN journal_entry_details d ON d.entry_id = e.id WHERE e.id = :e "
                       "ORDER BY d.account_code", e=entry_id)


def test_cbn_classes_in_sql_are_the_metrics_classes(db):
    with db.begin() as c:
        got = rows(c, "SELECT class_key, label, min_dpd, max_dpd, provision_rate "
                      "FROM cbn_classes() ORDER BY class_order")
    assert got == [(k.key, k.label, k.min_dpd, k.max_dpd, k.provision_rate)
                   for k in CBN_CLASSES]


def test_report_per_class_over_the_ledger_loans_on_the_books(db):
    _book(db)
    assert _classes(db, T) == {
        "performing": (1, D("5000.00"), D("50.00")),        # B
        "pass_and_watch": (1, D("6000.00"), D("300.00")),   # A
        "substandard": (0, D("0.00"), D("0.00")),
        "doubtful": (0, D("0.00"), D("0.00")),
        "lost": (1, D("2000.00"), D("2000.00")),            # C (not D, E or F)
    }


def test_same_classes_as_the_portfolio_metrics(db):
    _book(db)
    with db.begin() as c:
        book_in_ledger(c, "D")                 # now every loan on the books is a ledger loan
        buckets = portfolio_metrics(c, as_of=T).total.buckets
    got = _classes(db, T)
    assert [got[b.cbn.key] for b in buckets] == [
        (b.count, b.principal_outstanding, b.provision) for b in buckets]
    assert got["lost"] == (2, D("9000.00"), D("9000.00"))


def test_booking_posts_the_change_only(db):
    _book(db)
    first = _post(db, T)
    assert first is not None
    assert _lines(db, first) == [
        ("provision", T, None, "risk-manager", "1190", D("0.00"), D("2350.00")),
        ("provision", T, None, "risk-manager", "5100", D("2350.00"), D("0.00"))]
    assert _post(db, T) is None                          # unchanged: nothing posted
    with db.begin() as c:                                # A repays in full: -300 required
        pay(c, "A", "2025-03-12", "7200.00")
    lower = _post(db, T)
    assert lower is not None
    assert [(x[4], x[5], x[6]) for x in _lines(db, lower)] == [
        ("1190", D("300.00"), D("0.00")), ("5100", D("0.00"), D("300.00"))]
    # a week later B is 8 days past due (pass & watch: 250 instead of 50): +200
    later = _post(db, day("2025-03-20"))
    assert later is not None
    assert [(x[4], x[5], x[6]) for x in _lines(db, later)] == [
        ("1190", D("0.00"), D("200.00")), ("5100", D("200.00"), D("0.00"))]
    with db.begin() as c:
        allowance = rows(c, "SELECT loan_loss_allowance('2025-03-20')")[0][0]
        total = rows(c, "SELECT sum(required_provision) FROM provision_report('2025-03-20')")
    assert allowance == total[0][0] == D("2250.00")


def test_booking_refuses_a_future_date_and_an_earlier_date_than_the_last(db):
    _book(db)
    assert _post(db, day("2025-03-20")) is not None
    with db.begin() as c, pytest.raises(Conflict, match="already booked as of 2025-03-20"):
        provision_report(c, day("2025-03-15"), post=True, user="risk-manager")
    with db.begin() as c, pytest.raises(ValidationFailed, match="today or an earlier date"):
        provision_report(c, dt.date.today() + dt.timedelta(days=3), post=True, user="x")
    with db.begin() as c, pytest.raises(ValidationFailed, match="who is acting"):
        provision_report(c, day("2025-03-20"), post=True, user="")


def test_provision_cli(db):
    _book(db)
    r = runner.invoke(app, ["accounting", "provision", "--as-of", "2025-03-12", "--format",
                            "json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert (d["as_of"], d["loans"], d["principal_outstanding"], d["required_provision"],
            d["allowance_before"], d["adjustment"], d["posted_entry_id"]) == (
        "2025-03-12", 3, "13000.00", "2350.00", "0.00", "2350.00", None)
    assert d["classes"][1] == {"class": "pass_and_watch", "label": "Pass & watch",
                               "min_dpd": 1, "max_dpd": 30, "count": 1,
                               "principal_outstanding": "6000.00", "provision_rate": 5,
                               "required_provision": "300.00"}
    r = runner.invoke(app, ["accounting", "provision", "--as-of", "2025-03-12", "--post"])
    assert r.exit_code == 0, r.output
    assert "Posted journal entry #" in r.output
    r = runner.invoke(app, ["accounting", "provision", "--as-of", "2025-03-12", "--post"])
    assert "Nothing posted" in r.output and "adjustment needed: 0.00" in r.output
    with db.begin() as c:
        assert rows(c, "SELECT count(*) FROM journal_entries")[0][0] == 1
