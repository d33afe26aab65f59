"""Time `sync full` against a raw copy of the same source tables, and an incremental sync.

    .venv/bin/python bench/sync.py [--loans 200000] [--seed 1] [--repayments N] [--workers 2]
                                   [--batch-loans 500] [--batch-repayments 1000]
                                   [--database-url URL]
                                   [--data-dir /tmp/af-bench] [--keep]

Creates two databases on one server (af_bsrc_<pid>, the reference Django Ajo source, filled by
astrofinance.sync.reference; af_btgt_<pid>, migrated and empty), then times

  1. the baseline: every source table the mapping reads, COPY'd out of the source into an
     empty table of the same shape in the target (through this process, as the sync does)
  2. `sync full` (the django-ajo mapping, the given batch sizes)
  3. an incremental `sync repayments` after 10,000 new repayments were added in the source

and prints the times and the ratio of 2 to 1. The databases are dropped unless --keep.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).parent))
from recalc import admin, embedded_stop_hint, server_url, with_database  # noqa: E402

from astrofinance.config import Settings  # noqa: E402
from astrofinance.db.engine import Database  # noqa: E402
from astrofinance.db.migrate import apply_settings, upgrade  # noqa: E402
from astrofinance.sync.mapping import load_mapping  # noqa: E402
from astrofinance.sync.reference import create_reference_source  # noqa: E402
from astrofinance.sync.runner import SCHEDULES, BatchSizes, Syncer  # noqa: E402
from astrofinance.sync.source import SqlSource  # noqa: E402

TABLES = ("loans_holiday", "accounts_customuser", "ajo_ajouser", "loans_ajoloan",
          "loans_ajoloanrepayment")
NEW_REPAYMENTS = """
INSERT INTO loans_ajoloanrepayment (ajo_loan_id, paid_date, repayment_amount, repayment_type,
                                    marked_as, created_at, updated_at)
SELECT l.id, CURRENT_DATE - 1, round(l.repayment_amount / 30, 2), 'AGENT_DEBIT', 'REPAYMENT',
       now(), now()
FROM (SELECT id, repayment_amount FROM loans_ajoloan WHERE is_disbursed
      ORDER BY id DESC LIMIT %(n)s) l
"""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--loans", type=int, default=200_000, help="Source loans (default 200000).")
    p.add_argument("--seed", type=int, default=1, help="Generator seed (default 1).")
    p.add_argument("--repayments", type=int, default=None,
                   help="Keep only this many source repayments, a fixed pseudo-random "
                        "sample (the targets' seed volume has 45,000; default: all the "
                        "generator makes, about 30 per loan).")
    p.add_argument("--workers", type=int, default=BatchSizes.workers,
                   help=f"Connections generating schedules (default {BatchSizes.workers}).")
    p.add_argument("--batch-loans", type=int, default=500, help="Loans per batch (500).")
    p.add_argument("--batch-repayments", type=int, default=1000,
                   help="Repayments per batch (1000).")
    p.add_argument("--batch-rows", type=int, default=1000, help="Other rows per batch (1000).")
    p.add_argument("--new-repayments", type=int, default=10_000,
                   help="New source repayments for the incremental run (10000).")
    p.add_argument("--database-url", help="A PostgreSQL URL: both databases are created on "
                   "its server (default: an embedded server in --data-dir).")
    p.add_argument("--data-dir", type=Path, default=Path("/tmp/af-bench"),
                   help="Data directory of the embedded server (default /tmp/af-bench).")
    p.add_argument("--keep", action="store_true", help="Keep both databases afterwards.")
    return p.parse_args(argv)


def timed(label: str, fn) -> float:
    print(f"  {label:<44}", end="", flush=True)
    started = time.perf_counter()
    fn()
    took = time.perf_counter() - started
    print(f"{took:9.1f} s")
    return took


class StepTimes:
    """A SyncProgress that records when each entity (and the schedules step) starts and
    ends; the loans' own batches end where their schedules step starts."""

    def __init__(self) -> None:
        self.started: dict[str, float] = {}
        self.ended: dict[str, float] = {}

    def entity_started(self, name: str, total: int | None) -> None:
        self.started[name] = self.ended[name] = time.perf_counter()

    def advanced(self, name: str, rows: int) -> None:
        self.ended[name] = time.perf_counter()

    def entity_done(self, name: str, counts: object) -> None:
        self.ended[name] = time.perf_counter()

    def note(self, text: str) -> None: ...

    def report(self) -> str:
        took = {name: self.ended[name] - start for name, start in self.started.items()}
        if SCHEDULES in took and "loans" in took:
            took["loans"] = self.started[SCHEDULES] - self.started["loans"]
        return ", ".join(f"{name} {t:.1f} s" for name, t in took.items())


def keep_repayments(src: str, n: int) -> int:
    """Cut the source's repayments to a fixed sample of n; how many are left."""
    with psycopg.connect(src) as conn:
        conn.execute("DELETE FROM loans_ajoloanrepayment WHERE id NOT IN (SELECT id FROM "
                     "loans_ajoloanrepayment ORDER BY md5(id::text) LIMIT %s)", [n])
        return conn.execute("SELECT count(*) FROM loans_ajoloanrepayment").fetchone()[0]  # type: ignore[index]


def raw_copy(src: str, tgt: str) -> None:
    """Each source table into an empty table of the same shape on the target."""
    with psycopg.connect(src) as s, psycopg.connect(tgt) as t:
        for table in TABLES:
            cols = s.execute("SELECT string_agg(quote_ident(attname) || ' ' || "
                             "format_type(atttypid, atttypmod), ', ' ORDER BY attnum) "
                             "FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
                             "AND NOT attisdropped", [table]).fetchone()[0]  # type: ignore
            copy_table = sql.Identifier(f"raw_{table}")
            t.execute(sql.SQL("CREATE TABLE {} ({})").format(copy_table, sql.SQL(cols)))
            with s.cursor().copy(sql.SQL("COPY {} TO STDOUT").format(
                    sql.Identifier(table))) as out, \
                    t.cursor().copy(sql.SQL("COPY {} FROM STDIN").format(copy_table)) as into:
                for data in out:
                    into.write(data)
        t.commit()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    server = server_url(args)
    names = (f"af_bsrc_{os.getpid()}", f"af_btgt_{os.getpid()}")
    src, tgt = (with_database(server, n) for n in names)
    for n in names:
        admin(server, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(n)))
    print(f"bench: {args.loans:,} source loans (seed {args.seed}); batches of "
          f"{args.batch_loans} loans / {args.batch_repayments} repayments")
    try:
        counts: dict[str, int] = {}
        timed("source: generate the reference book",
              lambda: counts.update(create_reference_source(src, loans=args.loans,
                                                            seed=args.seed)))
        if args.repayments is not None:
            counts["loans_ajoloanrepayment"] = keep_repayments(src, args.repayments)
        print("    " + ", ".join(f"{t} {n:,}" for t, n in counts.items()))
        db = Database(tgt)
        timed("target: migrate", lambda: (upgrade(db), apply_settings(db, Settings())))
        baseline = timed("baseline: raw COPY of the source tables", lambda: raw_copy(src, tgt))
        sizes = BatchSizes(args.batch_loans, args.batch_repayments, args.batch_rows,
                           workers=args.workers)
        with SqlSource(src, load_mapping("django-ajo")) as source:
            steps = StepTimes()
            syncer = Syncer(source, db, sizes, progress=steps)
            results = {}
            full = timed("sync full", lambda: results.update(full=syncer.full()))
            print(f"    {steps.report()}")
            syncer.progress = StepTimes()
            with psycopg.connect(src) as conn:
                conn.execute(NEW_REPAYMENTS, {"n": args.new_repayments})
            inc = timed(f"sync repayments ({args.new_repayments:,} new)",
                        lambda: results.update(inc=syncer.incremental(("repayments",))))
        written = results["full"].changed
        new = results["inc"].counts["repayments"].inserted
        print(f"\n  sync full: {written:,} rows written, {results['full'].rejected:,} "
              f"quarantined; incremental: {new:,} new repayments")
        print(f"  sync full / raw copy = {full:.1f} s / {baseline:.1f} s = "
              f"{full / baseline:.2f}x   (target: 3x at 1,000,000 loans)")
        print(f"  incremental {args.new_repayments:,} new repayments: {inc:.1f} s   "
              f"(target: under 2 s)")
        db.dispose()
    finally:
        if args.keep:
            print(f"\nkept: psql '{src}' and '{tgt}'")
            if not args.database_url:
                print(f"(stop the server: {embedded_stop_hint(args.data_dir)})")
        else:
            for n in names:
                admin(server, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(n)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
