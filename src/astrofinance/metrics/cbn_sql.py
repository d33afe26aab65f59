"""The CBN prudential classes as a SQL function, written from the one definition (CBN_CLASSES).

The portfolio metrics render their class columns from `portfolio_result.CBN_CLASSES`; the
database's provisioning (provision_report) reads `cbn_classes()`, which this module generates
from the same tuple, so the two cannot disagree. A migration that changes the classes re-runs
`create_cbn_classes`.
"""

from __future__ import annotations

from astrofinance.metrics.portfolio_result import CBN_CLASSES, CbnClass


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _row(position: int, c: CbnClass) -> str:
    high = "NULL::integer" if c.max_dpd is None else str(int(c.max_dpd))
    return (f"({_literal(c.key)}, {_literal(c.label)}, {int(c.min_dpd)}, {high}, "
            f"{int(c.provision_rate)}, {position})")


def cbn_classes_sql() -> str:
    """CREATE OR REPLACE FUNCTION cbn_classes(): one row per class, in order."""
    rows = ",\n           ".join(_row(i, c) for i, c in enumerate(CBN_CLASSES, start=1))
    return f"""
-- Generated from astrofinance.metrics.portfolio_result.CBN_CLASSES (metrics/cbn_sql.py).
CREATE OR REPLACE FUNCTION cbn_classes()
RETURNS TABLE (class_key text, label text, min_dpd integer, max_dpd integer,
               provision_rate integer, class_order integer)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    VALUES {rows}
$$;
"""


def create_cbn_classes(connection) -> None:
    """Create or replace cbn_classes() on a SQLAlchemy connection (migrations)."""
    connection.connection.driver_connection.execute(cbn_classes_sql())
