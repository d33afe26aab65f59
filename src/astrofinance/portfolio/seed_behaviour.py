"""Repayment behaviour profiles for the demo portfolio.

Dates are proleptic ordinals (`date.toordinal()`), money is integer kobo. Each profile turns a
loan's due dates and expected installment amounts into a list of payments (date, amount).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

Payments = list[tuple[int, int]]

SATURDAY = 5  # date.weekday()


@dataclass
class LoanCtx:
    """What a behaviour needs to know about one loan."""

    rng: random.Random
    disbursed: int
    dues: list[int]           # due dates of the schedule
    expected: list[int]       # expected payment per installment (the last is the remainder)
    is_business: Callable[[int], bool]
    holidays: frozenset[int]


def perfect(c: LoanCtx) -> Payments:
    """Every installment paid in full on its due date."""
    return list(zip(c.dues, c.expected, strict=True))


def mostly_on_time(c: LoanCtx) -> Payments:
    """On time, with about one installment in eight paid 1-6 days late."""
    rng = c.rng
    return [(d + (rng.randint(1, 6) if rng.random() < 0.12 else 0), a)
            for d, a in zip(c.dues, c.expected, strict=True)]


def slow(c: LoanCtx) -> Payments:
    """Pays late with a growing lag and skips about one installment in ten."""
    rng, lag, out = c.rng, 0, []
    for d, a in zip(c.dues, c.expected, strict=True):
        lag = min(45, lag + rng.randint(0, 2))
        if rng.random() >= 0.1:
            out.append((d + lag + rng.randint(1, 5), a))
    return out


def stops_midway(c: LoanCtx) -> Payments:
    """Pays like a mostly-on-time customer, then stops for good."""
    n = len(c.dues)
    stop = c.rng.randint(max(1, n // 5), max(1, 4 * n // 5))
    return mostly_on_time(c)[:stop]


def never_paid(c: LoanCtx) -> Payments:
    """Nothing, ever."""
    return []


def prepayer(c: LoanCtx) -> Payments:
    """Pays blocks of 3-10 installments ahead of time; a third settle the rest early."""
    rng, out, i, n = c.rng, [], 0, len(c.dues)
    settle_at = rng.randint(n // 3, max(n // 3, 2 * n // 3)) if rng.random() < 0.35 else n
    while i < n:
        k = n - i if i >= settle_at else rng.randint(3, 10)
        day = max(c.disbursed, c.dues[i] - rng.randint(1, 7))
        out.append((day, sum(c.expected[i:i + k])))
        i += k
    return out


def overpayer(c: LoanCtx) -> Payments:
    """On time, and the last payment is rounded up beyond the total repayable."""
    out = perfect(c)
    d, a = out[-1]
    out[-1] = (d, a + c.rng.randint(1, 50) * 100_00)
    return out


def partial(c: LoanCtx) -> Payments:
    """Pays about half of each installment (the whole one now and then)."""
    rng = c.rng
    return [(d, a if rng.random() < 0.15 else max(100, (a // 2) // 100 * 100))
            for d, a in zip(c.dues, c.expected, strict=True)]


def weekend_payer(c: LoanCtx) -> Payments:
    """Pays each week's installments together on the Saturday after they fall due."""
    totals: dict[int, int] = {}
    for d, a in zip(c.dues, c.expected, strict=True):
        saturday = d + (SATURDAY - _weekday(d)) % 7
        totals[saturday] = totals.get(saturday, 0) + a
    return sorted(totals.items())


def holiday_payer(c: LoanCtx) -> Payments:
    """Pays an installment on the holiday (else the Saturday) just before its due date."""
    out = []
    for d, a in zip(c.dues, c.expected, strict=True):
        run, p = [], d - 1
        while p > c.disbursed and not c.is_business(p):
            run.append(p)
            p -= 1
        holidays = [x for x in run if x in c.holidays]
        saturdays = [x for x in run if _weekday(x) == SATURDAY]
        out.append(((holidays or saturdays or run or [d])[0], a))
    return out


def _weekday(ordinal: int) -> int:
    return (ordinal + 6) % 7  # date.fromordinal(1) is a Monday


PROFILES: dict[str, Callable[[LoanCtx], Payments]] = {
    "perfect": perfect,
    "mostly_on_time": mostly_on_time,
    "slow": slow,
    "stops_midway": stops_midway,
    "never_paid": never_paid,
    "prepayer": prepayer,
    "overpayer": overpayer,
    "partial": partial,
    "weekend_payer": weekend_payer,
    "holiday_payer": holiday_payer,
}

# Shares (percent) of the book; "pending" and "cancelled" loans have no repayments at all.
PROFILE_WEIGHTS: dict[str, int] = {
    "perfect": 31, "mostly_on_time": 22, "slow": 9, "stops_midway": 8, "never_paid": 3,
    "prepayer": 6, "overpayer": 4, "partial": 6, "weekend_payer": 4, "holiday_payer": 4,
    "pending": 1, "cancelled": 2,
}

REVERSAL_SHARE = 0.025


def with_reversal(rng: random.Random, payments: Payments,
                  as_of: int) -> list[tuple[int, int, bool]]:
    """(date, amount, reversed) rows; a few loans get one payment reversed and paid again."""
    rows = [(d, a, False) for d, a in payments]
    if len(rows) >= 2 and rng.random() < REVERSAL_SHARE:
        j = rng.randrange(len(rows))
        d, a, _ = rows[j]
        again = d + rng.randint(0, 2)
        rows[j] = (d, a, True)
        rows.insert(j + 1, (again if again <= as_of else d, a, False))
    return rows


def stratified_profiles(rng: random.Random, n: int) -> list[str]:
    """n profile names in the PROFILE_WEIGHTS shares, each present once n allows, shuffled."""
    names = list(PROFILE_WEIGHTS)
    counts = {k: w * n // 100 for k, w in PROFILE_WEIGHTS.items()}
    if n >= len(names):
        counts = {k: max(1, v) for k, v in counts.items()}
    out = [k for k, v in counts.items() for _ in range(v)][:n]
    out += rng.choices(names, weights=list(PROFILE_WEIGHTS.values()), k=n - len(out))
    rng.shuffle(out)
    return out
