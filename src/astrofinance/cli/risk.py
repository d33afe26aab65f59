"""`astrofinance loans mark-defaulted --days N` (registered on the `loans` sub-app)."""

from __future__ import annotations

import typer

from astrofinance.cli.common import actor, console, database, handle_errors


def register(loans_app: typer.Typer) -> None:
    """Add the risk operations to `astrofinance loans`."""
    loans_app.command("mark-defaulted")(mark_defaulted)


@handle_errors
def mark_defaulted(
    days: int = typer.Option(..., "--days", min=0,
                             help="Loans more than this many days past due become Defaulted."),
) -> None:
    """Mark Active loans more than --days past due Defaulted.

    The loans booked here (not those synced from another system), their days past due as of
    today; the audit log records who did it.
    """
    from astrofinance.accounting.risk import mark_defaulted as run
    from astrofinance.db import session_scope

    with session_scope(database()) as conn:
        n = run(conn, days, actor())
    console.print(f"Marked {n} loan(s) Defaulted (Active and more than {days} days past due).")
