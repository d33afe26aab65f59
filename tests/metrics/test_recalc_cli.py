"""`astrofinance metrics recalculate` end to end through the CLI."""

from sqlalchemy import text
from typer.testing import CliRunner

from astrofinance.cli.main import app
from tests.metrics.book import add_loan, pay

runner = CliRunner()


def test_recalculate_stores_fields_and_prints_the_counts(db):
    with db.begin() as c:
        loan = add_loan(c, principal="1000.00", n=5, disbursed="2025-02-28",
                        first_due="2025-03-03")
        pay(c, loan, "2025-03-03", "200.00")
    res = runner.invoke(app, ["metrics", "recalculate", "--as-of", "2025-03-07"])
    assert res.exit_code == 0, res.output
    assert "total_loans_processed" in res.output
    with db.begin() as c:
        row = c.execute(text("SELECT fields_as_of::text, current_dpd, installments_in_arrears "
                             "FROM loans WHERE loan_id = :l"), {"l": loan}).one()
    # installments 2-4 (Mar 4, 5, 6) unpaid on Mar 7: DPD 3
    assert tuple(row) == ("2025-03-07", 3, 3)


def test_a_bad_date_is_bad_usage(db):
    res = runner.invoke(app, ["metrics", "recalculate", "--as-of", "2025-13-01"])
    assert res.exit_code == 2
    assert "YYYY-MM-DD" in res.output


def test_an_unknown_loan_is_a_handled_error(db):
    res = runner.invoke(app, ["metrics", "recalculate", "--loan-id", "NOPE"])
    assert res.exit_code == 1
    assert "no such loan: NOPE" in res.output
    assert "Traceback" not in res.output
