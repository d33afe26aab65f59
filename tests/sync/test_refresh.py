"""`astrofinance refresh`: the seed's whole sequence in one command, and a stop at a failed
step that leaves the earlier steps committed."""

from __future__ import annotations

from decimal import Decimal

from typer.testing import CliRunner

from astrofinance.cli.main import app
from tests.sync.test_sync_sql import rows, src, worked_example  # noqa: F401 (src: a fixture)

runner = CliRunner()
VERTICALS = ("email\tvertical_lead_email\tvertical_lead_name\tregion\n"
             "ada.obi@example.com\tlead@example.com\tLead One\tSouth West\n"
             "bola@example.com\tlead@example.com\tLead One\tSouth West\n")


def test_refresh_runs_every_step_and_verifies(db, src, tmp_path):  # noqa: F811
    worked_example(src)
    verticals = tmp_path / "verticals.tsv"
    verticals.write_text(VERTICALS)
    result = runner.invoke(app, ["refresh", "--source-url", src, "--verticals", str(verticals),
                                 "--as-of", "2025-03-12"])
    assert result.exit_code == 0, result.output
    for step in ("full sync", "holidays", "first payment due dates", "waves", "hierarchy load",
                 "hierarchy to loans", "recalculate", "verify"):
        assert step in result.output
    assert "all 8 checks passed" in result.output
    assert rows(db, "SELECT loan_id, vertical_lead_email, region, current_dpd, "
                    "total_repayments FROM loans ORDER BY 1") == [
        ("10", "lead@example.com", "South West", 5, Decimal("4800.00")),
        ("11", "lead@example.com", "South West", 9, Decimal("0.00"))]   # nothing paid


def test_refresh_stops_at_a_failed_step_and_keeps_what_is_done(db, src, tmp_path):  # noqa: F811
    worked_example(src)
    bad = tmp_path / "verticals.tsv"
    bad.write_text("name\tregion\nAda\tSouth West\n")          # no email column
    result = runner.invoke(app, ["refresh", "--source-url", src, "--verticals", str(bad),
                                 "--as-of", "2025-03-12"])
    assert result.exit_code == 1
    assert "stopped at 'hierarchy load'" in result.output
    assert rows(db, "SELECT count(*), count(fields_as_of) FROM loans") == [(2, 0)]  # synced,
    assert "not run" in result.output                                              # not recalc
    assert rows(db, "SELECT status FROM sync_runs ORDER BY id") == [("succeeded",),
                                                                   ("succeeded",),
                                                                   ("succeeded",)]


def test_demo_takes_its_first_book_from_the_source(db, src):  # noqa: F811
    worked_example(src)
    result = runner.invoke(app, ["demo", "--source-url", src, "--no-serve"])
    assert result.exit_code == 0, result.output
    assert rows(db, "SELECT command, status FROM sync_runs") == [("full", "succeeded")]
    # the 2 synced loans, and a demo loan book: one loan per customer, through the ledger
    assert rows(db, "SELECT count(*), count(fields_as_of), count(la.loan_id) "
                    "FROM loans LEFT JOIN loan_accounts la USING (loan_id)") == [(4, 4, 2)]
    assert "loan book: 2 loans originated" in result.output
    assert "astrofinance loans schedule 10" in result.output
