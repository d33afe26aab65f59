"""`astrofinance customers ...`: borrowers."""

from __future__ import annotations

import typer
from rich.table import Table

from astrofinance.cli.common import (
    FORMAT_OPTION,
    TableJson,
    console,
    database,
    handle_errors,
    print_fields,
    print_json,
)

app = typer.Typer(help="Customers (borrowers): add, list, show.", no_args_is_help=True)



@app.command("add")
@handle_errors
def add(
    customer_id: str = typer.Option(..., "--id", help="Customer id."),
    name: str = typer.Option(..., "--name", help="Full name."),
    phone: str = typer.Option(None, "--phone",
                              help="Phone, +2348012345678 or 08012345678 (stored as E.164)."),
    email: str = typer.Option(None, "--email", help="Email address."),
    officer: str = typer.Option(None, "--officer", help="Loan officer id."),
    branch: str = typer.Option(None, "--branch", help="Branch."),
    state: str = typer.Option(None, "--state", help="State."),
) -> None:
    """Add a customer."""
    from astrofinance.cli.common import actor
    from astrofinance.db import session_scope
    from astrofinance.portfolio.customers import Customer, add_customer

    with session_scope(database()) as conn:
        c = add_customer(conn, Customer(customer_id, name, phone, email, officer, branch, state),
                         actor())
    console.print(f"Added customer {c.customer_id} ({c.name}{', ' + c.phone if c.phone else ''}).")


@app.command("list")
@handle_errors
def list_(officer: str = typer.Option(None, "--officer", help="Only this officer's customers."),
          limit: int = typer.Option(1000, "--limit", min=1, help="At most this many."),
          fmt: TableJson = FORMAT_OPTION) -> None:
    """List customers with their loan counts."""
    from astrofinance.db import session_scope
    from astrofinance.portfolio.customers import list_customers

    with session_scope(database()) as conn:
        rows = list_customers(conn, officer_id=officer, limit=limit)
    if fmt is TableJson.json:
        print_json(rows)
        return
    table = Table(title=f"Customers ({len(rows)})")
    for col in ("id", "name", "phone", "officer", "branch", "loans", "open"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["customer_id"], r["name"], r["phone"] or "", r["officer_id"] or "",
                      r["branch"] or "", str(r["loans"]), str(r["open_loans"]))
    console.print(table)


@app.command("show")
@handle_errors
def show(customer_id: str = typer.Argument(..., help="Customer id."),
         fmt: TableJson = FORMAT_OPTION) -> None:
    """Show one customer."""
    from astrofinance.db import session_scope
    from astrofinance.portfolio.customers import get_customer

    with session_scope(database()) as conn:
        row = get_customer(conn, customer_id)
    if fmt is TableJson.json:
        print_json(row)
        return
    print_fields(f"Customer {customer_id}", row)
