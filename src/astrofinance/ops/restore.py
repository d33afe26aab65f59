"""Restore a backup (ops/backup.py) into the configured database, safely.

The checksum is verified and the archive listed before anything is touched; a database that
holds data (a public table with rows, or an alembic_version) is only replaced with `reset`;
pg_restore runs in one transaction and stops at the first error, so a failed restore leaves
the database as it was (an empty one empty, a reset one reset).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from astrofinance.errors import Conflict, NotFound
from astrofinance.ops.backup import (
    BackupError,
    Progress,
    Target,
    _quiet,
    archive_tables,
    checksum_path,
    checksum_status,
    connect,
    run_tool,
    target,
    tool,
)

VIEW_DATA = re.compile(r"^\d+; \d+ \d+ MATERIALIZED VIEW DATA public (?P<name>\S+) ")
MAIN_TABLES = ("loans", "repayments", "customers", "officers", "users", "audit_logs")


@dataclass(frozen=True)
class Restored:
    """What a restore left: the database's tables, the main tables' rows, schema versions."""

    path: Path
    database: str
    tables: int
    rows: dict[str, int]
    schema_version: str | None
    code_version: str

    @property
    def current(self) -> bool:
        return self.schema_version == self.code_version


def check_file(path: Path) -> list[str]:
    """Refuse a missing, unverifiable, corrupted or truncated backup; its tables otherwise."""
    if not path.is_file():
        raise NotFound(f"no backup file {path}")
    status = checksum_status(path)
    if status == "missing":
        raise BackupError(
            f"{path.name} has no checksum file ({checksum_path(path).name}): it cannot be "
            "verified. If you trust it, write one with `sha256sum FILE > FILE.sha256`.")
    if status != "ok":
        raise BackupError(f"{path.name} does not match its checksum: the file is corrupted "
                          "or truncated; nothing was restored")
    return archive_tables(path)


def _value(conn: psycopg.Connection, query) -> Any:
    row = conn.execute(query).fetchone()
    return row[0] if row else None


def create_database_if_missing(url: str) -> bool:
    """Create the URL's database on its server (through the postgres database); True if made."""
    parts = urlsplit(url)
    name = target(url).dbname
    admin = urlunsplit(parts._replace(path="/postgres"))
    with connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return True


def contents(url: str) -> tuple[list[str], bool]:
    """The public tables holding rows, and whether an alembic_version table exists."""
    with connect(url) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1").fetchall()]
        with_rows = [t for t in tables if _value(conn, sql.SQL(
            "SELECT EXISTS (SELECT 1 FROM {})").format(sql.Identifier("public", t)))]
    return with_rows, "alembic_version" in tables


def reset_database(url: str) -> None:
    """Drop the public schema with everything in it and recreate it empty."""
    with connect(url) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
        conn.execute("GRANT ALL ON SCHEMA public TO PUBLIC")


def restore(path: Path, url: str, *, create: bool = False, reset: bool = False,
            confirm: Callable[[str], bool] = lambda _: True,
            progress: Progress = _quiet) -> Restored:
    """Verify the backup, check the target is empty (or reset it), restore, and report."""
    progress(f"verifying {path.name}")
    check_file(path)
    db = target(url)
    if create and create_database_if_missing(url):
        progress(f"created database {db.dbname}")
    with_rows, versioned = contents(url)
    if with_rows or versioned:
        what = f"{len(with_rows)} tables with rows" + (", a schema version" if versioned else "")
        if not reset:
            raise Conflict(f"database {db.dbname} is not empty ({what}); restore into an "
                           "empty database, or use --reset to replace its contents")
        if not confirm(f"Replace ALL data in database {db.dbname} ({what})?"):
            raise Conflict("restore cancelled; nothing was changed")
        progress(f"resetting {db.dbname}")
        reset_database(url)
    progress(f"restoring {path.name} into {db.dbname}")
    views = _restore_without_view_data(path, db)
    progress("refreshing materialized views and analyzing")
    return report(path, url, views)


def _restore_without_view_data(path: Path, db: Target) -> list[str]:
    """pg_restore everything but the materialized views' data, in one transaction; the views
    to refresh afterwards. (pg_restore refreshes them with an empty search_path, where SQL
    functions that name tables unqualified, like business_today(), fail.)"""
    listing = run_tool([tool("pg_restore"), "--list", str(path)], what="pg_restore --list")
    entries = listing.splitlines()
    views = [m["name"] for m in map(VIEW_DATA.match, entries) if m]
    with tempfile.NamedTemporaryFile("w", suffix=".list") as toc:
        toc.write("\n".join(e for e in entries if not VIEW_DATA.match(e)) + "\n")
        toc.flush()
        run_tool([tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
                  "--single-transaction", f"--use-list={toc.name}", f"--dbname={db.url}",
                  str(path)], db, what="pg_restore")
    return views


def report(path: Path, url: str, views: Sequence[str] = ()) -> Restored:
    """Refresh the restored materialized views, ANALYZE, and report what the database holds:
    tables, the main tables' rows, the schema version."""
    from astrofinance.db.migrate import head_revision

    with connect(url, autocommit=True) as conn:
        for view in views:
            conn.execute(sql.SQL("REFRESH MATERIALIZED VIEW {}").format(
                sql.Identifier("public", view)))
        conn.execute("ANALYZE")
        tables = [r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()]
        rows = {t: _value(conn, sql.SQL("SELECT count(*) FROM {}").format(
            sql.Identifier("public", t))) for t in MAIN_TABLES if t in tables}
        version = _value(conn, "SELECT version_num FROM public.alembic_version") \
            if "alembic_version" in tables else None
    return Restored(path, target(url).dbname, len(tables), rows, version, head_revision())
