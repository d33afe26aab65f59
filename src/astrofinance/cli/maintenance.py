"""`astrofinance maintenance`: backup, VACUUM, REINDEX, views, defaulted loans, recalculation,
PAR and a statistics report (ops/maintenance.py)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from astrofinance.cli.common import (
    FORMAT_OPTION,
    TableJson,
    actor,
    console,
    database,
    err_console,
    handle_errors,
    print_json,
)


def register(app: typer.Typer) -> None:
    app.command("maintenance")(maintenance)


@handle_errors
def maintenance(
    no_backup: bool = typer.Option(False, "--no-backup", "-n",
                                   help="Skip the verified backup taken first."),
    output_dir: Path = typer.Option(None, "--output-dir", "-o", file_okay=False,
                                    help="Where the backup goes (default: "
                                         "ASTROFINANCE_BACKUP_PATH, else ./backups)."),
    defaulted_after_days: int = typer.Option(
        90, "--defaulted-after-days", min=0,
        help="Loans of the loan book more than this many days past due become Defaulted."),
    fmt: TableJson = FORMAT_OPTION,
) -> None:
    """Back up, VACUUM ANALYZE, REINDEX (concurrently), refresh the views, mark defaulted
    loans, recalculate and report PAR and the database's statistics."""
    from astrofinance.cli.backup import take_backup
    from astrofinance.ops.backup import configured, human_size
    from astrofinance.ops.maintenance import MaintenanceFailed, run_maintenance

    def backup() -> str:
        made = take_backup(output_dir, retention_days=configured("retention_days", 30),
                           retention_count=configured("retention_count", 10))
        return f"{made.path} ({human_size(made.size)}, verified)"

    db = database()
    with err_console.status("maintenance…") as status:
        try:
            report = run_maintenance(db, backup=None if no_backup else backup,
                                     defaulted_after_days=defaulted_after_days, user=actor(),
                                     progress=lambda s: status.update(f"maintenance: {s}…"))
        except MaintenanceFailed as exc:
            _steps(exc.report)
            err_console.print(f"[red]{exc}[/]. The steps above are done.")
            raise typer.Exit(1) from None
    if fmt == TableJson.json:
        print_json(report.to_dict())
        return
    _steps(report)
    par = report.result.get("par30") or {}
    console.print(f"PAR30 {par.get('par_percent')}% of a gross loan portfolio of "
                  f"{par.get('gross_loan_portfolio')} ({par.get('loans_on_books')} loans on "
                  f"the books); database {human_size(report.database_bytes)}")
    tables = Table(title="Largest tables")
    for col in ("table", "size", "live rows", "dead rows", "last vacuum", "last analyze"):
        tables.add_column(col)
    for t in report.tables[:10]:
        tables.add_row(t["table_name"], human_size(t["total_bytes"]), f"{t['live_rows']:,}",
                       f"{t['dead_rows']:,}", _ts(t["last_vacuum"]), _ts(t["last_analyze"]))
    console.print(tables)
    unused = [i for i in report.indexes if not i["scans"] and not i["constraint_index"]]
    console.print(f"indexes: {len(report.indexes)}, never scanned (not backing a constraint): "
                  + (", ".join(i["index_name"] for i in unused[:10]) or "none"))
    if report.slow_queries is None:
        console.print("slow statements: pg_stat_statements is not available on this server")
    else:
        for q in report.slow_queries:
            console.print(f"  {q['mean_ms']} ms mean × {q['calls']}: {q['query']}")


def _steps(report) -> None:
    table = Table(title="Maintenance")
    for col in ("step", "seconds", "done"):
        table.add_column(col)
    for s in report.steps:
        table.add_row(s.name, f"{s.seconds:.2f}", s.detail)
    console.print(table)


def _ts(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "never"
