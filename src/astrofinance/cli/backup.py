"""`astrofinance backup` and `astrofinance restore`: verified pg_dump archives (ops/backup.py)."""

from __future__ import annotations

from pathlib import Path

import typer

from astrofinance.cli.common import console, err_console, handle_errors

OUTPUT_DIR_HELP = ("Where backups go (default: ASTROFINANCE_BACKUP_PATH, else ./backups).")


def register(app: typer.Typer) -> None:
    """Add the `backup` and `restore` commands to the main app."""
    app.command("backup")(backup)
    app.command("restore")(restore)


def take_backup(output_dir: Path | None, *, retention_days: int = 0,
                retention_count: int = 0):
    """A verified backup of the configured database, with a status line on stderr."""
    from astrofinance.ops import backup as ops

    with err_console.status("backing up…") as status:
        made = ops.create_backup(ops.configured_url(), ops.backup_dir(output_dir),
                                 retention_days=retention_days,
                                 retention_count=retention_count,
                                 progress=lambda m: status.update(m))
    err_console.print(f"verified: {len(made.tables)} tables, sha256 {made.sha256[:16]}…")
    for old in made.deleted:
        err_console.print(f"deleted old backup {old.name}")
    return made


@handle_errors
def backup(
    output_dir: Path = typer.Option(None, "--output-dir", "-o", help=OUTPUT_DIR_HELP,
                                    file_okay=False),
    retention_days: int = typer.Option(None, "--retention-days", "-r", min=0,
                                       show_default=False,
                                       help="Delete this database's backups older than N days "
                                            "(0: keep them), after a verified backup. Default: "
                                            "ASTROFINANCE_BACKUP_RETENTION_DAYS, else 30."),
    retention_count: int = typer.Option(None, "--retention-count", "-c", min=0,
                                        show_default=False,
                                        help="Keep at most the N newest backups of this "
                                             "database (0: no limit). Default: "
                                             "ASTROFINANCE_BACKUP_RETENTION_COUNT, else 10."),
) -> None:
    """Back up the database (pg_dump custom format), verify it, write its checksum, apply
    retention. Prints the file and its size; progress on stderr."""
    from astrofinance.ops.backup import configured, human_size

    days = configured("retention_days", 30) if retention_days is None else retention_days
    count = configured("retention_count", 10) if retention_count is None else retention_count
    made = take_backup(output_dir, retention_days=days, retention_count=count)
    typer.echo(f"{made.path}\t{human_size(made.size)}")   # tab-separated, for scripts


@handle_errors
def restore(
    file: Path = typer.Argument(None, help="The backup (.dump) to restore.", dir_okay=False),
    list_: bool = typer.Option(False, "--list", "-l",
                               help="List the backups with size, date and checksum status."),
    output_dir: Path = typer.Option(None, "--output-dir", "-o", help=OUTPUT_DIR_HELP,
                                    file_okay=False),
    create: bool = typer.Option(False, "--create", "-c",
                                help="Create the database first if it does not exist."),
    reset: bool = typer.Option(False, "--reset", "-r",
                               help="Replace a database that holds data (asks first)."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Restore a backup into the configured database: the checksum is verified first, and a
    database holding data is only replaced with --reset."""
    from astrofinance.ops import backup as ops
    from astrofinance.ops import restore as r

    if list_:
        _list(ops.backup_dir(output_dir))
        return
    if file is None:
        raise typer.BadParameter("give the backup FILE to restore (or --list)",
                                 param_hint="FILE")
    with err_console.status("restoring…") as status:
        done = r.restore(file, ops.configured_url(), create=create, reset=reset,
                         confirm=lambda q: yes or _ask(status, q),
                         progress=lambda m: status.update(m))
    _report(done)


def _ask(status, question: str) -> bool:
    status.stop()
    try:
        return typer.confirm(question, err=True)
    finally:
        status.start()


def _list(directory: Path) -> None:
    from astrofinance.ops.backup import human_size, list_backups

    found = list_backups(directory)
    if not found:
        err_console.print(f"no backups in {directory}")
        return
    width = max(len(b.path.name) for b in found)
    err_console.print(f"backups in {directory}, newest first", highlight=False)
    typer.echo(f"{'file':<{width}}  {'size':>9}  {'date (UTC)':<19}  checksum")
    shown = {"ok": "matches", "missing": "missing", "MISMATCH": "MISMATCH"}
    for b in found:
        typer.echo(f"{b.path.name:<{width}}  {human_size(b.size):>9}  "
                   f"{b.modified:%Y-%m-%d %H:%M:%S}  {shown[b.status]}")


def _report(done) -> None:
    console.print(f"restored {done.path.name} into {done.database}: {done.tables} tables",
                  highlight=False)
    for table, rows in done.rows.items():
        console.print(f"  {table}: {rows} rows", highlight=False)
    console.print(f"schema version {done.schema_version or '(none)'}", highlight=False)
    if not done.current:
        err_console.print(f"the code needs schema {done.code_version}: run "
                          "`astrofinance db migrate`")
