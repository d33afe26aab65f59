"""The bundle's value rules: which values are good, and their stored (normalised) form.

PostgreSQL parses the CSV and holds every value as text; the rules run here, on DISTINCT
values only (sync/staging.py fetches them): for a column of few distinct values (dates,
booleans, statuses...) all of them, for a column of mostly distinct values (ids, amounts) only
those a SQL predicate does not already accept as canonical (SCREENS). A value in canonical form
is, by construction, good and unchanged by its normaliser (the tests hold us to it).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

LOAN_STATUSES = ("Pending", "Active", "Defaulted", "Closed", "Written Off", "Cancelled")
_STATUS = {s.lower().replace(" ", "_"): s for s in LOAN_STATUSES}
FREQUENCIES = ("daily", "weekly", "monthly")
_TRUE, _FALSE = {"true", "1", "yes", "t", "y"}, {"false", "0", "no", "f", "n", ""}
WS = " \t\r\n\f\v"       # ASCII whitespace: the set stripped here and by SCREENS' btrim
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MONEY = re.compile(r"[0-9]{1,16}(\.[0-9]{1,2})?")
_INT = re.compile(r"[0-9]{1,6}")
FIRST_DAY, LAST_DAY = dt.date(1990, 1, 1), dt.date(2100, 12, 31)


@dataclass(frozen=True)
class Screen:
    """How a kind's values reach `classify`: every distinct value (canonical is None), or only
    the distinct values failing `canonical`, a SQL predicate over {v} that holds only for values
    that are good and stored unchanged. distinct_first: take the distinct values before testing
    them (values repeat) rather than testing every row (values are unique ids)."""

    canonical: str | None = None
    distinct_first: bool = True


_MONEY_SQL = r"{v} ~ '^[0-9]{{1,16}}(\.[0-9]{{1,2}})?$'"
_ID_SQL = r"{v} <> '' AND {v} = btrim({v}, E' \t\r\n\f\v')"
SCREENS: dict[str, Screen] = {
    "date": Screen(), "birth_date": Screen(), "bool": Screen(), "status": Screen(),
    "frequency": Screen(),
    "int_pos": Screen(),
    "money": Screen(_MONEY_SQL), "money_pos": Screen(_MONEY_SQL + " AND {v} ~ '[1-9]'"),
    "ref": Screen(_ID_SQL), "id": Screen(_ID_SQL, distinct_first=False),
    "text": Screen(r"btrim({v}, E' \t\r\n\f\v') <> ''", distinct_first=False),
}


class BadValue(ValueError):
    """A value that cannot be stored; the message is the reason."""


def canonical_status(value: str) -> str:
    """The stored status for any spelling: `written_off`, `WRITTEN OFF` -> `Written Off`."""
    key = re.sub(r"[\s_-]+", "_", value.strip().lower())
    if key not in _STATUS:
        raise BadValue(f"not a loan status ({', '.join(LOAN_STATUSES)})")
    return _STATUS[key]


def _parse_date(v: str, first: dt.date, last: dt.date, what: str = "date") -> str:
    v = v.strip(WS)
    try:
        if not _DATE.fullmatch(v):
            raise ValueError
        day = dt.date.fromisoformat(v)
    except ValueError:
        raise BadValue("not a date in YYYY-MM-DD form") from None
    if not first <= day <= last:
        raise BadValue(f"{what} outside {first}..{last}")
    return v


def _date(v: str) -> str:
    return _parse_date(v, FIRST_DAY, LAST_DAY)


def _birth_date(v: str) -> str:
    return _parse_date(v, dt.date(1900, 1, 1), dt.date.today(), "birth date")


def _money(v: str) -> str:
    v = v.strip(WS)
    if not _MONEY.fullmatch(v):
        if v.startswith("-"):
            raise BadValue("must not be negative")
        raise BadValue("not an amount (a plain decimal with at most 2 decimals, e.g. 1200.50)")
    return v


def _money_pos(v: str) -> str:
    v = _money(v)
    if not v.strip("0."):
        raise BadValue("must be more than 0")
    return v


def _int_pos(v: str) -> str:
    v = v.strip(WS)
    if not _INT.fullmatch(v) or int(v) < 1:
        raise BadValue("not a whole number of at least 1")
    return str(int(v))


def _bool(v: str) -> str:
    low = v.strip(WS).lower()
    if low in _TRUE:
        return "true"
    if low in _FALSE:
        return "false"
    raise BadValue("not a boolean (true/false, 1/0, yes/no)")


def _frequency(v: str) -> str:
    low = v.strip(WS).lower()
    if low not in FREQUENCIES:
        raise BadValue("not a frequency (daily, weekly, monthly)")
    return low


def _id(v: str) -> str:
    v = v.strip(WS)
    if not v:
        raise BadValue("blank id")
    return v


def _text(v: str) -> str:
    if not v.strip(WS):
        raise BadValue("blank value")
    return v


NORMALISERS: dict[str, Callable[[str], str]] = {
    "date": _date, "birth_date": _birth_date, "money": _money, "money_pos": _money_pos,
    "int_pos": _int_pos,
    "bool": _bool, "frequency": _frequency, "status": canonical_status,
    "id": _id, "ref": _id, "text": _text,
}


def is_checked(kind: str, required: bool) -> bool:
    """Whether a column's values need checking at all (optional free text does not)."""
    return kind != "text" or required


def classify(kind: str, required: bool, values: Iterable[str | None]
             ) -> tuple[dict[str, str | None], dict[str, str]]:
    """({value: stored form} for good values that change, {value: reason} for bad ones).

    A missing value (NULL or empty) is reported as "": bad when required, stored as NULL
    otherwise (false for a boolean).
    """
    fn = NORMALISERS[kind]
    changed: dict[str, str | None] = {}
    bad: dict[str, str] = {}
    for value in values:
        if value is None and not required:
            continue
        v = value or ""
        if not v.strip(WS) and kind != "bool":
            if required:
                bad[v] = "required value missing"
            elif value is not None:
                changed[v] = None
            continue
        try:
            stored = fn(v)
        except BadValue as e:
            bad[v] = str(e)
            continue
        if stored != value:
            changed[v] = stored
    return changed, bad
