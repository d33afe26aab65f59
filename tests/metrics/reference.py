"""An independent, deliberately plain Python reading of shared/spec/metrics.md, used as an
oracle by the property tests. Slow and simple on purpose; shares no code with the product."""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

ONE_DAY = dt.timedelta(days=1)
CENT = Decimal("0.01")


def is_bd(d: dt.date, holidays: set[dt.date]) -> bool:
    return d.isoweekday() <= 5 and d not in holidays


def roll(d: dt.date, holidays: set[dt.date]) -> dt.date:
    while not is_bd(d, holidays):
        d += ONE_DAY
    return d


def add_months(d: dt.date, k: int) -> dt.date:
    m = d.month - 1 + k
    y, m = d.year + m // 12, m % 12 + 1
    return dt.date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def due_dates(freq: str, first: dt.date, n: int, holidays: set[dt.date]) -> list[dt.date]:
    if freq == "daily":
        out, d = [], roll(first, holidays)
        while len(out) < n:
            if is_bd(d, holidays):
                out.append(d)
            d += ONE_DAY
        return out
    step = (lambda k: first + dt.timedelta(weeks=k)) if freq == "weekly" else (
        lambda k: add_months(first, k))
    return [roll(step(k), holidays) for k in range(n)]


def split(total: Decimal, n: int) -> list[Decimal]:
    part = (total / n).quantize(CENT, rounding=ROUND_DOWN)
    return [part] * (n - 1) + [total - part * (n - 1)]


def r2(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def fields(*, principal: Decimal, interest: Decimal, fee: Decimal, n: int, freq: str,
           disbursed: dt.date, first_due: dt.date, payments: list[tuple[dt.date, Decimal]],
           as_of: dt.date, holidays: set[dt.date] = frozenset(),
           written_off_on: dt.date | None = None, grace: int = 0) -> dict:
    T = as_of
    E = min(T, written_off_on) if written_off_on else T
    d = due_dates(freq, first_due, n, holidays)
    comps = list(zip(split(fee, n), split(interest, n), split(principal, n), strict=True))
    a = [sum(c) for c in comps]
    cum = [sum(a[: i + 1]) for i in range(n)]
    pays = sorted(payments)

    def repaid_by(day: dt.date) -> Decimal:
        return sum((amt for pd, amt in pays if pd <= day), Decimal(0))

    def m(i: int) -> dt.date | None:  # first date cumulative repayments reached cum[i]
        run = Decimal(0)
        for pd, amt in pays:
            run += amt
            if run >= cum[i]:
                return pd
        return None

    ms = [m(i) for i in range(n)]

    def paid_by(i: int, day: dt.date) -> bool:
        return ms[i] is not None and ms[i] <= day

    P, PE = repaid_by(T), repaid_by(E)
    left = P
    paid = [Decimal(0)] * 3  # fee, interest, principal
    for comp in comps:
        for k in range(3):
            take = min(comp[k], left)
            paid[k] += take
            left -= take
    past = [i for i in range(n) if d[i] < E]
    unpaid_past = [i for i in past if not paid_by(i, E)]
    dpd = (E - d[unpaid_past[0]]).days if unpaid_past else 0
    max_dpd = max([0] + [((min(ms[i] - ONE_DAY, E) if paid_by(i, E) else E) - d[i]).days
                         for i in range(n)])
    daily = r2((principal + interest + fee) / n)
    out: dict = {
        "total_repayments": P,
        "fees_outstanding": fee - paid[0],
        "interest_outstanding": interest - paid[1],
        "principal_outstanding": principal - paid[2],
        "total_outstanding": principal + interest + fee - P,
        "daily_repayment_amount": daily,
        "repayment_days_due_today": sum(1 for x in d if x <= E),
        "repayment_days_paid": r2(min(Decimal(n), P / daily)),
        "current_dpd": dpd,
        "max_dpd_ever": max_dpd,
        "installments_in_arrears": len(unpaid_past),
        "early_indicator_tagged": 1 <= dpd <= 6,
    }
    g_end = d[0] + dt.timedelta(days=grace)
    out["fimr_tagged"] = E > g_end and not (ms[0] is not None and ms[0] <= g_end)
    out["actual_outstanding"] = max(Decimal(0), out["total_outstanding"])
    out["overpaid_amount"] = max(Decimal(0), -out["total_outstanding"])
    if past:
        on_time = sum(1 for i in past if ms[i] is not None and ms[i] <= d[i])
        marks = [max(Decimal(0), 1 - Decimal(max(0, (min(ms[i] or E, E) - d[i]).days)) / 30)
                 for i in past]
        ts = 100 * sum(marks) / len(past)
        due_before = sum(a[i] for i in past)
        health = (Decimal("0.4") * ts + 40 * min(Decimal(1), PE / due_before)
                  + 20 * (1 - Decimal(min(dpd, 30)) / 30))
        out.update(repayment_delay_rate=r2(Decimal(100) * on_time / len(past)),
                   timeliness_score=r2(ts), repayment_health=r2(health))
    else:
        out.update(repayment_delay_rate=None, timeliness_score=None, repayment_health=None)
    last = [pd for pd, _ in pays if pd <= T]
    out["days_since_last_repayment"] = (T - max(last)).days if last else None
    bd, x = 0, disbursed + ONE_DAY
    while x <= T:
        bd += is_bd(x, holidays)
        x += ONE_DAY
    out["business_days_since_disbursement"] = bd
    return out
