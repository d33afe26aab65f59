"""Time `astrofinance import` of a repayments.csv of N rows for existing loans.

    .venv/bin/python bench/import_bench.py [--repayments 1000000] [--loans 33000]
                                           [--server-url postgresql://postgres@127.0.0.1:5432/postgres]

Creates a scratch database (af_bench_import) on the server (default: $DATABASE_URL's server,
else the embedded one), migrates it, inserts the loans with SQL, writes the bundle to a temporary
directory, then times the import (all rows new) and a second import of the same bundle (all
unchanged). Prints rows/s. The scratch database is dropped at the end unless --keep.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import create_engine, text

from astrofinance.auth.context import bulk_audit
from astrofinance.config import Settings
from astrofinance.db.engine import Database, set_database, sqlalchemy_url
from astrofinance.db.migrate import apply_settings, upgrade
from astrofinance.sync.service import import_bundle

SCRATCH = "af_bench_import"
OFFICER_SQL = """
INSERT INTO officers (officer_id, name, branch, region, hire_date)
VALUES ('OB1', 'Bench Officer', 'Ikeja', 'Lagos', DATE '2024-01-01')
"""
LOANS_SQL = """
INSERT INTO loans (loan_id, officer_id, loan_amount, interest_amount, fee_amount,
                   repayment_amount, installments, frequency, disbursement_date,
                   first_payment_due_date, status)
SELECT 'BL' || g, 'OB1', 30000, 6000, 0, 36000, 30, 'daily', DATE '2025-01-03',
       DATE '2025-01-06', 'Active'
FROM generate_series(1, :n) AS g
"""


def server_url(arg: str | None) -> str:
    url = arg or os.environ.get("DATABASE_URL")
    if url:
        return url
    from astrofinance.config import get_settings
    from astrofinance.db import embedded

    return embedded.url(embedded.start(get_settings().data_dir), "postgres")


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


def recreate(url: str) -> Database:
    admin = create_engine(sqlalchemy_url(url), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{SCRATCH}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{SCRATCH}"'))
    admin.dispose()
    db = Database(with_database(url, SCRATCH))
    upgrade(db)
    apply_settings(db, Settings())
    return db


def drop(url: str) -> None:
    admin = create_engine(sqlalchemy_url(url), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{SCRATCH}" WITH (FORCE)'))
    admin.dispose()


def write_bundle(directory: Path, repayments: int, loans: int, seed: int) -> None:
    rng = random.Random(seed)
    day0 = dt.date(2025, 1, 6).toordinal()
    dates = [dt.date.fromordinal(day0 + k).isoformat() for k in range(200)]
    amounts = [f"{rng.randint(100, 200000) / 100:.2f}" for _ in range(5000)]
    with (directory / "repayments.csv").open("w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["repayment_id", "loan_id", "payment_date", "amount", "reversed", "channel",
                    "reference"])
        w.writerows((f"BR{i}", f"BL{i % loans + 1}", dates[i % 200], amounts[i % 5000],
                     "true" if i % 97 == 0 else "false", "transfer", f"T{i:09d}")
                    for i in range(1, repayments + 1))
    (directory / "loans.csv").write_text(
        "loan_id,loan_amount,installments,frequency,disbursement_date,first_payment_due_date,"
        "status,interest_amount\nBL1,30000,30,daily,2025-01-03,2025-01-06,active,6000\n")


def report(label: str, rows: int, seconds: float, extra: str = "") -> None:
    print(f"{label:<34} {rows:>10,} rows in {seconds:6.2f} s = {rows / seconds:>9,.0f} rows/s"
          + (f"  {extra}" if extra else ""))


def timed_import(directory: Path, db: Database, label: str, rows: int) -> None:
    start = time.perf_counter()
    result = import_bundle(directory, db=db)
    c = result.counts["repayments.csv"]
    report(label, rows, time.perf_counter() - start,
           f"(inserted {c.inserted:,}, updated {c.updated:,}, unchanged {c.unchanged:,})")


def baseline(directory: Path, db: Database, rows: int) -> None:
    """What the database itself costs: COPY the file into a typed temp table, INSERT it into
    repayments (its indexes, foreign key and triggers, the audit log summarised as an import's
    is), no checks at all. Then empty it."""
    start = time.perf_counter()
    with db.begin() as c:
        bulk_audit(c, "bench/import_bench.py baseline")
        driver = c.connection.driver_connection
        driver.execute("CREATE TEMP TABLE b (repayment_id text, loan_id text, payment_date date, "
                       "payment_amount numeric(18,2), is_reversed boolean, channel text, "
                       "reference text) ON COMMIT DROP")
        with (directory / "repayments.csv").open("rb") as f, driver.cursor().copy(
                "COPY b FROM STDIN WITH (FORMAT csv, HEADER)") as copy:
            while block := f.read(1 << 20):
                copy.write(block)
        driver.execute("INSERT INTO repayments (repayment_id, loan_id, payment_date, "
                       "payment_amount, is_reversed, channel, reference) SELECT * FROM b "
                       "ORDER BY loan_id, payment_date")
    report("baseline: COPY + INSERT, no checks", rows, time.perf_counter() - start)
    with db.begin() as c:
        c.execute(text("TRUNCATE repayments, stale_loans CASCADE"))
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text("VACUUM ANALYZE repayments"))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repayments", type=int, default=1_000_000)
    p.add_argument("--loans", type=int, default=33_000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--server-url", help="A PostgreSQL URL on the server to use.")
    p.add_argument("--keep", action="store_true", help="Keep the scratch database.")
    args = p.parse_args()
    url = server_url(args.server_url)
    db = recreate(url)
    set_database(db)
    with db.begin() as c:
        c.execute(text(OFFICER_SQL))
        c.execute(text(LOANS_SQL), {"n": args.loans})
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        write_bundle(Path(tmp), args.repayments, args.loans, args.seed)
        size = (Path(tmp) / "repayments.csv").stat().st_size
        print(f"bundle: {args.repayments:,} repayments for {args.loans:,} loans, "
              f"{size / 1e6:.0f} MB, written in {time.perf_counter() - t0:.1f} s")
        baseline(Path(tmp), db, args.repayments)
        timed_import(Path(tmp), db, "import (all new)", args.repayments)
        timed_import(Path(tmp), db, "import again (all unchanged)", args.repayments)
    db.dispose()
    if not args.keep:
        drop(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
