"""How each computed field of a loan was derived, in a sentence, from the loan's stored fields
and its schedule (each installment's due date d_i and the date m_i it became fully paid) as
of the fields' date T: the rules are shared/spec/metrics.md's, read back, not recomputed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from astrofinance.web.render import day, naira


def _paid_by(row: dict[str, Any], when: dt.date) -> bool:
    return row["paid_on"] is not None and row["paid_on"] <= when


def explain_fields(loan: dict[str, Any], schedule: list[dict[str, Any]],
                   repayments: list[dict[str, Any]]) -> dict[str, str]:
    """field name -> a short explanation; empty when the fields were never computed."""
    t: dt.date | None = loan.get("fields_as_of")
    if t is None:
        return {}
    due = [r for r in schedule if r["due_date"] < t]
    unpaid = [r for r in due if not _paid_by(r, t)]
    out: dict[str, str] = {}
    dpd = loan.get("current_dpd") or 0
    if unpaid:
        first = unpaid[0]
        out["current_dpd"] = (f"DPD {dpd}: installment {first['installment_no']} due "
                              f"{day(first['due_date'])} is unpaid on {day(t)} "
                              f"({(t - first['due_date']).days} days).")
    else:
        out["current_dpd"] = f"DPD 0: every installment due before {day(t)} is fully paid."
    numbers = ", ".join(str(r["installment_no"]) for r in unpaid[:10])
    out["installments_in_arrears"] = (
        f"{len(unpaid)} of the {len(due)} installments due before {day(t)} are not fully "
        f"paid" + (f" ({numbers}{'…' if len(unpaid) > 10 else ''})." if unpaid else "."))
    out["max_dpd_ever"] = _max_dpd(loan, schedule, t)
    out.update(_first_installment(loan, schedule, t))
    out["early_indicator_tagged"] = (
        f"DPD {dpd} is {'' if 1 <= dpd <= 6 else 'not '}between 1 and 6.")
    on_time = [r for r in due if r["paid_on"] is not None and r["paid_on"] <= r["due_date"]]
    out["repayment_delay_rate"] = (
        f"{len(on_time)} of {len(due)} installments due before {day(t)} were paid on or "
        f"before their due date." if due else "No installment is due yet.")
    out["timeliness_score"] = (
        "100 × the mean, over the installments due before T, of 1 − days late / 30 "
        "(on time: full marks; 30 or more days late: none)." if due else
        "No installment is due yet.")
    out["repayment_health"] = _health(loan, due, repayments, t)
    live = [r for r in repayments if not r["is_reversed"] and r["payment_date"] <= t]
    out["days_since_last_repayment"] = (
        f"The latest repayment was on {day(live[-1]['payment_date'])}." if live
        else "No repayment yet.")
    out["total_repayments"] = (f"{len(live)} repayments up to {day(t)}, reversed ones "
                               "excluded.")
    out["principal_outstanding"] = (
        f"Loan amount {naira(loan.get('loan_amount'))} less the principal the repayments "
        "paid off (allocation order of the product).")
    out["repayment_days_due_today"] = (f"Installments due on or before {day(t)}: "
                                       f"{len([r for r in schedule if r['due_date'] <= t])}.")
    return out


def _max_dpd(loan: dict[str, Any], schedule: list[dict[str, Any]], t: dt.date) -> str:
    worst, row = 0, None
    for r in schedule:
        if r["due_date"] >= t:
            continue
        end = min(r["paid_on"] - dt.timedelta(days=1), t) if r["paid_on"] else t
        late = (end - r["due_date"]).days
        if late > worst:
            worst, row = late, r
    if row is None:
        return "No installment was ever paid late."
    paid = f"paid {day(row['paid_on'])}" if row["paid_on"] and row["paid_on"] <= t \
        else "still unpaid"
    return (f"Max DPD {loan.get('max_dpd_ever')}: installment {row['installment_no']} due "
            f"{day(row['due_date'])}, {paid}.")


def _first_installment(loan: dict[str, Any], schedule: list[dict[str, Any]],
                       t: dt.date) -> dict[str, str]:
    from astrofinance.config import get_settings

    if not schedule:
        return {"fimr_tagged": "The loan has no schedule yet."}
    first, grace = schedule[0], get_settings().fimr_grace_days
    deadline = first["due_date"] + dt.timedelta(days=grace)
    if t <= deadline:
        return {"fimr_tagged": f"The first installment ({day(first['due_date'])}, grace "
                               f"{grace} days) is not past due yet."}
    paid = _paid_by(first, deadline)
    return {"fimr_tagged": f"The first installment due {day(first['due_date'])} was "
                           f"{'' if paid else 'not '}fully paid by {day(deadline)} "
                           f"(grace {grace} days)."}


def _health(loan: dict[str, Any], due: list[dict[str, Any]], repayments: list[dict[str, Any]],
            t: dt.date) -> str:
    if not due or loan.get("timeliness_score") is None:
        return "No installment is due yet."
    owed = sum((Decimal(r["amount_due"]) for r in due), Decimal(0))
    paid = Decimal(loan.get("total_repayments") or 0)
    dpd = loan.get("current_dpd") or 0
    return (f"0.4 × timeliness {loan['timeliness_score']} + 40 × min(1, repaid "
            f"{naira(paid)} / due before T {naira(owed)}) + 20 × (1 − min(DPD {dpd}, 30) / 30).")
