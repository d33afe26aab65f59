"""Test harness: a real PostgreSQL, a fresh database per test cloned from a migrated template.

By default the server is the embedded pgserver one (data dir under /tmp, short socket path);
TEST_DATABASE_URL points the suite at another server (databases are created there).
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from sqlalchemy import create_engine, text

from astrofinance.config import Settings, reset_settings
from astrofinance.db.engine import Database, set_database, sqlalchemy_url
from astrofinance.db.migrate import apply_settings, upgrade

ROOT = Path(__file__).resolve().parents[1]

for var in ("DATABASE_URL", "DB_HOST", "DB_NAME", "ASTROFINANCE_DATA_DIR"):
    os.environ.pop(var, None)
os.environ["ASTROFINANCE_PROFILE"] = "test"
os.environ.pop("ASTROFINANCE_WORK_WEEK", None)
os.environ.pop("ASTROFINANCE_FIMR_GRACE_DAYS", None)


# Every database a run makes is named af_<kind>_<host>_<pid>_...: at the start of a session
# the ones of this host whose process is gone (a run killed with SIGKILL drops nothing) are
# dropped. Other hosts' databases on a shared server are never touched.
HOST = hashlib.sha1(socket.gethostname().encode()).hexdigest()[:6]
RUN = f"{HOST}_{os.getpid()}"
_OURS = re.compile(rf"^af_[a-z]+_{HOST}_(\d+)(_|$)")


def fresh_database_name(kind: str) -> str:
    """A new database name for this run: af_<kind>_<host>_<pid>_<random>."""
    return f"af_{kind}_{RUN}_{uuid.uuid4().hex[:8]}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:     # another user's process: alive
        pass
    return True


def _drop_left_over_databases(url: str) -> None:
    """Drop the databases of this host's test runs whose process has ended."""
    admin = _admin(url)
    with admin.connect() as c:
        for (name,) in c.execute(text("SELECT datname FROM pg_database WHERE datname LIKE "
                                      "'af\\_%' ORDER BY datname")).all():
            found = _OURS.match(name)
            if found and not _alive(int(found.group(1))):
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def _test_data_dir() -> Path:
    digest = hashlib.sha1(str(ROOT).encode()).hexdigest()[:8]
    return Path("/tmp") / f"af-test-{digest}"


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    """URL of a maintenance database on the test server."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        _drop_left_over_databases(url)
        yield url
        return
    from astrofinance.db import embedded

    server = embedded.start(_test_data_dir(), keep_running=False)
    _drop_left_over_databases(server.get_uri("postgres"))
    yield server.get_uri("postgres")
    server.cleanup()


def _admin(url: str):
    return create_engine(sqlalchemy_url(url), isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def template_db(pg_server_url: str) -> Iterator[str]:
    name = f"af_tpl_{RUN}"
    admin = _admin(pg_server_url)
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        c.execute(text(f'CREATE DATABASE "{name}"'))
    db = Database(_with_database(pg_server_url, name))
    upgrade(db)
    apply_settings(db, Settings())
    db.dispose()
    with admin.connect() as c:
        c.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false'))
    yield name
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture(scope="session")
def _used_databases(pg_server_url: str) -> Iterator[list[str]]:
    """Per-test databases, dropped together at the end (a DROP costs more than a CREATE)."""
    names: list[str] = []
    yield names
    admin = _admin(pg_server_url)
    with admin.connect() as c:
        for name in names:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@contextmanager
def cloned_database(pg_server_url: str, template: str,
                    used: list[str]) -> Iterator[Database]:
    """A fresh database copied from `template`, selected as the process's database."""
    name = fresh_database_name("t")
    admin = _admin(pg_server_url)
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    admin.dispose()
    used.append(name)
    database = Database(_with_database(pg_server_url, name))
    set_database(database)
    reset_settings()
    try:
        yield database
    finally:
        set_database(None)
        database.dispose()


@pytest.fixture
def db(pg_server_url: str, template_db: str, _used_databases: list[str]) -> Iterator[Database]:
    """A fresh, migrated database for one test, selected as the process's database."""
    with cloned_database(pg_server_url, template_db, _used_databases) as database:
        yield database


@pytest.fixture
def db_url(db: Database) -> str:
    """The per-test database's URL in libpq form (for subprocesses and psql)."""
    return db.url


@pytest.fixture
def cli_as_it_admin(monkeypatch):
    """CLI commands in the test act as the user it-admin (ASTROFINANCE_USER)."""
    from astrofinance.config import reset_settings

    monkeypatch.setenv("ASTROFINANCE_USER", "it-admin")
    reset_settings()
    yield
    reset_settings()
