"""A recalculation is one transaction: readers are not blocked, a failure changes nothing."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.metrics.book import add_loan, pay


def _book(db):
    with db.begin() as c:
        loan = add_loan(c, principal="1000.00", n=5, disbursed="2025-02-28",
                        first_due="2025-03-03")
        pay(c, loan, "2025-03-03", "200.00")
        c.execute(text("SELECT recalculate_all_loan_fields('2025-03-04')"))
    return loan


def _dpd(conn, loan):
    return conn.execute(text("SELECT current_dpd FROM loans WHERE loan_id = :l"),
                        {"l": loan}).scalar_one()


def test_readers_see_the_previous_values_without_waiting(db):
    loan = _book(db)
    writer = db.engine.connect()
    reader = db.engine.connect()
    try:
        tx = writer.begin()
        writer.execute(text("SELECT recalculate_all_loan_fields('2025-03-10')"))
        # the recalculation holds its row locks, uncommitted: a reader is not blocked by them
        reader.execute(text("SET statement_timeout = '3s'"))
        assert _dpd(reader, loan) == 0
        reader.commit()
        tx.commit()
        # Mar 10: installments 2-5 (Mar 4-7) unpaid -> DPD 6
        assert _dpd(reader, loan) == 6
    finally:
        writer.close()
        reader.close()


def test_a_failed_recalculation_leaves_the_previous_values(db):
    loan = _book(db)
    with db.begin() as c:
        # fault injection in this test's own database: refuse any DPD above 5
        c.execute(text("""
            CREATE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'injected failure'; END $$;
            CREATE TRIGGER test_refuse BEFORE UPDATE ON loans FOR EACH ROW
            WHEN (NEW.current_dpd > 5) EXECUTE FUNCTION test_refuse();"""))
    with pytest.raises(DBAPIError, match="injected failure"):
        with db.begin() as c:
            c.execute(text("SELECT recalculate_all_loan_fields('2025-03-10')"))
    with db.begin() as c:
        assert _dpd(c, loan) == 0
        runs = c.execute(text("SELECT count(*) FROM recalculation_runs")).scalar_one()
        fields_as_of = c.execute(text("SELECT fields_as_of::text FROM loans")).scalar_one()
    assert runs == 1  # only the first, successful run is recorded
    assert fields_as_of == "2025-03-04"
