"""A sync's batches are logged as BULK rows (one per table and statement), not row by row."""

from __future__ import annotations

from sqlalchemy import text
from typer.testing import CliRunner

from astrofinance.cli.main import app
from tests.sync import source_book as sb

runner = CliRunner()


def test_sync_full_writes_bulk_audit_rows_only(db, empty_source_url, monkeypatch):
    monkeypatch.setenv("ASTROFINANCE_USER", "nightly-sync")
    from astrofinance.config import reset_settings

    reset_settings()
    sb.fill(empty_source_url, [sb.loan(10), sb.loan(11, borrower=2, agent=2)],
            [sb.repayment(100, 10, "2025-03-03", "1200.00"),
             sb.repayment(101, 11, "2025-03-04", "600.00")])
    r = runner.invoke(app, ["sync", "full", "--source-url", empty_source_url])
    assert r.exit_code == 0, r.output
    with db.begin() as c:
        per_row = c.execute(text(
            "SELECT count(*) FROM audit_logs WHERE action <> 'BULK' "
            "AND table_name <> 'app_settings'")).scalar_one()
        bulk = c.execute(text(
            "SELECT table_name, sum((new_values->>'rows')::int), min(changed_by), "
            "bool_and(new_values->>'description' LIKE 'sync run %') FROM audit_logs "
            "WHERE action = 'BULK' AND new_values->>'operation' = 'INSERT' "
            "GROUP BY 1 ORDER BY 1")).all()
    reset_settings()
    assert per_row == 0
    assert [(t, n) for t, n, _, _ in bulk if t != "payment_schedules"] == [
        ("customers", 2), ("loans", 2), ("officers", 3), ("repayments", 2)]
    assert all(by == "nightly-sync" and described for _, _, by, described in bulk)
