"""Server time of every page of the web dashboard on a large book.

    .venv/bin/python bench/web.py [--loans 200000] [--repayments-per-loan 5] [--requests 20]
                                  [--history-days 28] [--daily-history 90]
                                  [--database-url URL]
                                  [--data-dir /tmp/af-bench] [--keep] [--reuse NAME]

Builds the synthetic book of bench/recalc.py as of today (set-based SQL) in a new database,
recalculates it (which stores today's portfolio snapshot), backfills a weekly snapshot
history and fills the other days of the last 90 with copies of today's (a live book stores a
snapshot every day, and the overview's trend reads 90 of them), starts `uvicorn
astrofinance.api.server:app` in its own process, signs in through the login form as a manager
(every loan in scope) and requests each page with the session cookie. The figure is the
server's own time for the request (its Server-Timing header); the baseline, measured in the
same run, is GET /api/v1/health (one trivial query through the same stack). Warm: the pages'
data cache (api/cache.py) holds the figures while the data is unchanged, as in a day of
reading between writes; cold: the data version is moved before every request, so everything
is computed afresh, as after a recalculation or a payment.
Target (issue 6): every page under 300 ms of server time at 200,000 loans.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import statistics
import sys
import time
from pathlib import Path

import httpx
from psycopg import sql
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).parent))
from api import sample_values, start_server  # noqa: E402
from recalc import (  # noqa: E402
    admin,
    book_options,
    build,
    keep_or_drop,
    server_url,
    sizes,
    time_recalculation,
    with_database,
)

from astrofinance.db.engine import Database  # noqa: E402

PASSWORD = secrets.token_urlsafe(16)   # the bench user's, new each run
PAGES: list[tuple[str, str]] = [
    ("baseline: /api/v1/health", "/api/v1/health"),
    ("overview", "/"),
    ("overview, one branch", "/?branch={branch}"),
    ("all loans", "/loans"),
    ("all loans, wave 2 dpd 1-30 by dpd", "/loans?wave=Wave+2&dpd_min=1&dpd_max=30"
                                          "&sort=current_dpd&order=desc"),
    ("all loans, search a loan id", "/loans?q={loan_id}"),
    ("loan page", "/loans/{loan_id}"),
    ("officers", "/officers"),
    ("officer page", "/officers/{officer}"),
    ("FIMR", "/fimr"),
    ("early indicators", "/early-indicators"),
    ("branches", "/branches"),
    ("vertical leads", "/vertical-leads"),
    ("collections", "/collections"),
    ("operations", "/operations"),
    ("operations: data quality", "/operations/data-quality"),
    ("operations: holidays", "/operations/holidays"),
    ("operations: audit", "/operations/audit"),
]
TARGET_MS = 300.0


def parse_args(argv: list[str] | None = None):
    p = book_options(__doc__, loans=200_000, repayments=5)
    p.set_defaults(as_of=dt.date.today())
    p.add_argument("--requests", type=int, default=20, help="Requests per page (default 20).")
    p.add_argument("--history-days", type=int, default=28,
                   help="Days of weekly snapshot history to backfill (default 28).")
    p.add_argument("--daily-history", type=int, default=90,
                   help="Days of daily snapshot history, the days the backfill left out "
                        "copied from today's (default 90: the overview's trend).")
    p.add_argument("--reuse", metavar="NAME", help="Time this existing bench database.")
    args = p.parse_args(argv)
    if args.loans < 1 or args.requests < 2:
        p.error("--loans must be at least 1 and --requests at least 2")
    return args


def manager_user(url: str) -> str:
    from astrofinance.auth import service
    from astrofinance.auth.context import act_as
    from astrofinance.errors import Conflict

    db = Database(url)
    with db.begin() as conn:
        act_as(conn, "bench")
        try:
            service.add_user(conn, "bench-manager", "manager", PASSWORD)
        except Conflict:
            service.reset_password(conn, "bench-manager", PASSWORD)
    db.dispose()
    return "bench-manager"


def history(url: str, as_of: dt.date, days: int, daily: int) -> None:
    """A weekly snapshot history over `days` computed by the backfill, then every other day
    of the `daily` days before as_of filled with a copy of as_of's rows (a daily history
    like a live book's, whose volume the trend charts read, at a fraction of the backfill's
    time)."""
    from astrofinance.metrics.snapshots import backfill

    db = Database(url)
    started = time.perf_counter()
    if days > 0:
        result = backfill(db, as_of - dt.timedelta(days=days), as_of - dt.timedelta(days=1),
                          every=7)
        print(f"  snapshot history ({result.days} days)      "
              f"{time.perf_counter() - started:8.1f} s")
    if daily > 1:
        started = time.perf_counter()
        with db.begin() as conn:
            copied = conn.execute(text(_COPY_SNAPSHOTS), {
                "as_of": as_of, "first": as_of - dt.timedelta(days=daily - 1)}).rowcount
        print(f"  daily history ({daily} days, {copied:,} rows copied) "
              f"{time.perf_counter() - started:6.1f} s")
    db.dispose()


_COPY_SNAPSHOTS = """
INSERT INTO portfolio_snapshots (as_of, officer_id, branch, region, supervisor_email,
    vertical_lead_email, wave, product, gross_loan_portfolio, par1_amount, par7_amount,
    par30_amount, par90_amount, overdue_amount, loans_on_books, loans_par1, loans_par7,
    loans_par30, loans_par90)
SELECT d::date, s.officer_id, s.branch, s.region, s.supervisor_email, s.vertical_lead_email,
       s.wave, s.product, s.gross_loan_portfolio, s.par1_amount, s.par7_amount, s.par30_amount,
       s.par90_amount, s.overdue_amount, s.loans_on_books, s.loans_par1, s.loans_par7,
       s.loans_par30, s.loans_par90
FROM portfolio_snapshots s
CROSS JOIN generate_series(CAST(:first AS date), CAST(:as_of AS date) - 1, interval '1 day') d
WHERE s.as_of = :as_of
  AND NOT EXISTS (SELECT 1 FROM portfolio_snapshots o WHERE o.as_of = d::date)
"""


def server_ms(response: httpx.Response) -> float:
    found = re.search(r"dur=([\d.]+)", response.headers.get("Server-Timing", ""))
    if response.status_code != 200 or not found:
        raise SystemExit(f"{response.request.url}: {response.status_code} "
                         f"{response.text[:300]}")
    return float(found.group(1))


def timings(client: httpx.Client, path: str, requests: int, bump_url: str | None) -> list[float]:
    import psycopg

    client.get(path)        # the first request fills the cache (and the connection pool)
    out = []
    with psycopg.connect(bump_url, autocommit=True) if bump_url else _nothing() as bump:
        for _ in range(requests):
            if bump is not None:
                bump.execute("SELECT nextval('data_version')")
            out.append(server_ms(client.get(path)))
    return out


class _nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[94]


def run(base: str, values: dict[str, str], requests: int, url: str) -> None:
    with httpx.Client(base_url=base, timeout=120, follow_redirects=True) as client:
        r = client.post("/login", data={"username": "bench-manager", "password": PASSWORD})
        if "af_session" not in client.cookies:
            raise SystemExit(f"could not sign in: {r.status_code} {r.text[:200]}")
        print(f"\n{'page':<38}{'warm p50':>9}{'warm p95':>9}{'cold p50':>9}{'cold p95':>9}"
              f"{'cold p95/baseline':>19}")
        baseline, worst_warm, worst_cold = 0.0, ("", 0.0), ("", 0.0)
        for label, raw in PAGES:
            path = raw.format(**values)
            warm = timings(client, path, requests, None)
            cold = timings(client, path, max(3, requests // 4), url)
            if not baseline:
                baseline = max(p95(cold), 0.1)
            else:
                worst_warm = max(worst_warm, (label, p95(warm)), key=lambda x: x[1])
                worst_cold = max(worst_cold, (label, p95(cold)), key=lambda x: x[1])
            print(f"{label:<38}{statistics.median(warm):>9.1f}{p95(warm):>9.1f}"
                  f"{statistics.median(cold):>9.1f}{p95(cold):>9.1f}"
                  f"{p95(cold) / baseline:>18.1f}x", flush=True)
    print(f"\ntarget (issue 6): every page < {TARGET_MS:.0f} ms of server time")
    for kind, (label, ms) in (("warm", worst_warm), ("cold", worst_cold)):
        print(f"  {kind}: slowest p95 {ms:.1f} ms ({label}): "
              f"{'met' if ms < TARGET_MS else 'NOT met'}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    server = server_url(args)
    name = args.reuse or f"af_webbench_{os.getpid()}"
    url = with_database(server, name)
    if not args.reuse:
        admin(server, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        print(f"bench database {name}: {args.loans:,} loans as of {args.as_of}")
    proc = None
    try:
        if not args.reuse:
            build(url, args)
            took, total, _, _ = time_recalculation(url, args.as_of)
            print(f"  recalculation ({total:,} loans)           {took:8.1f} s")
            history(url, args.as_of, args.history_days, args.daily_history)
        size = sizes(url)
        print(f"book: {size['loans']:,} loans, {size['repayments']:,} repayments")
        values = sample_values(url)
        manager_user(url)
        proc, api_base = start_server(url, 1)
        base = api_base.removesuffix("/api/v1")
        print(f"web: {base}; {args.requests} warm requests per page")
        run(base, values, args.requests, url)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(30)
        keep_or_drop(args, server, name, url, keep=args.keep or bool(args.reuse),
                     again=f"bench/web.py --reuse {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
