"""Monitoring: slow-query and query logging, structured JSON logs, and the Prometheus metrics
served at /metrics (docs/operations.md, "Monitoring").

The request-latency histogram lives in this process: with `serve --workers N` each worker
keeps its own counts and a scrape sees the worker that answered it (the database metrics are
the same from every worker).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import math
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, event, text

from astrofinance import __version__
from astrofinance.kit.sql import load_sql

SQL_LOG = logging.getLogger("astrofinance.sql")
REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "astrofinance_request_id", default=None)
"""The id of the HTTP request being served (set by the API's request middleware)."""

LOG_FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


# ---- structured logs ----------------------------------------------------------------------

class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, request_id
    (when the line was written while serving a request) and exception (with a traceback)."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", None) or REQUEST_ID.get()
        if rid:
            out["request_id"] = rid
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def log_handler(log_format: str, stream: Any = None) -> logging.Handler:
    """A stream handler (stderr by default) writing text or JSON lines."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if log_format == "json"
                         else logging.Formatter(TEXT_FORMAT))
    return handler


def configure(level: str, log_format: str = "text") -> None:
    """The root logger writes `level` and above to stderr as text or JSON lines (replacing
    handlers an earlier call installed)."""
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, "_astrofinance", False):
            root.removeHandler(h)
    handler = log_handler(log_format)
    handler._astrofinance = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper())


def log_format() -> str:
    """ASTROFINANCE_LOG_FORMAT from the settings (text when they cannot be read)."""
    from astrofinance.config import get_settings
    from astrofinance.errors import ConfigurationError

    try:
        return get_settings().log_format
    except ConfigurationError:
        return "text"


def configure_cli() -> None:
    """Logging for a CLI command: with JSON logs or query logging on, WARNING (INFO when
    logging queries) and above to stderr in the configured format; otherwise Python's
    default (warnings, such as slow queries, as plain lines on stderr)."""
    from astrofinance.config import get_settings

    settings = get_settings()   # ConfigurationError: the CLI shows it (cli/config.startup)
    queries = settings.monitoring_enabled and settings.log_queries
    if settings.log_format == "json" or queries:
        configure("INFO" if queries else "WARNING", settings.log_format)
        if queries:   # INFO only for the SQL lines, not every library's chatter
            logging.getLogger().setLevel("WARNING")
            SQL_LOG.setLevel("INFO")


# ---- slow queries and query logging -------------------------------------------------------

@dataclass(frozen=True)
class QueryLogging:
    """What the engine logs: statements slower than `slow_ms` at WARNING (0: none); every
    statement at INFO when `log_queries`, with its parameters only when `log_params`."""

    slow_ms: int = 1000
    log_queries: bool = False
    log_params: bool = False

    @classmethod
    def from_settings(cls, settings: Any) -> QueryLogging:
        if not settings.monitoring_enabled:
            return cls(0, False, False)
        return cls(settings.slow_query_ms, settings.log_queries, settings.log_query_params)


def install_query_logging(engine: Engine, config: QueryLogging) -> None:
    """Time each statement run through `engine` (SQLAlchemy cursor events) and log it as
    `config` says. Statements run straight on the psycopg connection (COPY, bulk loads) are not
    seen: PostgreSQL's log_min_duration_statement covers those."""
    if not config.slow_ms and not config.log_queries:
        return

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn, cursor, statement, parameters, context, executemany):
        conn.info.setdefault("af_query_started", []).append(time.perf_counter())

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn, cursor, statement, parameters, context, executemany):
        stack = conn.info.get("af_query_started")
        if not stack:
            return
        ms = (time.perf_counter() - stack.pop()) * 1000
        _log_statement(config, statement, parameters, ms)

    @event.listens_for(engine, "handle_error")
    def _error(context):
        stack = context.connection.info.get("af_query_started") if context.connection else None
        if stack:
            stack.pop()


def _log_statement(config: QueryLogging, statement: str, parameters: Any, ms: float) -> None:
    sql = " ".join(statement.split())
    if config.slow_ms and ms >= config.slow_ms:
        SQL_LOG.warning("slow query (%.0f ms, threshold %d ms): %s", ms, config.slow_ms, sql)
    elif config.log_queries:
        if config.log_params:
            SQL_LOG.info("query (%.1f ms): %s parameters=%r", ms, sql, parameters)
        else:
            SQL_LOG.info("query (%.1f ms): %s", ms, sql)


# ---- the request-latency histogram --------------------------------------------------------

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


@dataclass
class _Series:
    counts: list[int] = field(default_factory=lambda: [0] * len(BUCKETS))
    total: int = 0
    seconds: float = 0.0


class RequestHistogram:
    """Request durations by method, route template and status (this process only)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._series: dict[tuple[str, str, str], _Series] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, str(status))
        with self._lock:
            s = self._series.get(key)
            if s is None:
                s = self._series[key] = _Series()
            for i, bound in enumerate(BUCKETS):
                if seconds <= bound:
                    s.counts[i] += 1
            s.total += 1
            s.seconds += seconds

    def lines(self) -> Iterator[str]:
        name = "astrofinance_http_request_duration_seconds"
        yield f"# HELP {name} Time to answer HTTP requests (this process), by route template."
        yield f"# TYPE {name} histogram"
        with self._lock:
            series = sorted((k, _Series(list(v.counts), v.total, v.seconds))
                            for k, v in self._series.items())
        for (method, route, status), s in series:
            base = {"method": method, "route": route, "status": status}
            for bound, count in zip(BUCKETS, s.counts, strict=True):
                yield _sample(f"{name}_bucket", {**base, "le": _number(bound)}, count)
            yield _sample(f"{name}_bucket", {**base, "le": "+Inf"}, s.total)
            yield _sample(f"{name}_sum", base, s.seconds)
            yield _sample(f"{name}_count", base, s.total)

    def clear(self) -> None:
        with self._lock:
            self._series.clear()


REQUESTS = RequestHistogram()


def observe_request(request: Any, status: int, seconds: float) -> None:
    """Count one answered request under its route's template (/api/v1/loans/{loan_id}, never
    the id itself, so the series stay few); requests no route matched count as `unmatched`."""
    REQUESTS.observe(request.method, route_template(request.scope), status, seconds)


def route_template(scope: dict[str, Any]) -> str:
    """The matched route's path template with the prefix it was included under: the route in
    the scope is the router's own (/loans/{loan_id}); the prefix is what the request's path
    has before that template filled in with the path parameters."""
    route = scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    if not template:
        return "unmatched"
    params = scope.get("path_params") or {}
    try:
        concrete = template.format(**{k: str(v) for k, v in params.items()})
    except (KeyError, IndexError, ValueError):
        return template
    path = scope.get("path", "")
    if concrete and path.endswith(concrete):
        return path[: len(path) - len(concrete)] + template
    return template


# ---- the exposition -----------------------------------------------------------------------

def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float | int | Decimal) -> str:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float):
        if math.isinf(value):
            return "+Inf" if value > 0 else "-Inf"
        return repr(value)
    return str(value)


def _sample(name: str, labels: dict[str, str], value: float | int | Decimal) -> str:
    if labels:
        inner = ",".join(f'{k}="{_escape(str(v))}"' for k, v in labels.items())
        return f"{name}{{{inner}}} {_number(value)}"
    return f"{name} {_number(value)}"


def _family(name: str, kind: str, help_text: str,
            samples: Iterable[tuple[dict[str, str], float | int | Decimal]]) -> list[str]:
    return [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}",
            *(_sample(name, labels, value) for labels, value in samples)]


def _q(conn: Connection, name: str) -> list[Any]:
    return list(conn.execute(text(load_sql("astrofinance.ops", f"monitoring_{name}"))))


def _outcomes(kind: str, key: str, rows: list[Any], runs_help: str,
              newest_help: str) -> list[str]:
    """astrofinance_<kind>_runs by key and outcome, and astrofinance_<kind>_last_success_age_
    seconds by key, from rows (key, status, runs, success_age)."""
    out = _family(f"astrofinance_{kind}_runs", "gauge", f"{runs_help} by {key} and outcome.",
                  (({key: getattr(r, key), "status": r.status}, r.runs) for r in rows))
    out += _family(f"astrofinance_{kind}_last_success_age_seconds", "gauge",
                   f"Seconds since {newest_help} finished.",
                   (({key: getattr(r, key)}, r.success_age) for r in rows
                    if r.success_age is not None))
    return out


def database_lines(conn: Connection) -> list[str]:
    """The metrics read from the database: loans by CBN class, sync lag and outcomes,
    scheduled jobs' outcomes, recalculation runs."""
    dpd = _q(conn, "loans_by_dpd")
    lag = _q(conn, "sync_lag")
    runs = _q(conn, "sync_runs")
    jobs = _q(conn, "job_runs")
    (recalc,) = _q(conn, "recalculation")
    out = _family("astrofinance_loans_by_dpd_class", "gauge",
                  "Loans on the books by CBN class of their stored days past due.",
                  (({"class": r.class_key}, r.loans) for r in dpd))
    out += _family("astrofinance_principal_outstanding_by_dpd_class", "gauge",
                   "Principal outstanding (currency units) by CBN class.",
                   (({"class": r.class_key}, r.principal_outstanding) for r in dpd))
    out += _family("astrofinance_sync_lag_seconds", "gauge",
                   "Seconds since each entity was last synced (sync_tracking).",
                   (({"entity": r.entity}, r.lag_seconds) for r in lag))
    out += _outcomes("sync", "command", runs, "Sync runs recorded (sync_runs)",
                     "each sync command's newest successful run")
    out += _outcomes("job", "job", jobs, "Scheduled jobs' attempts recorded (job_runs)",
                     "each scheduled job's newest successful attempt")
    out += _family("astrofinance_recalculation_runs", "gauge",
                   "Recalculation runs recorded (recalculation_runs).", [({}, recalc.runs)])
    out += _family("astrofinance_recalculation_seconds_total", "gauge",
                   "Total time of the recorded recalculation runs.",
                   [({}, recalc.total_ms / 1000)])
    if recalc.runs:
        out += _family("astrofinance_recalculation_last_duration_seconds", "gauge",
                       "Duration of the newest recalculation run.",
                       [({}, (recalc.last_ms or 0) / 1000)])
        out += _family("astrofinance_recalculation_last_loans", "gauge",
                       "Loans the newest recalculation run processed.",
                       [({}, recalc.last_loans or 0)])
        out += _family("astrofinance_recalculation_last_age_seconds", "gauge",
                       "Seconds since the newest recalculation run started.",
                       [({}, recalc.last_age)])
    return out


def render(db: Any) -> str:
    """The Prometheus text exposition (format 0.0.4) of this process and the database.
    When the database cannot be read, astrofinance_database_up is 0 and the rest still shows."""
    lines = _family("astrofinance_info", "gauge", "The running version.",
                    [({"version": __version__}, 1)])
    lines += list(REQUESTS.lines())
    try:
        with db.begin() as conn:
            db_lines = database_lines(conn)
        up = 1
    except Exception:
        logging.getLogger("astrofinance.monitoring").exception("metrics: database not read")
        db_lines, up = [], 0
    lines += _family("astrofinance_database_up", "gauge",
                     "1 when the database metrics could be read.", [({}, up)])
    lines += db_lines
    return "\n".join(lines) + "\n"
