"""Reference source databases (the earlier system's Django Ajo schema) on the test server.

`source_url`: a generated book (SOURCE_LOANS loans, seed SOURCE_SEED, as of SOURCE_AS_OF);
`empty_source_url`: the schema without rows. Each is built once per session as a template
database and cloned for every test (CREATE DATABASE ... TEMPLATE), so a test may insert, update
and delete source rows freely. The clones are dropped at the end of the session.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import psycopg
import pytest

from astrofinance.sync.reference import (
    create_database,
    create_reference_schema,
    create_reference_source,
    default_as_of,
    drop_database,
)
from tests.conftest import fresh_database_name

SOURCE_LOANS = 300
SOURCE_SEED = 7
SOURCE_AS_OF = default_as_of()  # yesterday in Lagos: every source timestamp is in the past


def _template(server_url: str, prefix: str, fill: Callable[[str], object]) -> Iterator[str]:
    """A database filled by `fill(url)`, closed to connections (a template) for the session."""
    name = fresh_database_name(prefix)
    fill(create_database(server_url, name))
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
    yield name
    drop_database(server_url, name)


@pytest.fixture(scope="session")
def source_template(pg_server_url: str) -> Iterator[str]:
    """A template database holding the generated reference book."""
    yield from _template(pg_server_url, "srctpl", lambda url: create_reference_source(
        url, loans=SOURCE_LOANS, seed=SOURCE_SEED, as_of=SOURCE_AS_OF))


@pytest.fixture(scope="session")
def empty_source_template(pg_server_url: str) -> Iterator[str]:
    """A template database holding the reference schema without rows."""
    yield from _template(pg_server_url, "srcempty", create_reference_schema)


def new_source(server_url: str, used: list[str], template: str | None = None) -> str:
    """A new database on the test server (a copy of `template`), dropped after the session."""
    name = fresh_database_name("src")
    used.append(name)
    return create_database(server_url, name, template=template)


@pytest.fixture
def source_url(pg_server_url: str, source_template: str, _used_databases: list[str]) -> str:
    """The libpq URL of this test's own copy of the generated reference source."""
    return new_source(pg_server_url, _used_databases, source_template)


@pytest.fixture
def empty_source_url(pg_server_url: str, empty_source_template: str,
                     _used_databases: list[str]) -> str:
    """The libpq URL of this test's own empty reference source (the schema, no rows)."""
    return new_source(pg_server_url, _used_databases, empty_source_template)
