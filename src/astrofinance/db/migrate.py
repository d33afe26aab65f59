"""Alembic migrations, run programmatically (no alembic.ini needed)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from astrofinance.config import Settings
from astrofinance.db.engine import Database
from astrofinance.errors import ConfigurationError

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(db: Database) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = db.engine
    return cfg


def head_revision() -> str:
    script = ScriptDirectory(str(MIGRATIONS))
    head = script.get_current_head()
    assert head is not None
    return head


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(db: Database, revision: str = "head") -> None:
    command.upgrade(alembic_config(db), revision)


def downgrade_all(db: Database) -> None:
    command.downgrade(alembic_config(db), "base")


def ensure_schema(db: Database, settings: Settings) -> None:
    """Migrate an empty (or embedded) database; otherwise say that `db migrate` is needed."""
    current = current_revision(db)
    head = head_revision()
    if current != head:
        if current is None and _has_foreign_tables(db):
            raise ConfigurationError(
                f"{db.describe()} has tables but no AstroFinance schema version; "
                "point DATABASE_URL at an empty database or run `astrofinance db migrate`"
            )
        if current is None or db.embedded:
            upgrade(db)
        else:
            raise ConfigurationError(
                f"the database schema is at {current}, the code needs {head}: "
                "run `astrofinance db migrate`"
            )
    apply_settings(db, settings)


def _has_foreign_tables(db: Database) -> bool:
    with db.engine.connect() as conn:
        n = conn.execute(
            text("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()")
        ).scalar_one()
    return n > 0


def apply_settings(db: Database, settings: Settings) -> None:
    """Store the settings the SQL functions need (work week, FIMR grace) in app_settings.

    The database keeps the values last applied, so `psql` calls of the stored functions use
    the same rules as the CLI. The business calendar is rebuilt when the work week changes.
    """
    values = {
        "work_week": ",".join(str(d) for d in settings.work_week_isodow),
        "fimr_grace_days": str(settings.fimr_grace_days),
        "par_thresholds": settings.par_thresholds,
        "timezone": settings.timezone,
    }
    with db.begin() as conn:
        changed = conn.execute(
            text("SELECT apply_app_settings(CAST(:v AS jsonb))"),
            {"v": __import__("json").dumps(values)},
        ).scalar_one()
        if changed:
            conn.execute(text("SELECT rebuild_business_calendar()"))
