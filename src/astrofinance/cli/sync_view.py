"""How sync runs look on a terminal: progress bars per entity, the seed's summary lines."""

from __future__ import annotations

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from astrofinance.cli.common import console, err_console
from astrofinance.sync.service import FileCounts

LABELS = {"holidays": "Holidays", "officer_holidays": "Officer holidays",
          "officers": "Officers", "customers": "Customers", "loans": "Loans",
          "repayments": "Repayments", "schedules": "Schedules"}


class SyncBars:
    """A progress bar per entity (rows read of the source's count) on stderr."""

    def __init__(self) -> None:
        self.progress = Progress(
            SpinnerColumn(), TextColumn("[bold]{task.description:<18}"), BarColumn(),
            MofNCompleteColumn(), TimeElapsedColumn(), console=err_console,
            disable=not err_console.is_terminal)
        self.tasks: dict[str, TaskID] = {}

    def __enter__(self) -> SyncBars:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(None, None, None)

    def entity_started(self, name: str, total: int | None) -> None:
        self.tasks[name] = self.progress.add_task(LABELS.get(name, name), total=total)

    def advanced(self, name: str, rows: int) -> None:
        self.progress.advance(self.tasks[name], rows)

    def entity_done(self, name: str, counts: FileCounts) -> None:
        task = self.tasks.get(name)
        if task is not None:
            self.progress.update(task, total=self.progress.tasks[task].completed)
        console.print(summary_line(name, counts), highlight=False)

    def note(self, text: str) -> None:
        err_console.print(text, highlight=False, soft_wrap=True)


def summary_line(name: str, c: FileCounts) -> str:
    """`Officers sync complete: 1,234 successful, 0 errors` (the seed guide's line) and more."""
    ok = c.read - c.rejected
    return (f"{LABELS.get(name, name)} sync complete: {ok:,} successful, {c.rejected:,} errors"
            f" ({c.inserted:,} new, {c.updated:,} updated, {c.unchanged:,} unchanged)")


def counts_table(title: str, counts: dict[str, FileCounts]) -> Table:
    table = Table(title=title)
    table.add_column("entity")
    for col in ("read", "inserted", "updated", "unchanged", "rejected"):
        table.add_column(col, justify="right")
    for name, c in counts.items():
        table.add_row(name, *(f"{n:,}" for n in (c.read, c.inserted, c.updated, c.unchanged,
                                                 c.rejected)))
    return table
