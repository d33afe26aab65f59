"""Monitoring: slow-query and query logging on a real engine, JSON log lines with the request
id, and /metrics over real HTTP (histogram, loans by CBN class, sync lag, protection)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import secrets
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import text

from astrofinance.config import Settings, get_settings, reset_settings
from astrofinance.db import Database, session_scope
from astrofinance.metrics.portfolio_result import CBN_CLASSES
from astrofinance.metrics.service import recalculate
from astrofinance.ops import monitoring
from astrofinance.portfolio.seed import seed_portfolio
from tests.api.live import Api, serve

AS_OF = dt.date(2025, 6, 30)
SECRET = f"Adaeze-{secrets.randbelow(10**11):011d}"   # a made-up parameter, per run


@pytest.fixture
def engine_with(db: Database, monkeypatch) -> Iterator:
    """A new Database over the test's database, built after setting the given variables."""
    made: list[Database] = []

    def make(**env: str) -> Database:
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        reset_settings()
        made.append(Database(db.url))
        return made[-1]

    yield make
    for d in made:
        d.dispose()
    reset_settings()


def _sql_records(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "astrofinance.sql"]


def test_a_query_slower_than_the_threshold_is_a_warning_with_no_parameters(engine_with,
                                                                            caplog) -> None:
    slow = engine_with(ASTROFINANCE_SLOW_QUERY_MS="10")
    caplog.set_level(logging.INFO, logger="astrofinance.sql")
    with slow.begin() as conn:
        conn.execute(text("SELECT 1"))
        conn.execute(text("SELECT pg_sleep(0.05), CAST(:who AS text)"), {"who": SECRET})
    (record,) = _sql_records(caplog)          # the fast one is not logged
    assert record.levelno == logging.WARNING
    message = record.getMessage()
    assert "slow query" in message and "pg_sleep(0.05)" in message
    ms = float(re.search(r"\((\d+) ms", message).group(1))
    assert ms >= 50
    assert SECRET not in message


def test_the_seed_variable_name_sets_the_threshold(monkeypatch) -> None:
    monkeypatch.setenv("SLOW_QUERY_THRESHOLD", "250")
    assert Settings().slow_query_ms == 250
    monkeypatch.setenv("ASTROFINANCE_SLOW_QUERY_MS", "40")
    assert Settings().slow_query_ms == 40


def test_log_queries_logs_statements_and_parameters_only_when_asked(engine_with,
                                                                     caplog) -> None:
    caplog.set_level(logging.INFO, logger="astrofinance.sql")
    plain = engine_with(ASTROFINANCE_LOG_QUERIES="true")
    with plain.begin() as conn:
        conn.execute(text("SELECT count(*) FROM loans WHERE loan_id = :id"), {"id": SECRET})
    lines = [r.getMessage() for r in _sql_records(caplog)
             if "FROM loans WHERE loan_id" in r.getMessage()]
    assert len(lines) == 1 and SECRET not in lines[0]
    caplog.clear()
    with_params = engine_with(ASTROFINANCE_LOG_QUERY_PARAMS="true")
    with with_params.begin() as conn:
        conn.execute(text("SELECT count(*) FROM loans WHERE loan_id = :id"), {"id": SECRET})
    lines = [r.getMessage() for r in _sql_records(caplog)
             if "FROM loans WHERE loan_id" in r.getMessage()]
    assert len(lines) == 1 and SECRET in lines[0]
    caplog.clear()
    quiet = engine_with(ASTROFINANCE_LOG_QUERIES="false", ASTROFINANCE_SLOW_QUERY_MS="0")
    with quiet.begin() as conn:
        conn.execute(text("SELECT pg_sleep(0.02)"))
    assert _sql_records(caplog) == []


def test_json_log_lines_parse_and_carry_the_request_id(db: Database, monkeypatch,
                                                       capsys) -> None:
    from astrofinance.api.app import configure_logging

    monkeypatch.setenv("ASTROFINANCE_LOG_FORMAT", "json")
    reset_settings()
    root = logging.getLogger()
    level = root.level
    try:
        configure_logging("info")
        capsys.readouterr()
        with serve(db) as url, httpx.Client(base_url=url) as client:
            r = client.get("/api/v1/health", headers={"X-Request-ID": "req-json-1"})
            assert r.status_code == 200
            client.get("/api/v1/loans")                     # 401, a request id of its own
        err = capsys.readouterr().err
    finally:
        for h in list(root.handlers):
            if getattr(h, "_astrofinance", False):
                root.removeHandler(h)
        root.setLevel(level)
    objects = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    access = [o for o in objects if o["logger"] == "astrofinance.api"]
    assert len(access) == 2
    first = access[0]
    assert set(first) >= {"time", "level", "logger", "message", "request_id"}
    assert first["request_id"] == "req-json-1" and first["level"] == "INFO"
    assert "/api/v1/health 200" in first["message"]
    assert dt.datetime.fromisoformat(first["time"]).tzinfo is not None
    assert access[1]["request_id"] not in ("", "req-json-1")


def _samples(body: str) -> dict[tuple[str, frozenset], float]:
    out = {}
    for line in body.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.fullmatch(r"([a-z_]+)(?:\{(.*)\})? (\S+)", line)
        assert m, line
        labels = frozenset(re.findall(r'([a-z_]+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
        out[(m.group(1), labels)] = float(m.group(3))
    return out


def test_metrics_over_http(db: Database) -> None:
    seed_portfolio(db, loans=150, seed=11, as_of=AS_OF)
    with session_scope(db) as conn:
        recalculate(conn, AS_OF)
        conn.execute(text(
            "INSERT INTO sync_tracking (entity, last_sync_at, rows_synced, last_status) "
            "VALUES ('loans', now() - interval '90 seconds', 10, 'sync-incremental run 1')"))
        conn.execute(text(
            "INSERT INTO sync_runs (command, source, status, started_at, finished_at) VALUES "
            "('sync-incremental', 'test', 'succeeded', now() - interval '70 seconds', "
            " now() - interval '60 seconds'), "
            "('sync-incremental', 'test', 'failed', now(), now())"))
        conn.execute(text(
            "INSERT INTO job_runs (job, scheduled_for, attempt, status, started_at, finished_at, "
            "error, host, pid) VALUES "
            "('backup', now() - interval '1 hour', 1, 'failed', now() - interval '50 minutes', "
            " now() - interval '49 minutes', 'disk full', 'h', 1), "
            "('backup', now() - interval '1 hour', 2, 'succeeded', "
            " now() - interval '45 minutes', now() - interval '40 minutes', NULL, 'h', 1)"))
        rows = conn.execute(text(
            "SELECT current_dpd FROM loans WHERE fields_as_of IS NOT NULL AND "
            "loan_on_books(status, disbursement_date, closed_on, written_off_on, "
            "fields_as_of)")).scalars().all()
        recalcs = conn.execute(text("SELECT count(*) FROM recalculation_runs")).scalar_one()
    expected = {c.key: sum(1 for d in rows if d >= c.min_dpd
                           and (c.max_dpd is None or d <= c.max_dpd)) for c in CBN_CLASSES}
    assert sum(1 for n in expected.values() if n) >= 2      # a book with several classes
    monitoring.REQUESTS.clear()
    with serve(db) as url, httpx.Client(base_url=url) as client:
        for _ in range(3):
            assert client.get("/api/v1/health").status_code == 200
        assert client.get("/api/v1/loans/L-NOPE").status_code == 401
        r = client.get("/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
    s = _samples(r.text)
    health = frozenset({("method", "GET"), ("route", "/api/v1/health"), ("status", "200")})
    assert s[("astrofinance_http_request_duration_seconds_count", health)] == 3
    assert s[("astrofinance_http_request_duration_seconds_bucket",
              health | {("le", "+Inf")})] == 3
    assert s[("astrofinance_http_request_duration_seconds_sum", health)] > 0
    templated = frozenset({("method", "GET"), ("route", "/api/v1/loans/{loan_id}"),
                           ("status", "401")})
    assert s[("astrofinance_http_request_duration_seconds_count", templated)] == 1
    for c in CBN_CLASSES:
        assert s[("astrofinance_loans_by_dpd_class", frozenset({("class", c.key)}))] \
            == expected[c.key]
    lag = s[("astrofinance_sync_lag_seconds", frozenset({("entity", "loans")}))]
    assert 90 <= lag < 600
    assert s[("astrofinance_sync_runs", frozenset({("command", "sync-incremental"),
                                                   ("status", "failed")}))] == 1
    age = s[("astrofinance_sync_last_success_age_seconds",
              frozenset({("command", "sync-incremental")}))]
    assert 60 <= age < 600
    for status in ("failed", "succeeded"):
        assert s[("astrofinance_job_runs", frozenset({("job", "backup"),
                                                      ("status", status)}))] == 1
    job_age = s[("astrofinance_job_last_success_age_seconds", frozenset({("job", "backup")}))]
    assert 40 * 60 <= job_age < 50 * 60
    assert recalcs >= 1 and s[("astrofinance_recalculation_runs", frozenset())] == recalcs
    assert s[("astrofinance_recalculation_last_loans", frozenset())] > 0
    assert s[("astrofinance_database_up", frozenset())] == 1


def test_metrics_are_protected(db: Database) -> None:
    api = Api("", db)
    default = get_settings()
    with serve(db) as url, httpx.Client(base_url=url) as client:    # 127.0.0.1 is allowed
        assert client.get("/metrics").status_code == 200
        schema = client.get("/openapi.json").json()
        assert "/metrics" not in schema["paths"]
    elsewhere = default.model_copy(update={"metrics_allow": "203.0.113.9"})
    with serve(db, elsewhere) as url:
        api.base_url = url
        viewer, admin = api.token("viewer"), api.token("admin")
        with httpx.Client(base_url=url) as client:
            r = client.get("/metrics")
            assert r.status_code == 401 and "astrofinance_" not in r.text
            assert client.get("/metrics", headers={"Authorization": "Bearer af_nope"}
                              ).status_code == 401
            r = client.get("/metrics", headers={"Authorization": f"Bearer {viewer}"})
            assert r.status_code == 403 and "audit.read" in r.text
            r = client.get("/metrics", headers={"Authorization": f"Bearer {admin}"})
            assert r.status_code == 200 and "astrofinance_loans_by_dpd_class" in r.text
