"""Latency of the HTTP API on a large book, with 1 and with 8 concurrent clients.

The loans list under each filter and sort, and metrics/portfolio.

    .venv/bin/python bench/api.py [--loans 1000000] [--repayments-per-loan 5] [--requests 40]
                                  [--workers 1] [--database-url URL] [--data-dir /tmp/af-bench]
                                  [--keep] [--reuse NAME]

Builds the synthetic book of bench/recalc.py (set-based SQL) in a new database, recalculates
its fields, starts `uvicorn astrofinance.api.server:app` in its own process over it, and
times real HTTP requests with a bearer token (a manager's: every loan in scope). The
baseline, measured in the same run, is GET /api/v1/health (one trivial query through the same
stack); each case prints p50/p95/p99 in ms and its p95 as a multiple of the baseline's. The
list's total and summary and the portfolio metrics are cached until the data changes
(api/cache.py): the warm figures are a day of reading between writes; the cold columns move
the data version before every request, so everything is computed afresh.
Targets (issue 5): loans list p95 < 50 ms and metrics/portfolio p95 < 300 ms at 1,000,000
loans with 8 concurrent clients. The database is dropped unless --keep; --reuse NAME times an
existing (kept) bench database without building.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
from psycopg import sql

sys.path.insert(0, str(Path(__file__).parent))
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

CASES: list[tuple[str, str, dict[str, object]]] = [
    ("baseline: health", "/health", {}),
    ("loans: no filter, by loan_id", "/loans", {}),
    ("loans: seed guide (wave, dpd 1-30)", "/loans",
     {"wave": "Wave 2", "dpd_min": 1, "dpd_max": 30, "limit": 100}),
    ("loans: officer_id", "/loans", {"officer_id": "{officer}"}),
    ("loans: branch", "/loans", {"branch": "{branch}"}),
    ("loans: region", "/loans", {"region": "{region}"}),
    ("loans: status Active", "/loans", {"status": "Active"}),
    ("loans: vertical_lead", "/loans", {"vertical_lead": "{vertical_lead}"}),
    ("loans: supervisor", "/loans", {"supervisor": "{supervisor}"}),
    ("loans: product", "/loans", {"product": "{product}"}),
    ("loans: channel", "/loans", {"channel": "{channel}"}),
    ("loans: fimr_tagged", "/loans", {"fimr_tagged": "true"}),
    ("loans: early_indicator_tagged", "/loans", {"early_indicator_tagged": "true"}),
    ("loans: disbursed in a month", "/loans",
     {"disbursed_from": "{month_start}", "disbursed_to": "{month_end}"}),
    ("loans: q (loan id)", "/loans", {"q": "{loan_id}"}),
    ("loans: sort current_dpd desc", "/loans", {"sort": "current_dpd", "order": "desc"}),
    ("loans: sort principal_outstanding desc", "/loans",
     {"sort": "principal_outstanding", "order": "desc"}),
    ("loans: sort disbursement_date desc", "/loans",
     {"sort": "disbursement_date", "order": "desc"}),
    ("loans: sort repayment_health asc", "/loans", {"sort": "repayment_health"}),
    ("loans: officer, sort current_dpd desc", "/loans",
     {"officer_id": "{officer}", "sort": "current_dpd", "order": "desc"}),
    ("metrics/portfolio", "/metrics/portfolio", {}),
    ("metrics/portfolio by branch", "/metrics/portfolio", {"group_by": "branch"}),
]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = book_options(__doc__, loans=1_000_000, repayments=5)
    p.add_argument("--requests", type=int, default=40,
                   help="Requests per case and concurrency (default 40).")
    p.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (1).")
    p.add_argument("--reuse", metavar="NAME", help="Time this existing bench database.")
    args = p.parse_args(argv)
    if args.loans < 1 or args.requests < 1 or args.workers < 1:
        p.error("--loans, --requests and --workers must be at least 1")
    return args


def sample_values(url: str) -> dict[str, str]:
    """Real values of the book for the filters (the busiest officer, branch, ...)."""
    import psycopg

    def top(conn: psycopg.Connection, column: str) -> str:
        row = conn.execute(sql.SQL("SELECT {c} FROM loans WHERE {c} IS NOT NULL GROUP BY {c} "
                                   "ORDER BY count(*) DESC LIMIT 1").format(
            c=sql.Identifier(column))).fetchone()
        return str(row[0]) if row else "none"

    with psycopg.connect(url) as conn:
        values = {k: top(conn, c) for k, c in (
            ("officer", "officer_id"), ("branch", "branch"), ("region", "region"),
            ("vertical_lead", "vertical_lead_email"), ("supervisor", "supervisor_email"),
            ("product", "product"), ("channel", "channel"))}
        row = conn.execute("SELECT max(disbursement_date), max(loan_id) FROM loans").fetchone()
    assert row is not None
    last = row[0]
    values["month_start"] = last.replace(day=1).isoformat()
    values["month_end"] = last.isoformat()
    values["loan_id"] = str(row[1])
    return values


def manager_token(url: str) -> str:
    from astrofinance.auth.context import act_as
    from astrofinance.auth.tokens import create_api_token

    db = Database(url)
    with db.begin() as conn:
        act_as(conn, "bench")
        token = create_api_token(conn, name=f"bench {time.time_ns()}", created_by="bench",
                                 role="manager").token
    db.dispose()
    return token


def start_server(url: str, workers: int) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": url, "ASTROFINANCE_API_MAX_PAGE_SIZE": "500"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "astrofinance.api.server:app", "--host", "127.0.0.1",
         "--port", str(port), "--workers", str(workers), "--log-level", "warning",
         "--no-access-log"], env=env)
    base = f"http://127.0.0.1:{port}/api/v1"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/health", timeout=2).status_code == 200:
                return proc, base
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("the API server did not start")


def measure(base: str, token: str, path: str, params: dict[str, object], clients: int,
            requests: int, bump_url: str | None = None) -> list[float]:
    """Latencies (ms) of `requests` requests per client, from `clients` threads at once.

    A loans list request asks for page 1..5 in turn (pages are never cached). With
    `bump_url`, the data version is moved on before each request, so the cached total and
    summary (api/cache.py) are recomputed every time: the cold figure."""
    import psycopg

    latencies: list[float] = []
    lock = threading.Lock()
    failures: list[str] = []
    paged = path == "/loans"

    def worker() -> None:
        bump = psycopg.connect(bump_url, autocommit=True) if bump_url else None
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"},
                          timeout=120) as c:
            c.get(path, params=params)   # warm the connection
            for i in range(requests):
                query = {**params, "page": 1 + i % 5} if paged else params
                if bump is not None:
                    bump.execute("SELECT nextval('data_version')")
                started = time.perf_counter()
                r = c.get(path, params=query)
                took = (time.perf_counter() - started) * 1000
                if r.status_code != 200:
                    failures.append(f"{r.status_code} {r.text[:200]}")
                with lock:
                    latencies.append(took)
        if bump is not None:
            bump.close()

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise SystemExit(f"{path} {params}: {failures[0]}")
    return latencies


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def run_cases(base: str, token: str, values: dict[str, str], requests: int,
              url: str) -> None:
    print(f"\n{'case':<42}{'clients':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
          f"{'p95/baseline':>14}{'cold p50':>10}{'cold p95':>10}")
    baseline: dict[int, float] = {}
    worst: dict[tuple[str, int], float] = {}
    cold_runs = max(5, requests // 4)
    for label, path, raw in CASES:
        params = {k: (str(v).format(**values) if isinstance(v, str) else v)
                  for k, v in raw.items()}
        for clients in (1, 8):
            lat = measure(base, token, path, params, clients, requests)
            p50, p95, p99 = pct(lat, 50), pct(lat, 95), pct(lat, 99)
            cold = ""
            if path == "/health":
                baseline[clients] = p95
            elif clients == 1:
                c = measure(base, token, path, params, 1, cold_runs, bump_url=url)
                cold = f"{pct(c, 50):>10.1f}{pct(c, 95):>10.1f}"
            kind = "portfolio" if path.startswith("/metrics") else "loans"
            if path != "/health":
                worst[(kind, clients)] = max(worst.get((kind, clients), 0.0), p95)
            print(f"{label:<42}{clients:>8}{p50:>9.1f}{p95:>9.1f}{p99:>9.1f}"
                  f"{p95 / baseline[clients]:>13.1f}x{cold}", flush=True)
    print("\ncold: one client, the data version moved before each request, so the total and"
          " summary\n(or the portfolio metrics) are computed afresh, as after any write.")
    print("\ntargets (issue 5, at 1,000,000 loans, 8 clients):")
    for kind, target in (("loans", 50.0), ("portfolio", 300.0)):
        p95 = worst[(kind, 8)]
        name = "loans list" if kind == "loans" else "metrics/portfolio"
        print(f"  {name} p95 < {target:.0f} ms: worst case {p95:.1f} ms "
              f"{'met' if p95 < target else 'NOT met'}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    server = server_url(args)
    name = args.reuse or f"af_bench_{os.getpid()}"
    url = with_database(server, name)
    if not args.reuse:
        admin(server, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        print(f"bench database {name}: {args.loans:,} loans, about "
              f"{args.repayments_per_loan} repayments each")
    proc = None
    try:
        if not args.reuse:
            build(url, args)
            took, total, _, _ = time_recalculation(url, args.as_of)
            print(f"  recalculation ({total:,} loans)           {took:8.1f} s")
        size = sizes(url)
        print(f"book: {size['loans']:,} loans, {size['repayments']:,} repayments")
        values = sample_values(url)
        token = manager_token(url)
        proc, base = start_server(url, args.workers)
        print(f"API: {base} ({args.workers} worker(s)); {args.requests} requests per client "
              "per case")
        run_cases(base, token, values, args.requests, url)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(30)
        again = (f"   (time it again: bench/api.py --reuse {name}"
                 + (f" --data-dir {args.data_dir}" if not args.database_url else "") + ")")
        keep_or_drop(args, server, name, url, keep=args.keep or args.reuse, again=again)
    return 0


if __name__ == "__main__":
    sys.exit(main())
