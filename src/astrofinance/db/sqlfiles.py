"""The SQL files that define the database's functions, views and triggers.

Function definitions are `CREATE OR REPLACE`: a migration that changes one re-runs its file.
"""

from astrofinance.kit.sql import load_sql

# Order matters: later files call functions of earlier ones.
FUNCTION_FILES: list[tuple[str, str]] = [
    ("astrofinance.portfolio", "functions_calendar"),
    ("astrofinance.portfolio", "functions_schedule"),
    ("astrofinance.portfolio", "functions_waves"),
    ("astrofinance.metrics", "functions_fields"),
]


def read(package: str, name: str) -> str:
    return load_sql(package, name)


def execute_file(connection, package: str, name: str) -> None:
    """Run a whole .sql file on the driver connection (no bind-parameter parsing)."""
    connection.connection.driver_connection.execute(read(package, name))
