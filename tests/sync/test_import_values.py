"""The value rules (sync/values.py), and the SQL screens that let canonical values skip them."""

from __future__ import annotations

import pytest
from psycopg import sql

from astrofinance.sync.values import SCREENS, canonical_status, classify

SAMPLES = ["", " ", "a", " a", "a ", "a b", "\ta", "a\n", "é", "0", "00", "0.00", "0.01", "1",
           "12.5", "12.50", "12.505", "-3", "+3", "1,200.00", "1e3", ".5", "5.",
           "1234567890123456", "12345678901234567", "1234567890123456.78", "2025-02-28",
           "2025-02-29", "2025-2-28", " 2025-02-28", "true", "Yes", "0", "Active",
           "written_off", "WEEKLY", "7", "07", "1000000"]


@pytest.mark.parametrize("kind", sorted(k for k, s in SCREENS.items() if s.canonical))
def test_values_the_sql_screen_accepts_are_good_and_unchanged(db, kind):
    screen = SCREENS[kind]
    query = sql.SQL("SELECT v FROM unnest(%s::text[]) AS u(v) WHERE {}").format(
        sql.SQL(screen.canonical).format(v=sql.Identifier("v")))  # type: ignore[arg-type]
    with db.begin() as c:
        accepted = [r[0] for r in c.connection.driver_connection.execute(query, [SAMPLES])]
    assert accepted                                # the screen lets plain values through
    changed, bad = classify(kind, True, accepted)
    assert (changed, bad) == ({}, {})
    # and what it refuses is exactly what needs a look (a change or a reason)
    refused = [v for v in SAMPLES if v not in accepted]
    changed, bad = classify(kind, True, refused)
    assert set(changed) | set(bad) == set(refused)


def test_classify_money_dates_and_flags():
    changed, bad = classify("money_pos", True, ["1200.50", " 7 ", "0.00", "-5", "1.234", None])
    assert changed == {" 7 ": "7"}
    assert bad == {"0.00": "must be more than 0", "-5": "must not be negative",
                   "1.234": "not an amount (a plain decimal with at most 2 decimals, "
                            "e.g. 1200.50)", "": "required value missing"}
    changed, bad = classify("date", False, ["2025-02-28", "2024-02-29", "2025-02-29",
                                            "28/02/2025", "1989-12-31", None, ""])
    assert changed == {"": None}
    assert set(bad) == {"2025-02-29", "28/02/2025", "1989-12-31"}
    assert bad["1989-12-31"] == "date outside 1990-01-01..2100-12-31"
    changed, bad = classify("bool", False, ["true", "1", "YES", "no", "0", "", None, "maybe"])
    assert changed == {"1": "true", "YES": "true", "no": "false", "0": "false", "": "false"}
    assert bad == {"maybe": "not a boolean (true/false, 1/0, yes/no)"}
    changed, bad = classify("int_pos", True, ["1", "007", "0", "1.5", "-2"])
    assert changed == {"007": "7"} and set(bad) == {"0", "1.5", "-2"}


@pytest.mark.parametrize("spelling", ["written_off", "Written Off", "WRITTEN-OFF",
                                      " written  off "])
def test_statuses_in_any_case(spelling):
    assert canonical_status(spelling) == "Written Off"
    assert classify("status", True, ["ACTIVE", "Active"]) == ({"ACTIVE": "Active"}, {})
