"""`astrofinance waves ...`: the wave rules and the loans' waves."""

from __future__ import annotations

import typer
from rich.table import Table

from astrofinance.cli.common import console, database, handle_errors, parse_date

app = typer.Typer(
    help="Waves: rules stored as data (first active rule by priority wins), assigned to loans.",
    no_args_is_help=True)

BACKFILL_NOTE = "Rule changes re-assign every loan's wave at once (a trigger backfills them)."


@app.command("list")
@handle_errors
def list_() -> None:
    """Show the rules in the order they are tried, and how many loans each wave has."""
    from astrofinance.db import session_scope
    from astrofinance.portfolio.waves import list_rules, loans_per_wave

    with session_scope(database()) as conn:
        rules, counts = list_rules(conn), loans_per_wave(conn)
    table = Table(title="Wave rules (first active match by priority wins)")
    for col, justify in (("id", "right"), ("priority", "right"), ("wave", "left"),
                         ("conditions", "left"), ("active", "left"), ("description", "left")):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for r in rules:
        table.add_row(str(r.id), str(r.priority), r.wave, r.conditions,
                      "yes" if r.active else "no", r.description or "")
    console.print(table)
    _print_counts(counts)


@app.command()
@handle_errors
def assign(
    loan_id: list[str] = typer.Option(None, "--loan-id",
                                      help="Only this loan (repeat for more); default: all."),
) -> None:
    """Re-assign loans' waves from the current rules (a backfill); prints how many changed."""
    from astrofinance.db import session_scope
    from astrofinance.portfolio.waves import assign as run

    with session_scope(database()) as conn:
        changed = run(conn, loan_id or None)
    console.print(f"{changed} loan(s) changed wave.")


@app.command("add-rule")
@handle_errors
def add_rule(
    wave: str = typer.Option(..., "--wave", help="The wave this rule gives, e.g. 'Wave 3'."),
    priority: int = typer.Option(..., "--priority",
                                 help="Lower numbers are tried first (defaults use 10, 20, 1000)."),
    hired: str = typer.Option(None, "--officer-hired-on-or-after",
                              help="Condition: the loan officer was hired on or after this date."),
    disbursed: str = typer.Option(None, "--disbursed-on-or-after",
                                  help="Condition: the loan was disbursed on or after this date."),
    description: str = typer.Option(None, "--description", help="Free text shown in the list."),
) -> None:
    """Add an active wave rule; every loan's wave is re-assigned at once."""
    from astrofinance.db import session_scope
    from astrofinance.portfolio.waves import add_rule as run
    from astrofinance.portfolio.waves import loans_per_wave

    with session_scope(database()) as conn:
        rule = run(conn, wave=wave, priority=priority,
                   officer_hired_on_or_after=parse_date(hired, "--officer-hired-on-or-after"),
                   disbursed_on_or_after=parse_date(disbursed, "--disbursed-on-or-after"),
                   description=description)
        counts = loans_per_wave(conn)
    console.print(f"Added rule {rule.id}: {rule.wave} when {rule.conditions} "
                  f"(priority {rule.priority}).")
    console.print(BACKFILL_NOTE)
    _print_counts(counts)


@app.command("disable-rule")
@handle_errors
def disable_rule(rule_id: int = typer.Argument(..., help="The rule's id (see `waves list`).")):
    """Disable a rule; every loan's wave is re-assigned at once."""
    _set_active(rule_id, False)


@app.command("enable-rule")
@handle_errors
def enable_rule(rule_id: int = typer.Argument(..., help="The rule's id (see `waves list`).")):
    """Enable a rule again; every loan's wave is re-assigned at once."""
    _set_active(rule_id, True)


def _set_active(rule_id: int, active: bool) -> None:
    from astrofinance.db import session_scope
    from astrofinance.portfolio.waves import loans_per_wave, set_rule_active

    with session_scope(database()) as conn:
        rule = set_rule_active(conn, rule_id, active)
        counts = loans_per_wave(conn)
    console.print(f"Rule {rule.id} ({rule.wave} when {rule.conditions}) "
                  f"{'enabled' if active else 'disabled'}.")
    console.print(BACKFILL_NOTE)
    _print_counts(counts)


def _print_counts(counts: dict[str | None, int]) -> None:
    table = Table(title="Loans per wave")
    table.add_column("wave")
    table.add_column("loans", justify="right")
    for wave, n in counts.items():
        table.add_row(wave or "(no wave: no rule matched)", f"{n:,}")
    console.print(table)
