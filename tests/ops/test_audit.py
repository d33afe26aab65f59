"""The audit log written by the database's triggers: who (act_as, per transaction), what (old and
new values, record ids), what is left out (loans' computed fields), and the summaries of bulk
loads and large trigger cascades."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import psycopg
import pytest
from sqlalchemy import text

from astrofinance.auth.context import act_as, bulk_audit, end_bulk_audit
from astrofinance.db.engine import libpq_url
from astrofinance.portfolio.seed import seed_portfolio
from astrofinance.sync.service import import_bundle
from tests.factories.bundle import customer, loan, officer, repayment, write_bundle
from tests.metrics.book import add_holiday, add_loan, add_officer, pay

LOG = ("SELECT table_name, record_id, action, old_values, new_values, changed_by "
       "FROM audit_logs WHERE table_name <> 'app_settings' ORDER BY id")


def log(db, where: str = "true", **params) -> list[tuple]:
    with db.begin() as c:
        return [tuple(r) for r in c.execute(
            text(LOG.replace("WHERE", f"WHERE ({where}) AND")), params)]


def count(db, where: str = "true") -> int:
    with db.begin() as c:
        return c.execute(text(f"SELECT count(*) FROM audit_logs WHERE {where}")).scalar_one()


def test_insert_update_delete_carry_the_user_values_and_record_id(db):
    with db.begin() as c:
        act_as(c, "ada")
        add_officer(c, "O1")
        add_officer(c, "O2")
    with db.begin() as c:
        act_as(c, "bola")
        c.execute(text("UPDATE officers SET email = 'o1@example.ng', branch = 'Ikeja' "
                       "WHERE officer_id = 'O1'"))
        c.execute(text("UPDATE officers SET name = name"))            # no change: no row
        c.execute(text("DELETE FROM officers WHERE officer_id = 'O2'"))
    rows = log(db)
    assert [(t, r, a, by) for t, r, a, _, _, by in rows] == [
        ("officers", "O1", "INSERT", "ada"), ("officers", "O2", "INSERT", "ada"),
        ("officers", "O1", "UPDATE", "bola"), ("officers", "O2", "DELETE", "bola")]
    inserted, update, deleted = rows[0][4], rows[2], rows[3]
    assert inserted["name"] == "Officer O1" and inserted["officer_id"] == "O1"
    assert rows[0][3] is None and rows[3][4] is None
    assert update[3] == {"email": None, "branch": None}
    assert update[4] == {"email": "o1@example.ng", "branch": "Ikeja"}
    assert deleted[3]["name"] == "Officer O2"
    with db.begin() as c:
        txids = c.execute(text("SELECT changed_by, count(DISTINCT txid) FROM audit_logs "
                               "WHERE table_name = 'officers' GROUP BY 1 ORDER BY 1")).all()
    assert txids == [("ada", 1), ("bola", 1)]


def test_without_act_as_the_database_role_is_recorded_and_act_as_ends_with_the_transaction(db):
    with psycopg.connect(libpq_url(db.url)) as conn:
        conn.execute("SELECT set_config('astrofinance.user', 'ada', true)")
        conn.execute("INSERT INTO holidays (holiday_date, name) VALUES ('2031-01-02', 'A')")
        conn.commit()
        conn.execute("INSERT INTO holidays (holiday_date, name) VALUES ('2031-01-03', 'B')")
        conn.commit()
        role = conn.execute("SELECT session_user").fetchone()[0]   # type: ignore[index]
    assert [(r[4]["name"], r[5]) for r in log(db, "table_name = 'holidays'")] == [
        ("A", "ada"), ("B", f"db:{role}")]


def test_composite_keys_and_key_changes(db):
    with db.begin() as c:
        add_officer(c, "O1")
        add_loan(c, "L1", principal="300", n=3, disbursed="2025-03-03", first_due="2025-03-04",
                 officer_id="O1")
    assert [r[1] for r in log(db, "table_name = 'payment_schedules'")] == ["L1/1", "L1/2", "L1/3"]
    with db.begin() as c:
        act_as(c, "ada")
        c.execute(text("UPDATE officers SET officer_id = 'O9' WHERE officer_id = 'O1'"))
    renamed = log(db, "table_name = 'officers' AND action = 'UPDATE'")
    # the key changed: no partner by key, so the old and the new row each have their own line
    assert sorted((r[1], r[3] is None, r[4] is None) for r in renamed) == [
        ("O1", False, True), ("O9", True, False)]
    loans = log(db, "table_name = 'loans' AND action = 'UPDATE'")   # ON UPDATE CASCADE
    assert [(r[1], r[3], r[4], r[5]) for r in loans] == [
        ("L1", {"officer_id": "O1"}, {"officer_id": "O9"}, "ada")]


def test_loans_business_changes_are_audited_computed_fields_are_not(db):
    with db.begin() as c:
        add_officer(c, "O1")
        loan_id = add_loan(c, "L1", principal="1000", n=10, disbursed="2025-03-03",
                           first_due="2025-03-04", officer_id="O1")
        pay(c, loan_id, "2025-03-04", "100")
        pay(c, loan_id, "2025-03-05", "100")
    inserted = log(db, "table_name = 'loans'")[0][4]
    assert "current_dpd" not in inserted and "wave" not in inserted
    assert inserted["loan_amount"] == 1000 and inserted["status"] == "Active"
    before = count(db)
    with db.begin() as c:
        for as_of in ("2025-03-10", "2025-03-11", "2025-04-30"):
            row = c.execute(text("SELECT * FROM recalculate_all_loan_fields(:d)"),
                            {"d": dt.date.fromisoformat(as_of)}).one()
            assert row.loans_updated == 1
        c.execute(text("SELECT apply_officer_hierarchy(NULL)"))
        c.execute(text("UPDATE officers SET region = 'Lagos' WHERE officer_id = 'O1'"))
        c.execute(text("UPDATE loans SET updated_at = now()"))
        region, dpd = c.execute(text("SELECT region, current_dpd FROM loans")).one()
    assert region == "Lagos" and dpd > 0
    # one row: the officer's region; nothing for the loan's computed fields or copied region
    assert count(db) == before + 1
    assert log(db)[-1][:3] == ("officers", "O1", "UPDATE")
    with db.begin() as c:
        act_as(c, "ada")
        c.execute(text("UPDATE loans SET status = 'Written Off', written_off_on = '2025-05-01', "
                       "current_dpd = 0"))
    assert log(db)[-1][1:] == ("L1", "UPDATE", {"status": "Active", "written_off_on": None},
                               {"status": "Written Off", "written_off_on": "2025-05-01"}, "ada")


def test_bulk_mode_writes_one_row_per_statement(db):
    with db.begin() as c:
        act_as(c, "sync-bot")
        bulk_audit(c, "test load")
        c.execute(text("INSERT INTO officers (officer_id, name) "
                       "SELECT 'O' || g, 'Officer ' || g FROM generate_series(1, 50) g"))
        updated = c.execute(text("UPDATE officers SET branch = 'Ikeja' "
                                 "WHERE officer_id <= 'O3'")).rowcount
        for i in range(3):
            add_loan(c, f"L{i}", principal="100", n=2, disbursed="2025-03-03",
                     first_due="2025-03-04", officer_id="O1")
        c.execute(text("UPDATE loans SET status = 'Closed', closed_on = '2025-03-06', "
                       "current_dpd = 0"))                         # row trigger: counted
        c.execute(text("UPDATE loans SET current_dpd = 1"))          # ignored: nothing
        end_bulk_audit(c)
        c.execute(text("DELETE FROM officers WHERE officer_id = 'O50'"))
    rows = log(db)
    summary = [(t, a, v.get("operation") if v else None, v.get("rows") if v else None, by)
               for t, _, a, _, v, by in rows]
    assert summary[:2] == [("officers", "BULK", "INSERT", 50, "sync-bot"),
                           ("officers", "BULK", "UPDATE", updated, "sync-bot")]
    assert ("loans", "BULK", "INSERT", 1, "sync-bot") in summary
    assert ("payment_schedules", "BULK", "INSERT", 2, "sync-bot") in summary
    assert summary[-2:] == [("loans", "BULK", "UPDATE", 3, "sync-bot"),
                            ("officers", "DELETE", None, None, "sync-bot")]
    assert rows[0][4]["description"] == "test load"
    assert count(db, "action NOT IN ('BULK') AND table_name <> 'app_settings'") == 1


def test_a_large_trigger_cascade_is_summarised_a_small_one_is_not(db):
    with db.begin() as c:
        for i in range(21):                                          # 21 x 60 installments
            add_loan(c, f"L{i:02d}", principal="600", n=60, disbursed="2025-03-03",
                     first_due="2025-03-04")
        add_loan(c, "SMALL", principal="50", n=5, disbursed="2026-03-02", first_due="2026-03-03")
    before = count(db)
    with db.begin() as c:
        act_as(c, "ada")
        add_holiday(c, "2025-03-10", "Retreat")        # regenerates the 21 big schedules
    big = log(db, "id > (SELECT max(id) - 10 FROM audit_logs) AND changed_by = 'ada'")
    assert [(t, a, v and v.get("operation"), v and v.get("rows")) for t, _, a, _, v, _ in big] \
        == [("holidays", "INSERT", None, None),
            ("payment_schedules", "BULK", "DELETE", 1260),
            ("payment_schedules", "BULK", "INSERT", 1260)]
    assert big[1][4]["description"] == "written by a trigger"
    assert count(db) == before + 3
    with db.begin() as c:
        act_as(c, "ada")
        add_holiday(c, "2026-03-04", "Small one")      # regenerates SMALL only: row by row
    small = log(db, "changed_by = 'ada' AND table_name = 'payment_schedules' "
                    "AND action <> 'BULK'")
    assert sorted({a for _, _, a, *_ in small}) == ["DELETE", "INSERT"] and len(small) == 10


def test_truncate_is_recorded(db):
    with db.begin() as c:
        add_officer(c, "O1")
    with db.begin() as c:
        act_as(c, "ada")
        c.execute(text("TRUNCATE officers CASCADE"))
    assert ("officers", None, "TRUNCATE", None, {}, "ada") in log(db)


def test_the_log_is_append_only_and_purged_only_by_audit_purge(db):
    with db.begin() as c:
        add_officer(c, "O1")
    for statement in ("UPDATE audit_logs SET changed_by = 'x'", "DELETE FROM audit_logs"):
        with pytest.raises(Exception, match="append-only"), db.begin() as c:
            c.execute(text(statement))
    with db.begin() as c:
        act_as(c, "ada")
        purged = c.execute(text("SELECT audit_purge(now() + interval '1 day')")).scalar_one()
    assert purged >= 1
    assert log(db) == [("audit_logs", None, "BULK", None,
                        {"operation": "DELETE", "rows": purged,
                         "description": log(db)[0][4]["description"]}, "ada")]


def test_audit_attach_checks_columns_and_refresh_picks_up_new_columns(db):
    with pytest.raises(Exception, match=r"unknown column\(s\) \{nope\}"), db.begin() as c:
        c.execute(text("SELECT audit_attach('loans', 'loan_id', ARRAY['nope'])"))
    with db.begin() as c:
        add_loan(c, "L1", principal="100", n=2, disbursed="2025-03-03", first_due="2025-03-04")
        c.execute(text("ALTER TABLE loans ADD COLUMN test_note text"))
        c.execute(text("UPDATE loans SET test_note = 'before refresh'"))
        c.execute(text("SELECT audit_refresh('loans')"))
        c.execute(text("UPDATE loans SET test_note = 'after refresh'"))
    notes = [r[4] for r in log(db, "table_name = 'loans' AND action = 'UPDATE'")]
    assert notes == [{"test_note": "after refresh"}]


def test_import_bundle_writes_bulk_rows_only(db, tmp_path):
    bundle = write_bundle(tmp_path / "b", officers=[officer("OF1")],
                          customers=[customer("C1"), customer("C2")],
                          loans=[loan("L1"), loan("L2", customer_id="C2")],
                          repayments=[repayment("R1", loan_id="L1"),
                                      repayment("R2", loan_id="L2")])
    import_bundle(bundle)
    per_row = count(db, "action <> 'BULK' AND table_name <> 'app_settings'")
    bulk = log(db, "action = 'BULK'")
    assert per_row == 0
    got = {(t, v["operation"]): v["rows"] for t, _, _, _, v, _ in bulk}
    assert got == {("officers", "INSERT"): 1, ("customers", "INSERT"): 2,
                   ("loans", "INSERT"): 2, ("payment_schedules", "INSERT"): 20,
                   ("repayments", "INSERT"): 2}
    assert all(v["description"].startswith("import b (import run") for *_, v, _ in bulk)
    import_bundle(bundle)                                 # unchanged: nothing to log
    assert log(db, "action = 'BULK'") == bulk


def test_demo_seed_writes_bulk_rows_only(db):
    seed_portfolio(db, loans=40, seed=3, as_of=dt.date(2025, 6, 30))
    assert count(db, "action <> 'BULK' AND table_name <> 'app_settings'") == 0
    with db.begin() as c:
        loans = c.execute(text("SELECT sum((new_values->>'rows')::int) FROM audit_logs "
                               "WHERE table_name = 'loans' AND action = 'BULK'")).scalar_one()
        repaid = c.execute(text("SELECT count(*) FROM repayments")).scalar_one()
        logged = c.execute(text("SELECT sum((new_values->>'rows')::int) FROM audit_logs "
                                "WHERE table_name = 'repayments' "
                                "AND new_values->>'operation' = 'INSERT'")).scalar_one()
    assert loans == 40 and logged == repaid and repaid > 0


def test_money_and_dates_are_stored_as_json_values(db):
    with db.begin() as c:
        add_loan(c, "L1", principal="1234.50", n=2, disbursed="2025-03-03",
                 first_due="2025-03-04")
        pay(c, "L1", "2025-03-04", "617.25")
    paid = log(db, "table_name = 'repayments'")[0][4]
    assert Decimal(str(paid["payment_amount"])) == Decimal("617.25")
    assert paid["payment_date"] == "2025-03-04" and paid["is_reversed"] is False
