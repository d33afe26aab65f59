"""Getting the bundle's files into staging tables, and checking their values there.

A file goes to PostgreSQL as it is (COPY ... CSV: PostgreSQL parses it). If PostgreSQL cannot
take it that way, the savepoint is rolled back and the file is parsed by Python instead, which
reports each ragged row. Values are then checked by their DISTINCT values (sync/values.py):
the rows holding a bad value become problems, the good ones are normalised in place.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from typing import Any

import psycopg
from psycopg import Connection, sql
from psycopg.copy import QueuedLibpqWriter

from astrofinance.kit.sql import load_sql
from astrofinance.sync.bundle import BundleFile, Problem, RawData, parse_rows
from astrofinance.sync.spec import FILES, FileSpec
from astrofinance.sync.values import SCREENS, classify, is_checked

PKG = "astrofinance.sync"
_PROBLEM_COLUMNS = ("file", "line", "column_name", "value", "reason", "key", "row_data")
Progress = Callable[[int, int], None]      # (bytes read, rows read)


def q(name: str, **identifiers: Any) -> sql.Composed | sql.SQL:
    """A statement from sync/sql/<name>.sql with whitelisted identifiers filled in."""
    text = sql.SQL(load_sql(PKG, name))  # type: ignore[arg-type]
    return text.format(**identifiers) if identifiers else text


def ids(names: Sequence[str]) -> sql.Composed:
    """A comma-separated list of quoted identifiers."""
    return sql.SQL(", ").join(sql.Identifier(n) for n in names)


class _Reparse(Exception):
    """PostgreSQL read a different number of rows than the file has lines."""


class Staging:
    """The import's temporary tables on one connection (dropped at commit or rollback)."""

    def __init__(self, conn: Connection):
        self.conn = conn

    def prepare(self, specs: Sequence[FileSpec] = FILES, keep: bool = False,
                problems: bool = True) -> None:
        """A staging table for every file of the bundle (or the given specs), and the
        problems table (unless `problems` is false); dropped at commit, or with `keep`
        emptied at each commit and kept for the session (a sync's batches)."""
        on_commit = sql.SQL("DELETE ROWS" if keep else "DROP")
        self.conn.execute("SET LOCAL work_mem = '256MB'")
        if problems:
            self.conn.execute(q("problems_table", on_commit=on_commit))
        for spec in specs:
            cols = sql.SQL(",\n    ").join(
                sql.SQL('{} text COLLATE "C"').format(sql.Identifier(c.name))
                for c in spec.columns)
            self.conn.execute(q("staging_table", staging=sql.Identifier(spec.staging),
                                columns=cols, on_commit=on_commit))

    def load(self, bf: BundleFile, progress: Progress) -> int:
        """Put a file's rows into its staging table; the number of rows read."""
        stg = sql.Identifier(bf.spec.staging)
        for name in bf.staging_columns:
            if name.startswith("_unknown_"):
                self.conn.execute(sql.SQL('ALTER TABLE {} ADD COLUMN {} text COLLATE "C"').format(
                    stg, sql.Identifier(name)))
        rows = self._copy_raw(bf, progress)
        if rows is None:
            rows = self._copy_parsed(bf, progress)
        return rows

    def _copy_raw(self, bf: BundleFile, progress: Progress) -> int | None:
        raw = RawData(bf)
        stmt = sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT csv)").format(
            sql.Identifier(bf.spec.staging), ids(bf.staging_columns))
        try:
            with self.conn.transaction():      # a savepoint: a failed COPY leaves nothing
                cur = self.conn.cursor()
                with cur.copy(stmt, writer=QueuedLibpqWriter(cur)) as copy:
                    for block, position in raw.blocks():
                        copy.write(block)
                        progress(position, raw.lines)
                if cur.rowcount != raw.lines:
                    raise _Reparse
        except (psycopg.errors.DataError, _Reparse):
            return None
        return raw.lines

    def _copy_parsed(self, bf: BundleFile, progress: Progress) -> int:
        stmt = sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT csv)").format(
            sql.Identifier(bf.spec.staging), ids(["line", *bf.staging_columns]))
        read, found = 0, []
        with self.conn.cursor().copy(stmt) as copy:
            for rows, problems, position in parse_rows(bf):
                buf = io.StringIO()
                csv.writer(buf, lineterminator="\n").writerows(rows)
                copy.write(buf.getvalue())
                found += problems
                read += len(rows) + len(problems)
                progress(position, read)
        self.add_problems(found)      # after the COPY: one statement at a time
        return read

    def add_problems(self, problems: list[Problem]) -> None:
        """Record problems found outside SQL (COPY into _imp_problems)."""
        if not problems:
            return
        stmt = sql.SQL("COPY _imp_problems ({}) FROM STDIN").format(ids(_PROBLEM_COLUMNS))
        with self.conn.cursor().copy(stmt) as copy:
            for p in problems:
                copy.write_row((p.file, p.line, p.column, p.value, p.reason, p.key,
                                None if p.row is None else json.dumps(p.row)))

    def check_values(self, bf: BundleFile) -> None:
        """Check every value of the file's columns; bad ones become problems."""
        spec = bf.spec
        stg = sql.Identifier(spec.staging)
        self.conn.execute(sql.SQL("DELETE FROM {} WHERE num_nonnulls({}) = 0").format(
            stg, ids([c.name for _, c in bf.known])))     # rows of empty cells: no data
        checked = [column for _, column in bf.known if is_checked(column.kind, column.required)]
        if not checked:
            return
        # every column's suspect values in one statement (one round trip, not one a column)
        query = sql.SQL(" UNION ALL ").join(
            sql.SQL("SELECT {} AS c, x FROM ({}) AS {}(x)").format(
                sql.Literal(i), self._suspects(spec, column.name, column.kind),
                sql.Identifier(f"s{i}"))
            for i, column in enumerate(checked))
        found: list[list[str | None]] = [[] for _ in checked]
        for i, value in self.conn.execute(query):
            found[i].append(value)
        for column, values in zip(checked, found, strict=True):
            changed, bad = classify(column.kind, column.required, values)
            self._mark_bad(spec, column.name, bad)
            self._normalise(spec, column.name, changed)

    def _suspects(self, spec: FileSpec, column: str, kind: str) -> sql.Composed:
        """The query of the column's distinct values that are not plainly good
        (values.SCREENS)."""
        screen, col, stg = SCREENS[kind], sql.Identifier(column), sql.Identifier(spec.staging)
        if screen.canonical is None:
            query = sql.SQL("SELECT DISTINCT {} FROM {}").format(col, stg)
        elif screen.distinct_first:
            test = sql.SQL(screen.canonical).format(v=sql.Identifier("v"))  # type: ignore
            # OFFSET 0 keeps the test above the DISTINCT (else it is pushed down to every row)
            query = sql.SQL("SELECT v FROM (SELECT DISTINCT {} AS v FROM {} OFFSET 0) d "
                            "WHERE NOT coalesce({}, false)").format(col, stg, test)
        else:
            test = sql.SQL(screen.canonical).format(v=col)  # type: ignore[arg-type]
            query = sql.SQL("SELECT DISTINCT {} FROM {} WHERE NOT coalesce({}, false)").format(
                col, stg, test)
        return query

    def _mark_bad(self, spec: FileSpec, column: str, bad: dict[str, str]) -> None:
        if bad:
            self.conn.execute(q("bad_values", staging=sql.Identifier(spec.staging),
                                column=sql.Identifier(column), key=sql.Identifier(spec.key)),
                              {"file": spec.filename, "column": column,
                               "values": list(bad), "reasons": list(bad.values())})

    def _normalise(self, spec: FileSpec, column: str, changed: dict[str, str | None]) -> None:
        if changed:
            self.conn.execute(q("normalise_values", staging=sql.Identifier(spec.staging),
                                column=sql.Identifier(column)),
                              {"values": list(changed), "stored": list(changed.values())})
