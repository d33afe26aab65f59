"""`astrofinance loans create|approve|reject|cancel|disburse|pay|reverse|charge|write-off|show|
transactions`: a loan's life in the loan book (registered on the `loans` sub-app)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from enum import StrEnum
from typing import Any

import typer
from rich.table import Table

from astrofinance.cli.common import (
    FORMAT_OPTION,
    TableJson,
    actor,
    console,
    database,
    handle_errors,
    parse_date,
    parse_money,
    print_fields,
    print_json,
)


class ChargeKind(StrEnum):
    fee = "fee"
    penalty = "penalty"


def _money(value: str, name: str) -> Decimal:
    amount = parse_money(value, name)
    assert amount is not None  # the option is required
    return amount


def _date(value: str, name: str) -> dt.date:
    day = parse_date(value, name)
    assert day is not None  # the option is required
    return day


def _run(work: Callable[[Any], Any]) -> Any:
    from astrofinance.db import session_scope

    with session_scope(database()) as conn:
        return work(conn)


def create(
    loan_id: str = typer.Option(..., "--id", help="Loan id."),
    customer: str = typer.Option(..., "--customer", help="Customer id."),
    product: str = typer.Option(..., "--product", help="Product code."),
    principal: str = typer.Option(..., "--principal", help="Principal (loan amount)."),
    installments: int = typer.Option(..., "--installments", help="Number of installments."),
    disbursement_date: str = typer.Option(..., "--disbursement-date",
                                          help="Planned disbursement date (YYYY-MM-DD)."),
    first_due_date: str = typer.Option(None, "--first-due-date",
                                       help="First due date (default: one period after "
                                            "disbursement plus the product's grace days)."),
    officer: str = typer.Option(None, "--officer", help="Loan officer (default: the "
                                                        "customer's)."),
    channel: str = typer.Option(None, "--channel", help="Origination channel."),
) -> None:
    """Create a loan application (Pending) with the product's terms."""
    from astrofinance.lending.service import LoanApplication, create_loan

    application = LoanApplication(
        loan_id, customer, product, _money(principal, "--principal"), installments,
        _date(disbursement_date, "--disbursement-date"),
        parse_date(first_due_date, "--first-due-date"), officer, channel)
    _run(lambda c: create_loan(c, application, actor()))
    console.print(f"Created loan {loan_id} (Pending): approve it, then disburse it.")


def approve(loan_id: str = typer.Argument(..., help="Loan id.")) -> None:
    """Approve a pending loan application."""
    from astrofinance.lending.service import approve_loan

    _run(lambda c: approve_loan(c, loan_id, actor()))
    console.print(f"Approved loan {loan_id}.")


def reject(loan_id: str = typer.Argument(..., help="Loan id."),
           reason: str = typer.Option(None, "--reason", help="Why.")) -> None:
    """Reject a loan application that is not approved yet (it becomes Cancelled)."""
    from astrofinance.lending.service import reject_loan

    _run(lambda c: reject_loan(c, loan_id, actor(), reason))
    console.print(f"Rejected loan {loan_id}.")


def cancel(loan_id: str = typer.Argument(..., help="Loan id."),
           reason: str = typer.Option(None, "--reason", help="Why.")) -> None:
    """Cancel a loan before its disbursement."""
    from astrofinance.lending.service import cancel_loan

    _run(lambda c: cancel_loan(c, loan_id, actor(), reason))
    console.print(f"Cancelled loan {loan_id}.")


def disburse(loan_id: str = typer.Argument(..., help="Loan id."),
             date: str = typer.Option(None, "--date", help="Disbursement date (default: the "
                                                           "planned one).")) -> None:
    """Disburse an approved loan: schedule, disbursement transaction, journal entry."""
    from astrofinance.lending.service import disburse_loan, loan_overview

    def work(c: Any) -> dict[str, Any]:
        disburse_loan(c, loan_id, actor(), parse_date(date, "--date"))
        return loan_overview(c, loan_id)

    o = _run(work)
    console.print(f"Disbursed loan {loan_id} on {o['disbursement_date']}: "
                  f"{o['installments']} {o['frequency']} installments, first due "
                  f"{o['first_payment_due_date']}, total repayable {o['repayment_amount']}.")


def pay(loan_id: str = typer.Argument(..., help="Loan id."),
        amount: str = typer.Option(..., "--amount", help="Amount received."),
        date: str = typer.Option(..., "--date", help="Payment date (YYYY-MM-DD)."),
        key: str = typer.Option(None, "--key", help="Idempotency key: a retry with the same key "
                                                    "records the payment once."),
        channel: str = typer.Option(None, "--channel", help="Payment channel."),
        reference: str = typer.Option(None, "--reference", help="Payment reference."),
        fmt: TableJson = FORMAT_OPTION) -> None:
    """Record a repayment and show how it was allocated."""
    from astrofinance.lending.service import record_payment

    r = _run(lambda c: record_payment(c, loan_id, _money(amount, "--amount"),
                                      _date(date, "--date"), actor(), key=key,
                                      channel=channel, reference=reference))
    if fmt is TableJson.json:
        print_json(r.__dict__)
        return
    what = "Already recorded" if r.replayed else "Recorded"
    console.print(f"{what}: transaction {r.transaction_id} (repayment {r.repayment_id}) on loan "
                  f"{loan_id}; principal {r.principal}, interest {r.interest}, fees and "
                  f"penalties {r.charges}, overpayment {r.overpayment}"
                  + (f", recovery {r.recovery}" if r.recovery else "")
                  + f". Loan is {r.loan_status}.")


def reverse(payment_id: str = typer.Argument(..., help="The repayment's transaction id, or "
                                                      "its repayment id (AF000000001)."),
            reason: str = typer.Option(None, "--reason", help="Why.")) -> None:
    """Reverse a repayment (undoes its allocation with a reversing journal entry)."""
    from astrofinance.lending.service import reverse_payment

    new_id = _run(lambda c: reverse_payment(c, payment_id, actor(), reason))
    console.print(f"Reversed payment {payment_id} (reversal transaction {new_id}).")


def charge(loan_id: str = typer.Argument(..., help="Loan id."),
           kind: ChargeKind = typer.Option(..., "--kind", help="fee or penalty."),
           amount: str = typer.Option(..., "--amount", help="Amount charged."),
           date: str = typer.Option(None, "--date", help="Charge date (default: today)."),
           installment: int = typer.Option(None, "--installment",
                                           help="Installment to add it to (default: the "
                                                "oldest not fully paid)."),
           note: str = typer.Option(None, "--note", help="Why.")) -> None:
    """Charge a fee or a penalty to a loan."""
    from astrofinance.cli.common import today
    from astrofinance.lending.service import charge_loan

    when = parse_date(date, "--date") or today()
    txn = _run(lambda c: charge_loan(c, loan_id, kind.value, _money(amount, "--amount"),
                                     when, actor(), installment_no=installment, note=note))
    console.print(f"Charged a {kind.value} of {amount} to loan {loan_id} (transaction {txn}).")


def write_off(loan_id: str = typer.Argument(..., help="Loan id."),
              date: str = typer.Option(None, "--date", help="Write-off date (default: today)."),
              reason: str = typer.Option(None, "--reason", help="Why.")) -> None:
    """Write a loan off (its principal and charges leave the books)."""
    from astrofinance.lending.service import write_off_loan

    txn = _run(lambda c: write_off_loan(c, loan_id, actor(), parse_date(date, "--date"), reason))
    console.print(f"Wrote off loan {loan_id} (transaction {txn}).")


def show(loan_id: str = typer.Argument(..., help="Loan id."),
         fmt: TableJson = FORMAT_OPTION) -> None:
    """Show a loan: terms, lifecycle and live balances."""
    from astrofinance.lending.service import loan_overview

    o = _run(lambda c: loan_overview(c, loan_id))
    if fmt is TableJson.json:
        print_json(o)
        return
    print_fields(f"Loan {loan_id}", o)


def transactions(loan_id: str = typer.Argument(..., help="Loan id."),
                 fmt: TableJson = FORMAT_OPTION) -> None:
    """List a loan's transactions with their journal entries."""
    from astrofinance.lending.service import loan_transactions

    rows = _run(lambda c: loan_transactions(c, loan_id))
    if fmt is TableJson.json:
        print_json(rows)
        return
    table = Table(title=f"Transactions of loan {loan_id} ({len(rows)})")
    for col in ("id", "type", "date", "amount", "reversed", "entry", "by", "note"):
        table.add_column(col)
    for r in rows:
        table.add_row(str(r["transaction_id"]), r["txn_type"], str(r["txn_date"]),
                      str(r["amount"]), "yes" if r["is_reversed"] else "",
                      str(r["journal_entry_id"] or ""), r["created_by"], r["note"] or "")
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add the loan-book commands to the `loans` sub-app."""
    for name, func in (("create", create), ("approve", approve), ("reject", reject),
                       ("cancel", cancel), ("disburse", disburse), ("pay", pay),
                       ("reverse", reverse), ("charge", charge), ("write-off", write_off),
                       ("show", show), ("transactions", transactions)):
        app.command(name)(handle_errors(func))
