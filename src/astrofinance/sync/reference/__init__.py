"""The reference source: the earlier system's Django "Ajo" lending schema on PostgreSQL
(schema.sql) and a generator of a realistic book in it, so that the tests, the demo and
bench/sync.py sync from a real second database (issue 3). See docs/reference-source.md.
"""

from astrofinance.sync.reference.generator import (
    TABLES,
    create_reference_schema,
    create_reference_source,
    default_as_of,
    schema_parts,
)
from astrofinance.sync.reference.server import create_database, database_url, drop_database

__all__ = ["TABLES", "create_database", "create_reference_schema", "create_reference_source",
           "database_url", "default_as_of", "drop_database", "schema_parts"]
