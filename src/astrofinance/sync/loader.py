"""The database side of an import after staging: set-based checks across rows and files
(duplicates, references, cross-column rules), the upserts, the report and the rejects.

Everything runs on one connection inside the caller's transaction. Identifiers come only from
sync/spec.py; values are bound parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from psycopg import Connection, sql

from astrofinance.sync.bundle import Problem
from astrofinance.sync.spec import FILES, LOANS, REFERENCES, SCHEDULES, FileSpec
from astrofinance.sync.staging import ids, q

FILE_ORDER = [f.filename for f in FILES]


class Loader:
    """Checks the staged files against each other and the database, and writes them."""

    def __init__(self, conn: Connection,
                 references: Sequence[tuple[FileSpec, str, FileSpec]] = REFERENCES):
        self.conn = conn
        self.references = references

    def execute(self, query: Any, params: Any = None) -> Any:
        return self.conn.execute(query, params)

    def check(self, spec: FileSpec) -> None:
        """Run the relational checks of one file and take its rejected rows out of staging."""
        self._check_duplicates(spec)
        for child, column, parent in self.references:
            if child.name == spec.name:
                self._check_reference(spec, column, parent)
        if spec.name == LOANS.name:
            self.execute(q("check_loans"))
        self._reject(spec)
        if spec.name == SCHEDULES.name:
            self.execute(q("check_schedules"))
            self._reject(spec)

    def _check_duplicates(self, spec: FileSpec) -> None:
        column = spec.unique[-1]
        what = " ".join(spec.unique) if len(spec.unique) == 1 else \
            "(" + ", ".join(spec.unique) + ")"
        self.execute(q("check_duplicates", staging=sql.Identifier(spec.staging),
                        unique=ids(spec.unique), column=sql.Identifier(column),
                        key=sql.Identifier(spec.key)),
                     {"file": spec.filename, "column": column, "what": what})

    def _check_reference(self, spec: FileSpec, column: str, parent: FileSpec) -> None:
        self.execute(q("check_reference", staging=sql.Identifier(spec.staging),
                        column=sql.Identifier(column), key=sql.Identifier(spec.key),
                        parent_staging=sql.Identifier(parent.staging),
                        parent_table=sql.Identifier(parent.table),
                        parent_key=sql.Identifier(parent.key)),
                     {"file": spec.filename, "column": column, "parent_file": parent.filename})

    def _reject(self, spec: FileSpec) -> None:
        self.execute(q("reject_rows", staging=sql.Identifier(spec.staging)),
                     {"file": spec.filename})

    def check_rejects(self, spec: FileSpec) -> None:
        """Take the rows with problems so far out of the file's staging table."""
        self._reject(spec)

    def upsert(self, spec: FileSpec, present: Sequence[str]) -> tuple[int, int]:
        """Update changed rows, insert new ones; (inserted, updated). Set-based, by id."""
        if not spec.match:
            return self._merge(spec, present)
        updated = self.update(spec, present, always=True)
        parts, named = self._parts(spec, present, always=True)
        inserted = self.execute(q(
            "upsert_insert", **parts, columns=ids([n for n, _ in named]),
            columns_n=sql.SQL(", ").join(sql.SQL("n.{}").format(sql.Identifier(n))
                                         for n, _ in named),
            order=sql.SQL(", ").join(sql.SQL("n.{}").format(sql.Identifier(c))
                                     for c in spec.order or spec.conflict_columns))).rowcount
        return inserted, updated

    def _merge(self, spec: FileSpec, present: Sequence[str]) -> tuple[int, int]:
        """The upsert as one INSERT ... ON CONFLICT DO UPDATE (a table whose id is a unique
        index): one index probe per staged row rather than an UPDATE join and an anti-join."""
        parts, named = self._parts(spec, present, always=True)
        keys = spec.conflict_columns
        compare = [n for n, _ in named if n not in keys and n not in dict(spec.constants)]
        row = self.execute(q(
            "upsert_merge", **parts, columns=ids([n for n, _ in named]), keys=ids(keys),
            columns_n=sql.SQL(", ").join(sql.SQL("n.{}").format(sql.Identifier(n))
                                         for n, _ in named),
            order=sql.SQL(", ").join(sql.SQL("n.{}").format(sql.Identifier(c))
                                     for c in spec.order or spec.conflict_columns),
            assignments=sql.SQL(", ").join(sql.SQL("{0} = EXCLUDED.{0}").format(
                sql.Identifier(n)) for n, _ in named if n not in keys),
            compare_old=sql.SQL(", ").join(sql.SQL("t.{}").format(sql.Identifier(c))
                                           for c in compare),
            compare_new=sql.SQL(", ").join(sql.SQL("EXCLUDED.{}").format(sql.Identifier(c))
                                           for c in compare))).fetchone()
        return int(row[0]), int(row[1])

    def update(self, spec: FileSpec, present: Sequence[str], always: bool = False) -> int:
        """Update the rows whose staged values of these columns differ; the count."""
        present = [*spec.unique, *present]
        parts, named = self._parts(spec, present, always)
        keys = spec.conflict_columns
        compare = [n for n, _ in named if n not in keys and n not in dict(spec.constants)]
        return self.execute(q(
            "upsert_update", **parts,
            assignments=sql.SQL(", ").join(sql.SQL("{0} = n.{0}").format(sql.Identifier(n))
                                           for n, _ in named if n not in keys),
            compare_old=sql.SQL(", ").join(sql.SQL("t.{}").format(sql.Identifier(c))
                                           for c in compare),
            compare_new=sql.SQL(", ").join(sql.SQL("n.{}").format(sql.Identifier(c))
                                           for c in compare))).rowcount

    def _parts(self, spec: FileSpec, present: Sequence[str], always: bool
               ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        """The SQL pieces of an upsert: the staged values as the table's columns, the match."""
        cols = [c for c in spec.columns
                if (c.name in present or (always and c.always)) and c.column]
        named = [(c.column, c.sql) for c in cols] + (list(spec.constants) if always else [])
        parts = {
            "table": sql.Identifier(spec.table), "staging": sql.Identifier(spec.staging),
            "values": sql.SQL(", ").join(sql.SQL("{} AS {}").format(sql.SQL(e),  # type: ignore
                                                                    sql.Identifier(n))
                                         for n, e in named),
            "match": sql.SQL(" AND ").join(
                [sql.SQL("t.{0} = n.{0}").format(sql.Identifier(k))
                 for k in spec.conflict_columns]
                + ([sql.SQL(spec.match)] if spec.match else [])),  # type: ignore[arg-type]
        }
        return parts, named

    def upsert_loans(self, present: Sequence[str]) -> tuple[int, int]:
        """Upsert a bundle's loans; new loans then get their generated schedules (re-termed
        ones get theirs from the trigger trg_loans_terms_changed). A sync's batches upsert
        loans alone and schedule the new ones once per run (unscheduled_chunks)."""
        self.execute(q("loans_new"))
        counts = self.upsert(LOANS, present)
        self.execute(q("loans_generate"))
        return counts

    def unscheduled_chunks(self, size: int) -> list[tuple[str, str, int]]:
        """The loans due a generated schedule that have none, in id order, cut into chunks
        of `size` loans: (first id, last id, loans) per chunk (one anti-join)."""
        query = q("loans_unscheduled_chunks", unscheduled=q("loans_unscheduled"))
        return [(first, last, n) for first, last, n in self.execute(query, {"size": size})]

    def generate_schedules(self, first: str, last: str) -> int:
        """Generate the schedules of the unscheduled loans with ids in [first, last]
        (set-based, one call); the number of loans."""
        query = q("loans_generate_range", unscheduled=q("loans_unscheduled"))
        row = self.execute(query, {"first": first, "last": last}).fetchone()
        return int(row[0]) if row else 0

    def replace_schedules(self) -> tuple[int, int]:
        """Store supplied schedules that differ from the stored ones; (inserted, updated) rows."""
        self.execute(q("schedules_changed"))
        self.execute(q("schedules_replace"))
        inserted, updated = self.execute(q("schedules_counts")).fetchone()
        return inserted, updated

    def rejected_rows(self) -> dict[str, int]:
        """Rows rejected per file (header problems are not rows)."""
        cur = self.execute("SELECT file, count(DISTINCT line) FROM _imp_problems "
                           "WHERE line > 1 GROUP BY file")
        return dict(cur.fetchall())

    def problem_count(self) -> int:
        return self.execute("SELECT count(*) FROM _imp_problems").fetchone()[0]

    def problems(self, limit: int) -> list[Problem]:
        """The first problems in file and line order."""
        query = sql.SQL("{} LIMIT {}").format(q("problems_report"), sql.Literal(limit))
        cur = self.execute(query, {"files": FILE_ORDER})
        return [Problem(*row) for row in cur.fetchall()]

    def write_report(self, path: Path) -> None:
        """Every problem as CSV (file, line, column, value, reason), streamed by COPY."""
        query = sql.SQL("COPY ({}) TO STDOUT WITH (FORMAT csv, HEADER)").format(
            q("problems_report"))
        with path.open("wb") as out, self.conn.cursor().copy(query, {"files": FILE_ORDER}) as cp:
            for data in cp:
                out.write(data)

    def save_rejects(self, run_id: int) -> None:
        self.execute(q("save_rejects"), {"run_id": run_id, "files": FILE_ORDER})

    def track_sync(self, status: str, written: dict[str, int]) -> None:
        """Note in sync_tracking when each table was last imported and how many rows."""
        self.execute(q("track_sync"), {"status": status, "entities": list(written),
                                        "written": list(written.values())})
