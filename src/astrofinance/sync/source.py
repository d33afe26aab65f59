"""A SQL source: a read-only connection to the lender's PostgreSQL and the queries a mapping
gives, read in key order in batches (keyset paging: `WHERE key > last ORDER BY key LIMIT n`,
never OFFSET) and streamed with COPY, untouched, into the target's staging tables.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import psycopg
from psycopg import sql

from astrofinance.config import Settings, get_settings
from astrofinance.errors import ConfigurationError
from astrofinance.sync.mapping import EntityMapping, Mapping

Write = Callable[[bytes | bytearray | memoryview], None]
_SSL = ("sslmode", "sslrootcert", "sslcert", "sslkey")


def redact_url(url: str) -> str:
    """The URL without its password (in the authority or the query)."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password:
        netloc = netloc.replace(":" + parts.password + "@", ":***@")
    query = urlencode([(k, "***" if k == "password" else v) for k, v in parse_qsl(parts.query)])
    return parts._replace(netloc=netloc, query=query).geturl()


@dataclass
class Batch:
    """What one batch read: its rows and the position after its last row."""

    rows: int
    last_key: str | None
    last_changed: str | None


class SqlSource:
    """The source database, read-only, with its mapping."""

    def __init__(self, url: str | None, mapping: Mapping, settings: Settings | None = None):
        settings = settings or get_settings()
        url = url or settings.source_database_url
        if not url:
            raise ConfigurationError("no source database: set SOURCE_DATABASE_URL (in the "
                                     "environment or .env) or pass --source-url")
        self.url, self.mapping = url, mapping
        given = dict(parse_qsl(urlsplit(url).query))
        ssl = {k: getattr(settings, f"source_{k}") for k in _SSL
               if getattr(settings, f"source_{k}") and k not in given}
        try:
            self.conn = psycopg.connect(url, autocommit=True, application_name="astrofinance-sync",
                                        **ssl)
        except psycopg.Error as e:
            raise ConfigurationError(f"cannot connect to the source {self.describe()}: "
                                     f"{_first_line(e)}") from None
        # ISO dates and UTC timestamps: their text round-trips exactly (watermarks, keys)
        self.conn.execute("SET default_transaction_read_only = on; SET TimeZone = 'UTC'; "
                          "SET DateStyle = 'ISO, YMD'; SET extra_float_digits = 3")

    def describe(self) -> str:
        return redact_url(self.url)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> SqlSource:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # --- queries -------------------------------------------------------------------------

    def count(self, em: EntityMapping, since: Any = None, after_key: str | None = None) -> int:
        """The entity's rows (changed at or after `since`, or with keys after `after_key`)."""
        where = [sql.SQL(f"({em.where})")] if em.where else []
        params: list[Any] = []
        if after_key is not None:
            where.append(sql.SQL(f"({em.key}) > %s"))
            params.append(after_key)
        if since is not None and em.changed:
            where.append(sql.SQL(f"({em.changed}) >= %s"))
            params.append(since)
        query: sql.Composed = sql.SQL("SELECT count(*) FROM {} AS src{}").format(
            sql.SQL(em.source), _where(where))
        return self._scalar(query, params)

    def max_position(self, em: EntityMapping) -> tuple[str, str] | None:
        """The greatest (changed, key) of the entity now: the watermark a full run leaves."""
        if not em.changed:
            return None
        query = sql.SQL("SELECT ({c})::text AS _af_0, ({k})::text AS _af_1 FROM {f} AS src{w} "
                        "ORDER BY ({c}) DESC, ({k}) DESC LIMIT 1").format(
            c=sql.SQL(em.changed), k=sql.SQL(em.key), f=sql.SQL(em.source),
            w=_where([sql.SQL(f"({em.where})")] if em.where else []))
        row = self._run(lambda: self.conn.execute(query).fetchone())
        return (row[0], row[1]) if row else None

    def select(self, em: EntityMapping, *, after_key: str | None = None,
               since: str | None = None, after: tuple[str, str] | None = None,
               keys: Sequence[str] | None = None, limit: int | None = None,
               columns: Sequence[str] | None = None) -> sql.Composed:
        """The entity's rows as text: _src_key, _src_changed, then the mapped fields.

        Order and position: by key after `after_key` (full runs); by (changed, key) from
        `since` or after `after` (incremental runs); or just the rows with the given keys.
        """
        names = list(columns) if columns is not None else [c.name for c in em.mapped()]
        changed = em.changed or "NULL"
        # output names no source column has: ORDER BY key must mean the source's key, not
        # an output column of the same name (which is text, and would sort '10' before '9')
        exprs = [em.key, changed, *(em.columns[n] for n in names)]
        items = [sql.SQL(f"({e})::text AS _af_{i}") for i, e in enumerate(exprs)]
        where = [sql.SQL(f"({em.where})")] if em.where else []
        params: dict[str, Any] = {}
        incremental = since is not None or after is not None
        if incremental and not em.changed:
            raise ConfigurationError(f"mapping {self.mapping.name}: [{em.name}] has no "
                                     "`changed` column: it cannot be synced incrementally")
        if after_key is not None:
            where.append(sql.SQL(f"({em.key}) > %(k)s"))
            params["k"] = after_key
        if after is not None:
            where.append(sql.SQL(f"(({changed}), ({em.key})) > (%(c)s, %(k)s)"))
            params.update(c=after[0], k=after[1])
        elif since is not None:
            where.append(sql.SQL(f"({changed}) >= %(c)s"))
            params["c"] = since
        if keys is not None:
            where.append(sql.SQL(f"({em.key}) = ANY(%(keys)s::{em.key_type}[])"))
            params["keys"] = list(keys)
        order = f"({changed}), ({em.key})" if incremental else f"({em.key})"
        query = sql.SQL("SELECT {} FROM {} AS src{} ORDER BY {}{}").format(
            sql.SQL(", ").join(items), sql.SQL(em.source), _where(where), sql.SQL(order),
            sql.SQL(f" LIMIT {int(limit)}") if limit else sql.SQL(""))
        return _bind(self.conn, query, params)

    def stream(self, query: sql.Composed, write: Write) -> Batch:
        """COPY the query's rows out of the source into `write` (COPY text format)."""
        rows: int = 0
        last: bytes | bytearray | memoryview = b""

        def run() -> None:
            nonlocal rows, last
            with self.conn.cursor().copy(
                    sql.SQL("COPY ({}) TO STDOUT").format(query)) as copy:
                for data in copy:
                    write(data)
                    last = data
                    rows += 1
        self._run(run)
        if not rows:
            return Batch(0, None, None)
        fields = bytes(last).rstrip(b"\n").split(b"\t")
        return Batch(rows, _unescape(fields[0]), _unescape(fields[1]))

    def read(self, query: sql.Composed) -> tuple[Batch, bytes]:
        """The query's rows in memory (COPY text format), for a batch read ahead."""
        chunks: list[bytes] = []
        batch = self.stream(query, lambda data: chunks.append(bytes(data)))
        return batch, b"".join(chunks)

    def _scalar(self, query: sql.Composed, params: Sequence[Any] = ()) -> int:
        row = self._run(lambda: self.conn.execute(query, params).fetchone())
        return int(row[0]) if row else 0

    def _run(self, func: Callable[[], Any]) -> Any:
        try:
            return func()
        except psycopg.Error as e:
            raise ConfigurationError(f"the source query failed ({self.describe()}, mapping "
                                     f"{self.mapping.name}): {_first_line(e)}") from None


def _where(parts: Sequence[sql.Composable]) -> sql.Composable:
    return sql.SQL(" WHERE ") + sql.SQL(" AND ").join(parts) if parts else sql.SQL("")


def _bind(conn: psycopg.Connection, query: sql.Composed, params: dict[str, Any]) -> sql.Composed:
    """Inline the parameters as literals (COPY takes no bind parameters)."""
    if not params:
        return query
    text = query.as_string(conn)
    literals = {k: sql.Literal(v).as_string(conn) for k, v in params.items()}
    return sql.Composed([sql.SQL(re.sub(r"%\((\w+)\)s", lambda m: literals[m.group(1)], text))])


def _unescape(field: bytes) -> str | None:
    """A COPY text-format field as a string (\\N is NULL)."""
    if field == b"\\N":
        return None
    text = field.decode()
    if "\\" not in text:
        return text
    return re.sub(r"\\(.)", lambda m: {"t": "\t", "n": "\n", "r": "\r"}.get(m.group(1),
                                                                           m.group(1)), text)


def _first_line(e: Exception) -> str:
    return (str(e).strip().splitlines() or [type(e).__name__])[0]
