"""bench/recalc.py runs end to end on a small book and cleans up after itself."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import psycopg

from astrofinance.db.engine import libpq_url

ROOT = Path(__file__).resolve().parents[1]


def test_recalc_bench_small_book(pg_server_url):
    server = libpq_url(pg_server_url)
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "recalc.py"), "--loans", "300",
         "--repayments-per-loan", "10", "--database-url", server],
        capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    name = re.search(r"bench database (af_bench_\d+)", out.stdout)[1]
    book = re.search(r"book: 300 loans, ([\d,]+) repayments .*, ([\d,]+) schedule rows",
                     out.stdout)
    assert book, out.stdout
    repayments, schedule_rows = (int(g.replace(",", "")) for g in book.groups())
    # about 10 repayments per loan, never more than one per installment (plus no extras)
    assert 300 * 5 < repayments <= schedule_rows
    for label in ("baseline GROUP BY loan_id", "full recalculation (as of)",
                  "next day, no new repayments (2026-07-01)"):
        assert re.search(re.escape(label) + r".*\d+\.\d{3} s", out.stdout), label
    assert re.search(r"full recalculation \(as of\).*x baseline\s+\(300 loans", out.stdout)
    # a day with its collections: new repayments were added and that day recalculated
    collections = re.search(r"a day's collections \(2026-07-03, ([\d,]+) new\).*\d+\.\d{3} s",
                            out.stdout)
    assert collections and int(collections[1].replace(",", "")) > 0, out.stdout
    with psycopg.connect(server, autocommit=True) as conn:
        left = conn.execute("SELECT count(*) FROM pg_database WHERE datname = %s",
                            (name,)).fetchone()
    assert left == (0,)
