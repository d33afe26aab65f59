"""One batch of one entity on the target, inside the caller's transaction: stage the source
rows (COPY), derive and map values, run the same checks as the CSV import, quarantine the bad
rows with their reasons, write the good ones set-based.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from psycopg import Connection, sql
from psycopg.copy import Copy

from astrofinance.auth.context import bulk_audit
from astrofinance.sync.bundle import BundleFile
from astrofinance.sync.loader import Loader
from astrofinance.sync.mapping import EntityMapping
from astrofinance.sync.service import FileCounts
from astrofinance.sync.source_spec import SOURCE_ENTITIES, SOURCE_REFERENCES
from astrofinance.sync.spec import LOANS, FileSpec
from astrofinance.sync.staging import Staging, ids, q

Feed = Callable[[Copy], int]         # writes the batch's rows into the COPY; returns the count


class BatchWriter:
    """Stages, checks and writes batches of one entity on one target connection."""

    def __init__(self, conn: Connection, em: EntityMapping, run_id: int,
                 update_only: Sequence[str] | None = None):
        """update_only: write just these columns of rows that exist (the fix commands). New
        loans get no schedule here: the run generates the missing ones once, after the
        entity's batches (Syncer._generate_schedules)."""
        self.conn, self.em, self.run_id = conn, em, run_id
        self.spec = em.spec
        self.columns = [c.name for c in em.mapped()]
        self.update_only = list(update_only) if update_only is not None else None

    def write(self, feed: Feed) -> FileCounts:
        """One batch: everything in the caller's transaction; the counts."""
        spec, stg = self.spec, sql.Identifier(self.spec.staging)
        bulk_audit(self.conn, f"sync run {self.run_id}: {self.em.name}")
        staging, loader = Staging(self.conn), Loader(self.conn, SOURCE_REFERENCES)
        self._prepare(staging)
        with self.conn.cursor().copy(sql.SQL("COPY {} ({}) FROM STDIN").format(
                stg, ids(["_src_key", "_src_changed", *self.columns]))) as copy:
            counts = FileCounts(read=feed(copy))
        if not counts.read:
            return counts
        self._derive()
        self._map_values(loader)
        checked = self.columns + (["installments"] if self._derives() else [])
        known = [(i, c) for i, c in enumerate(self.spec.columns) if c.name in checked]
        bf = BundleFile(spec, Path(self.em.name), [c.name for _, c in known], known)
        staging.check_values(bf)
        loader.check(spec)
        counts.rejected = self._quarantine()
        counts.inserted, counts.updated = self._store(loader)
        return counts

    def _prepare(self, staging: Staging) -> None:
        """The staging tables this entity's batches read (its own, its references' parents,
        the problems), kept for the session and emptied at each commit; the other entities'
        are dropped when the entity changes (each table emptied at a commit costs the commit
        a truncation)."""
        # a batch touches its rows' index entries, which are in cache: costed as such, the
        # planner probes the target tables' indexes rather than scanning them whole per batch
        have = set(self.conn.execute(
            "SELECT set_config('work_mem', '256MB', true), "
            "set_config('random_page_cost', '1.1', true), "
            "ARRAY(SELECT relname::text FROM pg_class WHERE relkind = 'r' "
            "AND relnamespace = pg_my_temp_schema() AND relname = ANY (%s))",
            [[s.staging for s in SOURCE_ENTITIES.values()] + ["_imp_problems"]]
        ).fetchone()[2])  # type: ignore[index]
        want = self._staged()
        if have == {s.staging for s in want} | {"_imp_problems"}:
            return
        for spec in SOURCE_ENTITIES.values():
            if spec.staging in have and spec not in want:
                self.conn.execute(sql.SQL("DROP TABLE pg_temp.{}").format(
                    sql.Identifier(spec.staging)))
        missing = [s for s in want if s.staging not in have]
        staging.prepare(missing, keep=True, problems="_imp_problems" not in have)
        for spec in missing:
            self.conn.execute(sql.SQL('ALTER TABLE {} ADD COLUMN _src_key text COLLATE "C", '
                                      "ADD COLUMN _src_changed text").format(
                sql.Identifier(spec.staging)))

    def _staged(self) -> list[FileSpec]:
        """The entities whose staging tables a batch of this one reads."""
        names = {self.spec.name} | {p.name for c, _, p in SOURCE_REFERENCES
                                    if c.name == self.spec.name}
        return [s for n, s in SOURCE_ENTITIES.items() if n in names]

    def _derive(self) -> None:
        """Loans given a last due date instead of a number of installments: count them."""
        if self._derives():
            self.conn.execute(q("derive_installments_problems"), {"file": self.spec.filename})
            self.conn.execute(q("derive_installments"))

    def _derives(self) -> bool:
        return (self.spec.name == "loans" and "installments" not in self.columns
                and "last_payment_due_date" in self.columns)

    def _map_values(self, loader: Loader) -> None:
        """The mapping's value tables: mapped values replaced, others reported."""
        stg = sql.Identifier(self.spec.staging)
        for column, table in self.em.values.items():
            if column not in self.columns:
                continue
            params = {"file": self.spec.filename, "column": column, "from": list(table),
                      "to": list(table.values()),
                      "known": ", ".join(table)}
            parts = {"staging": stg, "column": sql.Identifier(column),
                     "key": sql.Identifier(self.spec.key)}
            self.conn.execute(q("map_values_problems", **parts), params)
            self.conn.execute(q("map_values", **parts), params)
        if self.em.values:
            loader.check_rejects(self.spec)

    def _quarantine(self) -> int:
        """Keep the rejected rows with their reasons; release the rows taken now."""
        rejected = self.conn.execute(q("quarantine_rows"),
                                     {"entity": self.em.name, "run_id": self.run_id}).rowcount
        self.conn.execute(q("quarantine_release", staging=sql.Identifier(self.spec.staging)),
                          {"entity": self.em.name})
        return max(rejected, 0)

    def _store(self, loader: Loader) -> tuple[int, int]:
        name = self.spec.name
        if self.update_only is not None:
            return 0, loader.update(self.spec, self.update_only)
        if name == "schedules":
            return loader.replace_schedules()
        written = self.columns + (["installments"] if self._derives() else [])
        if name == "loans":
            return loader.upsert(LOANS, written)   # their schedules: after the batches
        return loader.upsert(self.spec, written)
