"""Demo officers (with their supervisor / vertical-lead hierarchy) and customers."""

from __future__ import annotations

import bisect
import datetime as dt
import math
import random
from dataclasses import dataclass, field

from astrofinance.portfolio.seed_data import (
    BRANCHES,
    EMAIL_DOMAINS,
    FIRST_NAMES,
    LAST_NAMES,
    OFFICER_STATUSES,
    OFFICER_TYPES,
    PHONE_PREFIXES,
    REGIONS,
    STAFF_DOMAIN,
    Branch,
)

OFFICERS_PER_SUPERVISOR = 12
REPEAT_BORROWER_SHARE = 0.2


def weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...]) -> str:
    """One name from (name, weight) pairs."""
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def person_name(rng: random.Random) -> tuple[str, str]:
    """A (first, last) Nigerian name."""
    return rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)


def phone(rng: random.Random) -> str:
    """A Nigerian mobile number in +234 form."""
    return f"+234{rng.choice(PHONE_PREFIXES)}{rng.randrange(10_000_000):07d}"


class StaffEmails:
    """Unique first.last@<staff domain> addresses."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def make(self, first: str, last: str) -> str:
        base = f"{first}.{last}".lower()
        email, k = f"{base}@{STAFF_DOMAIN}", 1
        while email in self.used:
            k += 1
            email = f"{base}{k}@{STAFF_DOMAIN}"
        self.used.add(email)
        return email


@dataclass
class Officer:
    officer_id: str
    name: str
    email: str
    phone: str
    branch: Branch
    hire_date: dt.date
    user_type: str
    status: str
    supervisor: tuple[str, str] = ("", "")  # (email, name)
    vertical_lead: tuple[str, str] = ("", "")
    customers: list[str] = field(default_factory=list)

    def row(self) -> tuple:
        return (self.officer_id, self.name, self.email, self.phone, self.branch.name,
                self.branch.region, self.hire_date, self.user_type, self.status,
                self.supervisor[0], self.supervisor[1],
                self.vertical_lead[0], self.vertical_lead[1])


OFFICER_COLUMNS = ("officer_id", "name", "email", "phone", "branch", "region", "hire_date",
                   "user_type", "status", "supervisor_email", "supervisor_name",
                   "vertical_lead_email", "vertical_lead_name")


def make_officers(rng: random.Random, count: int, book_start: dt.date,
                  as_of: dt.date) -> list[Officer]:
    """`count` officers sorted by hire date; a fifth hired before the book starts."""
    hire_from = min(dt.date(2023, 1, 1), book_start - dt.timedelta(days=365))
    hire_to = max(hire_from, as_of - dt.timedelta(days=14))
    early = max(1, math.ceil(count / 5))
    emails = StaffEmails()
    officers = []
    span = (hire_to - hire_from).days
    for i in range(count):
        if i < early:
            days = rng.randint(0, (min(book_start, hire_to) - hire_from).days)
        else:  # spread evenly over the whole span: some are always recent hires
            days = int(span * (i - early + rng.random()) / (count - early))
        hired = hire_from + dt.timedelta(days=days)
        first, last = person_name(rng)
        branch = rng.choices(BRANCHES, weights=[b.weight for b in BRANCHES])[0]
        officers.append(Officer("", f"{first} {last}", emails.make(first, last), phone(rng),
                                branch, hired, weighted(rng, OFFICER_TYPES),
                                weighted(rng, OFFICER_STATUSES)))
    officers.sort(key=lambda o: o.hire_date)
    for i, o in enumerate(officers, start=1):
        o.officer_id = f"OFF{i:04d}"
    _assign_hierarchy(rng, officers, emails)
    return officers


def _assign_hierarchy(rng: random.Random, officers: list[Officer], emails: StaffEmails) -> None:
    """Supervisors per branch (one per ~12 officers) and one vertical lead per region."""
    leads = {}
    for region in REGIONS:
        first, last = person_name(rng)
        leads[region] = (emails.make(first, last), f"{first} {last}")
    by_branch: dict[str, list[Officer]] = {}
    for o in officers:
        by_branch.setdefault(o.branch.name, []).append(o)
    for members in by_branch.values():
        n_sup = max(1, math.ceil(len(members) / OFFICERS_PER_SUPERVISOR))
        sups = []
        for _ in range(n_sup):
            first, last = person_name(rng)
            sups.append((emails.make(first, last), f"{first} {last}"))
        for k, o in enumerate(members):
            o.supervisor = sups[k % n_sup]
            o.vertical_lead = leads[o.branch.region]


class OfficerPicker:
    """Picks an officer already hired on a disbursement date."""

    def __init__(self, officers: list[Officer]) -> None:
        self.officers = officers
        self.hired = [o.hire_date for o in officers]

    def pick(self, rng: random.Random, on: dt.date) -> Officer:
        eligible = max(1, bisect.bisect_right(self.hired, on))
        return self.officers[rng.randrange(eligible)]


CUSTOMER_COLUMNS = ("customer_id", "name", "phone", "email", "officer_id", "branch", "state")


class CustomerBook:
    """Customers created as loans need them; about one loan in five goes to a repeat borrower."""

    def __init__(self) -> None:
        self.rows: list[tuple] = []

    def customer_for(self, rng: random.Random, officer: Officer) -> str:
        if officer.customers and rng.random() < REPEAT_BORROWER_SHARE:
            return rng.choice(officer.customers)
        first, last = person_name(rng)
        email = None
        if rng.random() < 0.35:
            email = f"{first}.{last}{rng.randint(1, 99)}@{rng.choice(EMAIL_DOMAINS)}".lower()
        customer_id = f"CUS{len(self.rows) + 1:06d}"
        self.rows.append((customer_id, f"{first} {last}", phone(rng), email,
                          officer.officer_id, officer.branch.name, officer.branch.state))
        officer.customers.append(customer_id)
        return customer_id
