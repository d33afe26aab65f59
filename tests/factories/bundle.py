"""CSV bundles (shared/spec/interfaces.md) written into a temporary directory."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

Rows = list[dict[str, Any]]


def write_csv(path: Path, rows: Rows, header: list[str] | None = None) -> Path:
    """Write rows (dicts) under a header (default: the keys in first-seen order)."""
    if header is None:
        header = list(dict.fromkeys(k for row in rows for k in row))
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if row.get(h) is None else row.get(h) for h in header])
    return path


def write_bundle(directory: Path, **files: Rows | str) -> Path:
    """A bundle: one keyword per file (loans=[...], repayments="raw,csv\\n...")."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = directory / f"{name}.csv"
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            write_csv(path, content)
    return directory


def officer(officer_id: str = "OF1", **over: Any) -> dict[str, Any]:
    row = {"officer_id": officer_id, "name": f"Officer {officer_id}",
           "email": f"{officer_id.lower()}@example.ng", "branch": "Ikeja", "region": "Lagos",
           "hire_date": "2024-01-15", "supervisor_email": "sup@example.ng",
           "vertical_lead_email": "vl@example.ng"}
    return {**row, **over}


def customer(customer_id: str = "C1", **over: Any) -> dict[str, Any]:
    row = {"customer_id": customer_id, "name": f"Customer {customer_id}",
           "phone": "08030000000", "officer_id": "OF1", "branch": "Ikeja", "state": "Lagos"}
    return {**row, **over}


def loan(loan_id: str = "L1", **over: Any) -> dict[str, Any]:
    """The worked example's loan of metrics.md (10 daily installments of 1,200.00)."""
    row = {"loan_id": loan_id, "customer_id": "C1", "officer_id": "OF1",
           "loan_amount": "10000.00", "interest_amount": "2000.00", "fee_amount": "0",
           "installments": "10", "frequency": "daily", "disbursement_date": "2025-02-28",
           "first_payment_due_date": "2025-03-03", "status": "active", "product": "Daily 10",
           "channel": "branch", "repayment_amount": "12000.00"}
    return {**row, **over}


def repayment(repayment_id: str = "R1", **over: Any) -> dict[str, Any]:
    row = {"repayment_id": repayment_id, "loan_id": "L1", "payment_date": "2025-03-03",
           "amount": "1200.00", "reversed": "false", "channel": "transfer",
           "reference": f"ref-{repayment_id}"}
    return {**row, **over}


def schedule(loan_id: str, dues: list[tuple[str, str, str, str]]) -> Rows:
    """Rows of schedules.csv: (due_date, principal, interest, fee) per installment."""
    return [{"loan_id": loan_id, "installment_no": str(i), "due_date": d,
             "principal_due": p, "interest_due": it, "fee_due": f}
            for i, (d, p, it, f) in enumerate(dues, start=1)]


def good_bundle(directory: Path) -> Path:
    """Two officers, two customers, three loans (daily, weekly, monthly with a supplied
    schedule), four repayments and a holiday."""
    return write_bundle(
        directory,
        holidays=[{"date": "2025-03-05", "name": "Ash Wednesday (test)"}],
        officers=[officer("OF1"), officer("OF2", branch="Kano", region="North West",
                                          hire_date="2025-10-05")],
        customers=[customer("C1"), customer("C2", officer_id="OF2")],
        loans=[loan("L1"),
               loan("L2", customer_id="C2", officer_id="OF2", loan_amount="5000.50",
                    interest_amount="500.25", fee_amount="100.10", installments="4",
                    frequency="Weekly", disbursement_date="2025-10-21",
                    first_payment_due_date="2025-10-28", status="ACTIVE",
                    repayment_amount=""),
               loan("L3", loan_amount="3000", interest_amount="300", fee_amount="0",
                    installments="3", frequency="monthly", first_payment_due_date="2025-03-31",
                    status="written_off", written_off_on="2025-06-30",
                    repayment_amount="3300.00")],
        repayments=[repayment("R1"), repayment("R2", payment_date="2025-03-05", amount="600"),
                    repayment("R3", payment_date="2025-03-11", amount="3000.00"),
                    repayment("R4", loan_id="L2", payment_date="2025-10-28",
                              amount="1400.21", reversed="yes")],
        schedules=schedule("L3", [("2025-03-31", "1000.00", "100.00", "0"),
                                  ("2025-04-30", "1000.00", "100.00", "0"),
                                  ("2025-05-30", "1000.00", "100.00", "0")]),
    )
