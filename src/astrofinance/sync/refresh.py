"""The seed guide's complete refresh sequence as one command: sync, holidays, first-due-date
fix, waves, hierarchy, copy hierarchy to loans, recalculate, verify.

Each step commits on its own (the sync per batch), so a failed step leaves every earlier step
done and the data consistent; the sequence stops there and says which step failed.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from astrofinance.db.engine import Database, session_scope
from astrofinance.sync.runner import Syncer

Step = Callable[[], str]          # runs the step; returns a one-line result


@dataclass
class StepResult:
    name: str
    status: str                   # ok | skipped | failed | not run
    detail: str = ""
    seconds: float = 0.0


@dataclass
class RefreshResult:
    steps: list[StepResult] = field(default_factory=list)
    verify_passed: bool | None = None

    @property
    def failed(self) -> StepResult | None:
        return next((s for s in self.steps if s.status == "failed"), None)


class RefreshProgress(Protocol):
    def step_started(self, name: str) -> None: ...
    def step_done(self, result: StepResult) -> None: ...


@dataclass
class Refresh:
    """The sequence, with what it needs."""

    syncer: Syncer
    db: Database
    as_of: dt.date
    verticals: Path | None = None
    verify_limits: dict[str, int] = field(default_factory=dict)
    _verify_passed: bool | None = field(default=None, init=False)

    def steps(self) -> list[tuple[str, Step | None]]:
        entities = self.syncer.source.mapping.entities
        return [
            ("full sync", self._sync),
            ("holidays", self._holidays if "holidays" in entities else None),
            ("first payment due dates", self._first_due),
            ("waves", self._waves),
            ("hierarchy load", self._hierarchy if self.verticals else None),
            ("hierarchy to loans", self._hierarchy_apply),
            ("recalculate", self._recalculate),
            ("verify", self._verify),
        ]

    def run(self, progress: RefreshProgress) -> RefreshResult:
        result = RefreshResult()
        for name, step in self.steps():
            if result.failed:
                result.steps.append(StepResult(name, "not run"))
                continue
            if step is None:
                done = StepResult(name, "skipped", self._why_skipped(name))
            else:
                progress.step_started(name)
                started = time.monotonic()
                try:
                    done = StepResult(name, "ok", step())
                except Exception as e:    # the step rolled back; stop the sequence here
                    done = StepResult(name, "failed", str(e) or type(e).__name__)
                done.seconds = time.monotonic() - started
            result.steps.append(done)
            progress.step_done(done)
        result.verify_passed = self._verify_passed
        return result

    def _why_skipped(self, name: str) -> str:
        if name == "holidays":
            return "the mapping has no holidays"
        return "no verticals file given (--verticals)"

    def _sync(self) -> str:
        r = self.syncer.full()
        return f"run {r.run_id}: {r.changed:,} row(s) written, {r.rejected:,} quarantined"

    def _holidays(self) -> str:
        names = [n for n in ("holidays", "officer_holidays")
                 if n in self.syncer.source.mapping.entities]
        r = self.syncer.full(names, command="holidays")
        return f"run {r.run_id}: {r.changed:,} holiday row(s) written"

    def _first_due(self) -> str:
        r = self.syncer.fix("first-due-dates", "loans", ["first_payment_due_date"])
        c = r.counts.get("loans")
        return f"{c.updated if c else 0:,} loan(s) corrected"

    def _waves(self) -> str:
        from astrofinance.portfolio.waves import assign

        with session_scope(self.db) as conn:
            return f"{assign(conn):,} loan(s) changed wave"

    def _hierarchy(self) -> str:
        from astrofinance.portfolio.hierarchy import load_verticals

        assert self.verticals is not None
        with session_scope(self.db) as conn:
            r = load_verticals(conn, self.verticals)
        return (f"{r.rows_read:,} row(s), {r.matched:,} officer(s) matched, {r.updated:,} "
                f"updated, {len(r.problems):,} problem(s)")

    def _hierarchy_apply(self) -> str:
        from astrofinance.portfolio.hierarchy import apply_to_loans

        with session_scope(self.db) as conn:
            return f"{apply_to_loans(conn):,} loan(s) changed"

    def _recalculate(self) -> str:
        from astrofinance.metrics.service import recalculate

        with session_scope(self.db) as conn:
            r = recalculate(conn, self.as_of)
        return (f"{r.total_loans_processed:,} loans processed, {r.loans_updated:,} updated "
                f"as of {self.as_of}")

    def _verify(self) -> str:
        from astrofinance.ops.quality import CheckContext, verify

        source = self.syncer.source
        ctx = CheckContext(source_url=source.url, mapping=source.mapping.path
                           if source.mapping.path.endswith(".toml") else source.mapping.name)
        with session_scope(self.db) as conn:
            report = verify(conn, limits=self.verify_limits, ctx=ctx)
        self._verify_passed = report.passed
        if report.passed:
            return f"all {len(report.results)} checks passed"
        return f"checks over their maximum: {', '.join(report.failed)}"
