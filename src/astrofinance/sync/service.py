"""Importing a CSV bundle (`astrofinance import DIR`): read, check, stage, upsert, in one go.

The whole import is one transaction: without --skip-invalid nothing is written when any row is
bad; with it, the good rows are written and the bad ones kept in import_rejects. Each run is
recorded in import_runs (committed apart, so failed runs are on record too).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Connection, text

from astrofinance.auth.context import bulk_audit
from astrofinance.db.engine import Database, get_database, session_scope
from astrofinance.errors import ValidationFailed
from astrofinance.sync.bundle import BundleFile, Problem, open_bundle
from astrofinance.sync.loader import Loader
from astrofinance.sync.spec import BY_FILENAME, LOANS, SCHEDULES
from astrofinance.sync.staging import Staging

PREVIEW = 20   # problems shown in messages; more than this and the report goes to a file


@dataclass
class FileCounts:
    """What happened to one file's rows."""

    read: int = 0
    inserted: int = 0
    updated: int = 0
    rejected: int = 0

    @property
    def unchanged(self) -> int:
        return self.read - self.rejected - self.inserted - self.updated


@dataclass
class ImportResult:
    """The outcome of one import run."""

    run_id: int
    status: str                                   # succeeded | partial | failed
    counts: dict[str, FileCounts]
    problem_count: int = 0
    problems: list[Problem] = field(default_factory=list)   # the first PREVIEW
    report_path: Path | None = None
    warnings: list[str] = field(default_factory=list)

    def counts_json(self) -> dict[str, dict[str, int]]:
        return {name: {**asdict(c), "unchanged": c.unchanged} for name, c in self.counts.items()}


class ImportRejected(ValidationFailed):
    """Bad rows without --skip-invalid: nothing was imported."""

    def __init__(self, message: str, result: ImportResult):
        super().__init__(message, [str(p) for p in result.problems])
        self.result = result


class ImportProgress(Protocol):
    """What the import reports while it runs (the CLI draws progress bars)."""

    def file_started(self, name: str, total_bytes: int) -> None: ...
    def file_advanced(self, name: str, bytes_done: int, rows: int) -> None: ...
    def phase(self, description: str) -> None: ...


class _Silent:
    def file_started(self, name: str, total_bytes: int) -> None: ...
    def file_advanced(self, name: str, bytes_done: int, rows: int) -> None: ...
    def phase(self, description: str) -> None: ...


def import_bundle(directory: Path, *, skip_invalid: bool = False,
                  report_path: Path | None = None, progress: ImportProgress | None = None,
                  db: Database | None = None) -> ImportResult:
    """Import the bundle in `directory`; raises ImportRejected (nothing written) on bad rows."""
    db = db or get_database()
    run_id = _start_run(db, directory, skip_invalid)
    try:
        return _import(db, run_id, directory, skip_invalid, report_path, progress or _Silent())
    except ImportRejected as e:
        _fail_run(db, run_id, str(e), e.result.counts_json())
        raise
    except BaseException as e:
        _fail_run(db, run_id, str(e) or type(e).__name__, {})
        raise


def _import(db: Database, run_id: int, directory: Path, skip_invalid: bool,
            report_path: Path | None, progress: ImportProgress) -> ImportResult:
    files, unknown, warnings = open_bundle(directory)
    if skip_invalid:
        warnings += [f"{p.file}: column {p.column!r} is not a column of the bundle, ignored"
                     for p in unknown]
    result = ImportResult(run_id, "succeeded", {bf.spec.filename: FileCounts() for bf in files},
                          warnings=warnings)
    with session_scope(db) as conn:
        bulk_audit(conn, f"import {directory.name} (import run {run_id})")
        driver = conn.connection.driver_connection
        staging, loader = Staging(driver), Loader(driver)  # type: ignore[arg-type]
        staging.prepare()
        if not skip_invalid:
            staging.add_problems(unknown)
        for bf in files:
            _stage(staging, bf, result.counts[bf.spec.filename], progress)
        for bf in files:
            progress.phase(f"checking {bf.spec.filename}")
            staging.check_values(bf)
            loader.check(bf.spec)
        _collect_problems(loader, result, report_path, skip_invalid)
        if result.problem_count and not skip_invalid:
            raise ImportRejected(_rejected_message(directory, result), result)
        _write(loader, files, result, progress)
        if result.problem_count:
            loader.save_rejects(run_id)
            result.status = "partial"
        loader.track_sync(f"import {result.status}",
                          {BY_FILENAME[n].table: c.inserted + c.updated
                           for n, c in result.counts.items()})
        _finish_run(conn, result)
    return result


def _stage(staging: Staging, bf: BundleFile, counts: FileCounts,
           progress: ImportProgress) -> None:
    name = bf.spec.filename
    progress.file_started(name, bf.size)
    counts.read = staging.load(bf, lambda done, rows: progress.file_advanced(name, done, rows))
    progress.file_advanced(name, bf.size, counts.read)


def _collect_problems(loader: Loader, result: ImportResult, report_path: Path | None,
                      skip_invalid: bool) -> None:
    result.problem_count = loader.problem_count()
    for name, rejected in loader.rejected_rows().items():
        if name in result.counts:
            result.counts[name].rejected = rejected
    if not result.problem_count:
        return
    result.problems = loader.problems(PREVIEW)
    if report_path is None and result.problem_count > PREVIEW and not skip_invalid:
        report_path = Path.cwd() / f"import-report-{result.run_id}.csv"
    if report_path is not None:
        loader.write_report(report_path)
        result.report_path = report_path


def _rejected_message(directory: Path, result: ImportResult) -> str:
    rows = sum(c.rejected for c in result.counts.values())
    msg = (f"{directory}: {result.problem_count} problem(s) in {rows} row(s); nothing was "
           "imported. Fix them, or use --skip-invalid to import the good rows and keep the "
           "bad ones.")
    if result.report_path:
        msg += f" Full report: {result.report_path}"
    return msg


def _write(loader: Loader, files: list[BundleFile], result: ImportResult,
           progress: ImportProgress) -> None:
    for bf in files:
        spec, counts = bf.spec, result.counts[bf.spec.filename]
        progress.phase(f"writing {spec.filename}")
        present = [c.name for _, c in bf.known]
        if spec is SCHEDULES:
            counts.inserted, counts.updated = loader.replace_schedules()
        elif spec is LOANS:
            counts.inserted, counts.updated = loader.upsert_loans(present)
        else:
            counts.inserted, counts.updated = loader.upsert(spec, present)


def _start_run(db: Database, directory: Path, skip_invalid: bool) -> int:
    with session_scope(db) as conn:
        return conn.execute(
            text("INSERT INTO import_runs (source, skip_invalid) VALUES (:s, :k) RETURNING id"),
            {"s": str(directory.resolve()), "k": skip_invalid}).scalar_one()


def _finish_run(conn: Connection, result: ImportResult) -> None:
    rejected = sum(c.rejected for c in result.counts.values())
    message = (f"{rejected} row(s) rejected, kept in import_rejects" if rejected else None)
    _set_run(conn, result.run_id, result.status, result.counts_json(),
             "; ".join(filter(None, [message, *result.warnings])) or None)


def _fail_run(db: Database, run_id: int, message: str, counts: dict[str, Any]) -> None:
    try:
        with session_scope(db) as conn:
            _set_run(conn, run_id, "failed", counts, message[:2000])
    except Exception:   # the import's own error is the one to show
        pass


def _set_run(conn: Connection, run_id: int, status: str, counts: dict[str, Any],
             message: str | None) -> None:
    conn.execute(text("UPDATE import_runs SET status = :st, finished_at = now(), "
                      "counts = CAST(:c AS jsonb), message = :m WHERE id = :id"),
                 {"st": status, "c": json.dumps(counts), "m": message, "id": run_id})
