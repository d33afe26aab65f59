"""The database keeps the journal honest: an unbalanced entry is refused at commit, posted
entries are never edited (0005's triggers, which every report here relies on)."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import DBAPIError

from tests.accounting.ledger import cr, dr, entry, rows


def _count(db) -> int:
    with db.begin() as c:
        return rows(c, "SELECT count(*) FROM journal_entries")[0][0]


def test_a_balanced_entry_written_line_by_line_commits(db):
    with db.begin() as c:
        entry(c, "2025-01-02", dr("1000", "100.00"), cr("3000", "60.00"), cr("3100", "40.00"))
    assert _count(db) == 1


@pytest.mark.parametrize("lines", [
    (dr("1000", "100.00"), cr("3000", "90.00")),     # debits 100, credits 90
    (dr("1000", "100.00"),),                        # one line
    (),                                             # no line at all
])
def test_an_unbalanced_entry_is_refused_at_commit(db, lines):
    with pytest.raises(DBAPIError, match="does not balance"):
        with db.begin() as c:
            entry(c, "2025-01-02", *lines)       # accepted line by line: checked at commit
    assert _count(db) == 0


def test_one_bad_entry_refuses_the_whole_transaction(db):
    with pytest.raises(DBAPIError, match="does not balance"):
        with db.begin() as c:
            entry(c, "2025-01-02", dr("1000", "5.00"), cr("3000", "5.00"))
            entry(c, "2025-01-03", dr("1000", "5.00"), cr("3000", "4.99"))
    assert _count(db) == 0


def test_posted_entries_are_append_only(db):
    with db.begin() as c:
        eid = entry(c, "2025-01-02", dr("1000", "100.00"), cr("3000", "100.00"))
    for sql in ("UPDATE journal_entry_details SET debit = 1 WHERE entry_id = :e AND debit > 0",
                "DELETE FROM journal_entry_details WHERE entry_id = :e",
                "UPDATE journal_entries SET description = 'x' WHERE id = :e"):
        with pytest.raises(DBAPIError, match="append-only"):
            with db.begin() as c:
                rows(c, sql, e=eid)
