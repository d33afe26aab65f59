"""Engine and the one transaction scope.

`session_scope()` is the only place that commits: services flush, never commit.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import Connection, Engine, create_engine, text

from astrofinance.config import Settings, get_settings
from astrofinance.errors import ConfigurationError


def sqlalchemy_url(url: str) -> str:
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    if not url.startswith("postgresql+psycopg://"):
        raise ConfigurationError(f"not a PostgreSQL URL: {redact(url)}")
    return url


def redact(url: str) -> str:
    """The URL with any password replaced by ***."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(":" + parts.password + "@", ":***@")
        return parts._replace(netloc=netloc).geturl()
    return url


def libpq_url(url: str) -> str:
    """A URL psql and pg_dump accept."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@dataclass
class Database:
    url: str
    embedded: bool = False
    engine: Engine = field(init=False)

    def __post_init__(self) -> None:
        # hide_parameters: customers' names and phones never reach a log or an error message
        settings = _settings_or_defaults()
        self.engine = create_engine(sqlalchemy_url(self.url), pool_pre_ping=True, future=True,
                                    hide_parameters=True, pool_size=settings.db_pool_size)
        from astrofinance.ops.monitoring import QueryLogging, install_query_logging

        install_query_logging(self.engine, QueryLogging.from_settings(settings))

    @contextlib.contextmanager
    def begin(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn

    def describe(self) -> str:
        if self.embedded:
            host = parse_qs(urlsplit(self.url).query).get("host", ["?"])[0]
            return f"embedded PostgreSQL (socket dir {host})"
        return redact(self.url)

    def dispose(self) -> None:
        self.engine.dispose()


def _settings_or_defaults() -> Settings:
    """The settings (pool size, query logging); their defaults when the configuration is
    invalid (the command reports that itself when it reads them)."""
    try:
        return get_settings()
    except ConfigurationError:
        return Settings.model_construct()


_current: Database | None = None


def get_database(settings: Settings | None = None, *, migrate: bool = True) -> Database:
    """The configured database, started (embedded) and migrated on first use."""
    global _current
    if _current is not None:
        return _current
    settings = settings or get_settings()
    url = settings.resolved_database_url()
    embedded = url is None
    if embedded:
        from astrofinance.db import embedded as emb

        server = emb.start(settings.data_dir)
        url = emb.url(server)
    assert url is not None
    db = Database(url, embedded=embedded)
    try:
        with db.begin() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as e:
        raise ConfigurationError(
            f"cannot connect to {db.describe()}: {str(e).splitlines()[0]}"
        ) from None
    if migrate:
        from astrofinance.db.migrate import ensure_schema

        ensure_schema(db, settings)
    _current = db
    return db


def set_database(db: Database | None) -> None:
    """Select the database for this process (tests, --database-url)."""
    global _current
    _current = db


@contextlib.contextmanager
def session_scope(db: Database | None = None) -> Iterator[Connection]:
    """One transaction: commit on success, roll back on any error."""
    db = db or get_database()
    with db.begin() as conn:
        yield conn
