"""`astrofinance maintenance` on a real database: every step runs and reports; the ledger's
late loans become Defaulted; PAR matches calculate_par; API reads carry on meanwhile."""

from __future__ import annotations

import json
import threading

from sqlalchemy import text
from typer.testing import CliRunner

from astrofinance.cli.main import app
from astrofinance.db import Database, session_scope
from astrofinance.lending.demo import book_demo_loans
from astrofinance.metrics.service import recalculate
from astrofinance.ops.maintenance import run_maintenance
from astrofinance.portfolio.seed import seed_portfolio
from tests.api.live import Api, serve

runner = CliRunner()


def _book(db: Database):
    from astrofinance.config import get_settings

    day = get_settings().today()
    seed_portfolio(db, loans=120, seed=5, as_of=day)
    with session_scope(db) as conn:
        book_demo_loans(conn, day)
        recalculate(conn, day)
    return day


def _late_ledger_loans(db: Database, days: int) -> set[str]:
    with session_scope(db) as conn:
        return set(conn.execute(text(
            "SELECT l.loan_id FROM loans l JOIN loan_accounts a USING (loan_id) "
            "WHERE l.status = 'Active' AND l.current_dpd > :d"), {"d": days}).scalars())


def test_the_function_marks_late_ledger_loans_defaulted_and_reports_par(db):
    _book(db)
    late = _late_ledger_loans(db, 10)
    assert late, "the demo loan book has loans more than 10 days late"
    with session_scope(db) as conn:
        result = conn.execute(text("SELECT perform_database_maintenance(10, 'ops')")
                              ).scalar_one()
        par = conn.execute(text("SELECT par_percent FROM calculate_par(30)")).scalar_one()
        defaulted = set(conn.execute(text(
            "SELECT loan_id FROM loan_accounts WHERE defaulted_by = 'ops'")).scalars())
    assert result["loans_marked_defaulted"] == len(late) and defaulted == late
    assert str(result["par30"]["par_percent"]) == str(par)
    assert result["views_refreshed"] == ["mvw_monthly_financial_summary"]


def test_the_command_runs_every_step_and_reports(db, cli_as_it_admin, tmp_path):
    _book(db)
    late = _late_ledger_loans(db, 10)
    result = runner.invoke(app, ["maintenance", "--output-dir", str(tmp_path),
                                 "--defaulted-after-days", "10", "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout[result.stdout.index("{"):])
    assert [s["name"] for s in report["steps"]] == [
        "backup", "vacuum analyze", "reindex", "analyze, refresh views, mark defaulted, PAR",
        "recalculate", "statistics"]
    assert len(list(tmp_path.glob("*.dump"))) == 1 and len(list(tmp_path.glob("*.sha256"))) == 1
    assert report["result"]["loans_marked_defaulted"] == len(late)
    with session_scope(db) as conn:
        assert conn.execute(text("SELECT count(*) FROM loans WHERE loan_id = ANY(:ids) "
                                 "AND status = 'Defaulted'"), {"ids": list(late)}
                            ).scalar_one() == len(late)
        loans_rows = conn.execute(text("SELECT count(*) FROM loans")).scalar_one()
        vacuumed = conn.execute(text("SELECT last_vacuum IS NOT NULL FROM pg_stat_user_tables "
                                     "WHERE relname = 'loans'")).scalar_one()
    assert vacuumed
    loans = next(t for t in report["tables"] if t["table_name"] == "loans")
    assert loans["total_bytes"] > 0 and report["database_bytes"] > loans["total_bytes"]
    assert {i["table_name"] for i in report["indexes"]} >= {"loans", "repayments"}
    assert loans_rows > 0


def test_no_backup_skips_it_and_the_table_report_reads(db, cli_as_it_admin, tmp_path):
    _book(db)
    result = runner.invoke(app, ["maintenance", "--no-backup", "--output-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "backup" not in result.stdout.split("Maintenance")[1].split("recalculate")[0]
    assert "Largest tables" in result.stdout and "PAR30" in result.stdout
    assert list(tmp_path.iterdir()) == []


def test_api_reads_carry_on_while_maintenance_runs(db):
    _book(db)
    statuses: list[int] = []
    done = threading.Event()
    with serve(db) as url:
        api = Api(url, db)
        client = api.as_role("analyst")

        def read() -> None:
            while not done.is_set():
                statuses.append(client.get("/loans", params={"limit": 20}).status_code)
                statuses.append(client.get("/metrics/portfolio").status_code)

        reader = threading.Thread(target=read)
        reader.start()
        try:
            report = run_maintenance(db, backup=None, defaulted_after_days=10)
        finally:
            done.set()
            reader.join(30)
        api.close()
    assert len(report.steps) == 5
    assert len(statuses) > 4 and set(statuses) == {200}
