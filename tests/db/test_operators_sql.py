"""Operators keep their SQL: the seed guide's queries run unchanged through psql."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

from sqlalchemy import text

from astrofinance.db.embedded import bin_dir
from astrofinance.db.engine import libpq_url
from tests.metrics.book import add_loan, pay

QUERIES = Path(__file__).with_name("operators_queries.sql")


def test_seed_guide_queries_run_unchanged_in_psql(db):
    today = dt.date.today()
    with db.begin() as c:
        c.execute(text("INSERT INTO officers (officer_id, name, email, region, hire_date, "
                       "vertical_lead_email, vertical_lead_name) VALUES "
                       "('O1', 'Ada', 'ada@x.ng', 'Lagos', '2025-11-01', 'vl@x.ng', 'Vee')"))
        loan = add_loan(c, principal="1000.00", n=5, officer_id="O1",
                        disbursed=(today - dt.timedelta(days=20)).isoformat(),
                        first_due=(today - dt.timedelta(days=19)).isoformat())
        pay(c, loan, (today - dt.timedelta(days=2)).isoformat(), "200.00")
    res = subprocess.run(
        [str(bin_dir() / "psql"), libpq_url(db.url), "-v", "ON_ERROR_STOP=1", "-X", "-A",
         "-f", str(QUERIES)], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    out = res.stdout
    # step 8: 1 loan, with wave, vertical lead, region (copied from its officer) and a first due
    assert "total_loans|with_wave|with_vertical_lead|with_region|with_first_payment_due" in out
    assert "\n1|1|1|1|1|" in out
    assert "Wave 2|1" in out            # officer hired on/after 2025-10-01
    assert "trg_loans_assign_wave|O" in out
    assert "total_loans_processed|loans_updated|execution_time_ms\n1|1|" in out
    with db.begin() as c:
        dpd = c.execute(text("SELECT current_dpd FROM loans")).scalar_one()
    assert dpd > 0
