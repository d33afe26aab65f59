"""`astrofinance sync ...` and `astrofinance refresh`: the lender's system of record."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Sync from the lender's system of record (a SQL source with a mapping, or a CSV "
         "bundle): full, incremental, fixes, status.",
    no_args_is_help=True)


def register_refresh(app: typer.Typer) -> None:
    """Add the `refresh` command (the complete refresh sequence) to the main app."""
