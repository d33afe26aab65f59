"""`astrofinance products ...`: the loan products of the loan book."""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal
from enum import StrEnum

import typer
from rich.table import Table

from astrofinance.cli.common import (
    FORMAT_OPTION,
    TableJson,
    actor,
    console,
    database,
    handle_errors,
    parse_money,
    print_fields,
    print_json,
)

app = typer.Typer(help="Loan products: interest method and rate, frequency, limits, fees, "
                       "allocation order, grace days.", no_args_is_help=True)


class Method(StrEnum):
    flat = "flat"
    declining_balance = "declining_balance"


class Frequency(StrEnum):
    daily = "daily"
    weekly = "weekly"
    biweekly = "biweekly"
    monthly = "monthly"


class FeeTiming(StrEnum):
    upfront = "upfront"
    spread = "spread"



@app.command("add")
@handle_errors
def add(
    code: str = typer.Argument(..., help="Product code (letters, digits, _ - .)."),
    method: Method = typer.Option(..., "--interest-method",
                                  help="flat: principal x rate x days/365; declining_balance: "
                                       "equal installments, interest on the remaining principal."),
    rate: str = typer.Option(..., "--rate", help="Nominal annual interest rate in percent."),
    frequency: Frequency = typer.Option(..., "--frequency", help="Installment frequency."),
    name: str = typer.Option(None, "--name", help="Display name (default: the code)."),
    min_principal: str = typer.Option("1", "--min-principal", help="Smallest principal."),
    max_principal: str = typer.Option(None, "--max-principal", help="Largest principal."),
    min_installments: int = typer.Option(1, "--min-installments", help="Fewest installments."),
    max_installments: int = typer.Option(None, "--max-installments",
                                         help="Most installments (at most 1000)."),
    fee_rate: str = typer.Option("0", "--fee-rate", help="Fee in percent of the principal."),
    fee_flat: str = typer.Option("0", "--fee-flat", help="Fixed fee amount."),
    fee_timing: FeeTiming = typer.Option(FeeTiming.upfront, "--fee-timing",
                                         help="upfront: deducted at disbursement; spread: split "
                                              "evenly over the installments."),
    order: str = typer.Option("penalty,fee,interest,principal", "--allocation-order",
                              help="Order in which a payment pays an installment's parts."),
    grace_days: int = typer.Option(0, "--grace-days",
                                   help="Extra days before the first due date."),
    fimr_grace_days: int = typer.Option(None, "--fimr-grace-days",
                                        help="FIMR grace days for its loans (default: the "
                                             "FIMR_GRACE_DAYS setting)."),
) -> None:
    """Create a loan product."""
    from astrofinance.db import session_scope
    from astrofinance.lending.products import Product, add_product

    product = Product(
        code=code, name=name or code, interest_method=method.value,
        annual_rate=_dec(rate, "--rate"), frequency=frequency.value,
        min_principal=_dec(min_principal, "--min-principal"),
        max_principal=parse_money(max_principal, "--max-principal"),
        min_installments=min_installments, max_installments=max_installments,
        fee_rate=_dec(fee_rate, "--fee-rate"), fee_flat=_dec(fee_flat, "--fee-flat"),
        fee_timing=fee_timing.value,
        allocation_order=[p.strip().lower() for p in order.split(",") if p.strip()],
        grace_days=grace_days, fimr_grace_days=fimr_grace_days)
    with session_scope(database()) as conn:
        saved = add_product(conn, product, actor())
    console.print(f"Added product {saved.code} ({saved.interest_method}, {saved.annual_rate}% "
                  f"a year, {saved.frequency}).")


def _dec(value: str, name: str) -> Decimal:
    try:
        return Decimal(value)
    except ArithmeticError:
        raise typer.BadParameter(f"{value!r} is not a number", param_hint=name) from None


@app.command("list")
@handle_errors
def list_(fmt: TableJson = FORMAT_OPTION) -> None:
    """List the products."""
    from astrofinance.db import session_scope
    from astrofinance.lending.products import list_products

    with session_scope(database()) as conn:
        products = list_products(conn)
    if fmt is TableJson.json:
        print_json([asdict(p) for p in products])
        return
    table = Table(title=f"Products ({len(products)})")
    for col in ("code", "name", "method", "rate %", "frequency", "principal", "installments",
                "fee", "active"):
        table.add_column(col)
    for p in products:
        fee = f"{p.fee_rate}% + {p.fee_flat} {p.fee_timing}"
        table.add_row(p.code, p.name, p.interest_method, str(p.annual_rate), p.frequency,
                      f"{p.min_principal}–{p.max_principal or '∞'}",
                      f"{p.min_installments}–{p.max_installments or 1000}", fee,
                      "yes" if p.is_active else "no")
    console.print(table)


@app.command("show")
@handle_errors
def show(code: str = typer.Argument(..., help="Product code."),
         fmt: TableJson = FORMAT_OPTION) -> None:
    """Show one product's settings."""
    from astrofinance.db import session_scope
    from astrofinance.lending.products import get_product

    with session_scope(database()) as conn:
        product = get_product(conn, code)
    if fmt is TableJson.json:
        print_json(asdict(product))
        return
    print_fields(f"Product {code}", asdict(product))
