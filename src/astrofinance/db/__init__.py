"""Database layer: engine and the one transaction scope, embedded server, migrations."""

from astrofinance.db.engine import Database, get_database, session_scope

__all__ = ["Database", "get_database", "session_scope"]
