"""`astrofinance hierarchy load | apply | show` on a real database."""

from __future__ import annotations

import csv
import json

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from astrofinance.cli.main import app
from tests.factories.verticals import add_officer, hierarchy, row, write_tsv
from tests.metrics.book import add_loan

runner = CliRunner()


def _run(*args: str):
    return runner.invoke(app, list(args))


def _flat(output: str) -> str:
    return " ".join(output.split())


def _ok(*args: str) -> str:
    """Run a command that must succeed; its output with whitespace runs made single spaces."""
    r = _run(*args)
    assert r.exit_code == 0, r.output
    return _flat(r.output)


def _loan(c, loan_id: str, officer_id: str | None) -> None:
    add_loan(c, loan_id, principal="1000.00", n=4, frequency="weekly", disbursed="2025-03-03",
             first_due="2025-03-10", officer_id=officer_id)


def _officers_and_loans(db) -> tuple[dict, dict]:
    with db.begin() as c:
        return hierarchy(c, "officers", "officer_id"), hierarchy(c, "loans", "loan_id")


def test_officers_matched_by_email_ignoring_case_and_spaces_and_loans_follow(db, tmp_path):
    with db.begin() as c:
        add_officer(c, "ADA", " Ada.Obi@Example.NG ")
        add_officer(c, "BOLA", "bola@example.ng")
        add_officer(c, "CHI", "chi@example.ng", region="Old", branch="Yaba")
        for loan_id, officer in (("LA1", "ADA"), ("LA2", "ADA"), ("LB1", "BOLA"), ("LC1", "CHI"),
                                 ("LX", None)):
            _loan(c, loan_id, officer)
    tsv = write_tsv(tmp_path / "verticals.tsv", [
        row("ada.obi@example.ng", lead="Lead.One@Example.ng ", region=" South  West "),
        row("  BOLA@EXAMPLE.NG", lead="lead.two@example.ng", region="North", branch="Kano"),
    ])
    out = _ok("hierarchy", "load", str(tsv))
    assert "Read 2 row(s)" in out
    assert "Officers: 2 matched, 2 updated, 0 unchanged" in out
    assert "Loans following their officers' new hierarchy: 3." in out
    assert "0 unknown emails" in out

    officers, loans = _officers_and_loans(db)
    ada = ("sup@example.ng", "Sup", "lead.one@example.ng", "Lead One", "South West", "Ikeja")
    assert officers["ADA"] == ada
    assert officers["BOLA"][2:] == ("lead.two@example.ng", "Lead Two", "North", "Kano")
    assert officers["CHI"] == (None, None, None, None, "Old", "Yaba")
    # the officers' trigger carried the hierarchy onto their loans
    assert loans["LA1"] == loans["LA2"] == ada
    assert loans["LB1"] == officers["BOLA"]
    assert loans["LC1"] == officers["CHI"]
    assert loans["LX"] == (None,) * 6


def test_a_second_load_rewrites_nothing(db, tmp_path):
    with db.begin() as c:
        add_officer(c, "ADA", "ada@example.ng")
        add_officer(c, "BOLA", "bola@example.ng")
        _loan(c, "L1", "ADA")
    tsv = write_tsv(tmp_path / "v.tsv", [row("ada@example.ng"), row("bola@example.ng")])
    assert _run("hierarchy", "load", str(tsv)).exit_code == 0
    versions = "SELECT officer_id, xmin::text FROM officers UNION ALL SELECT loan_id, xmin::text " \
               "FROM loans ORDER BY 1"
    with db.begin() as c:
        before = c.execute(text(versions)).all()
    out = _ok("hierarchy", "load", str(tsv))
    assert "Officers: 2 matched, 0 updated, 2 unchanged" in out
    assert "new hierarchy: 0." in out
    with db.begin() as c:
        assert c.execute(text(versions)).all() == before   # no row was rewritten


def test_problems_are_reported_and_conflicts_not_applied(db, tmp_path):
    with db.begin() as c:
        for officer_id, email in (("DUP", "dup@example.ng"), ("CON", "con@example.ng"),
                                  ("TWIN1", "twin@example.ng"), ("TWIN2", "TWIN@example.ng "),
                                  ("YABA", "yaba@example.ng"), ("YABA2", "yaba2@example.ng"),
                                  ("OK", "ok@example.ng")):
            add_officer(c, officer_id, email)
    tsv = write_tsv(tmp_path / "v.tsv", [
        row("nobody@example.ng"),                                       # line 2: unknown
        row("dup@example.ng"), row("DUP@example.ng"),                   # 3, 4: duplicate
        row("con@example.ng", lead="a@example.ng"),                     # 5, 6: conflict
        row("con@example.ng", lead="b@example.ng"),
        row("twin@example.ng"),                                         # 7: ambiguous
        row("yaba@example.ng", region="Lagos", branch="Yaba"),          # 8, 9: branch conflict
        row("yaba2@example.ng", region="Ogun", branch="yaba "),
        row("ok@example.ng"),                                           # 10: fine
        ["", "s@example.ng", "S", "v@example.ng", "V", "Lagos", "Ikeja"],  # 11: no email
    ])
    report = tmp_path / "problems.csv"
    out = _ok("hierarchy", "load", str(tsv), "--report", str(report))
    assert "Read 10 row(s)" in out
    assert "Officers: 2 matched, 2 updated, 0 unchanged" in out     # DUP (once) and OK
    for counted in ("1 unknown emails", "1 duplicates (applied once)", "2 conflicts (not applied)",
                    "1 emails shared by several officers", "2 branch-region conflicts",
                    "1 rows without an email"):
        assert counted in out
    assert "line 2: unknown_email: nobody@example.ng" in out

    with report.open(encoding="utf-8") as f:
        problems = [(int(p["line"]), p["problem"], p["applied"], p["email"])
                    for p in csv.DictReader(f)]
    assert problems == [
        (2, "unknown_email", "false", "nobody@example.ng"),
        (4, "duplicate", "true", "dup@example.ng"),
        (5, "conflict", "false", "con@example.ng"),
        (6, "conflict", "false", "con@example.ng"),
        (7, "ambiguous_email", "false", "twin@example.ng"),
        (8, "branch_region_conflict", "false", "yaba@example.ng"),
        (9, "branch_region_conflict", "false", "yaba2@example.ng"),
        (11, "missing_email", "false", ""),
    ]
    officers, _ = _officers_and_loans(db)
    assert officers["DUP"][2] == officers["OK"][2] == "vl@example.ng"
    for untouched in ("CON", "TWIN1", "TWIN2", "YABA", "YABA2"):
        assert officers[untouched] == (None,) * 6, untouched


def test_regions_by_branch_and_empty_cells_keep_values(db, tmp_path):
    with db.begin() as c:
        add_officer(c, "LISTED", "listed@example.ng", branch="Kano", supervisor_name="Keep Me")
        add_officer(c, "SAME_BRANCH", None, branch=" KANO")
        add_officer(c, "OTHER", "other@example.ng", branch="Jos", region="Plateau")
        add_officer(c, "ROWNOREGION", "norow@example.ng", branch="Kano", region="Wrong")
        _loan(c, "LK", "SAME_BRANCH")
    tsv = write_tsv(tmp_path / "v.tsv", [
        ["listed@example.ng", "", "", "vl@example.ng", "Vee", "North", "Kano"],
        ["norow@example.ng", "", "", "vl@example.ng", "Vee", "", ""],
    ])
    assert "1 more given their branch's region" in _ok("hierarchy", "load", str(tsv))
    officers, loans = _officers_and_loans(db)
    assert officers["LISTED"] == (None, "Keep Me", "vl@example.ng", "Vee", "North", "Kano")
    assert officers["SAME_BRANCH"][4:] == ("North", " KANO")     # not in the file: region only
    assert officers["ROWNOREGION"][4] == "North"                 # no region in its row
    assert officers["OTHER"][4] == "Plateau"
    assert loans["LK"][4] == "North"


def test_dry_run_shows_the_changes_and_writes_nothing(db, tmp_path):
    with db.begin() as c:
        add_officer(c, "ADA", "ada@example.ng", region="Old")
        _loan(c, "L1", "ADA")
    tsv = write_tsv(tmp_path / "v.tsv", [row("ada@example.ng", region="New")])
    before = _officers_and_loans(db)
    out = _ok("hierarchy", "load", str(tsv), "--dry-run")
    assert "Officers: 1 matched, 1 would be updated" in out
    assert "new hierarchy: 1." in out
    assert "│ ADA │ ada@example.ng │ region │ Old │ New │ row │" in out
    assert "Dry run: nothing was written." in out
    assert _officers_and_loans(db) == before


@pytest.mark.parametrize(("content", "expected"), [
    (b"name\tregion\nAda\tLagos\n", "line 1: no email column"),
    (b"email\tregion\nada@example.ng\tS\xe3o\nbola@example.ng\tN\n\xff\n",
     "not UTF-8 text (save it as UTF-8; nothing was loaded) line 2: bytes that are not UTF-8 "
     "line 4: bytes that are not UTF-8"),
    (b"email\tregion\nada@example.ng\tLagos\textra\nbola@example.ng\n",
     "line 2: 3 fields, the header has 2 line 3: 1 fields, the header has 2"),
    (b"email\tagent_email\tregion\na\tb\tc\n", "column 'agent_email' repeats 'email'"),
])
def test_a_bad_file_is_an_error_with_line_numbers_and_nothing_is_written(db, tmp_path, content,
                                                                         expected):
    with db.begin() as c:
        add_officer(c, "ADA", "ada@example.ng")
    path = tmp_path / "bad.tsv"
    path.write_bytes(content)
    r = _run("hierarchy", "load", str(path))
    assert r.exit_code == 1
    assert expected in _flat(r.output)
    assert "Traceback" not in r.output
    officers, _ = _officers_and_loans(db)
    assert officers["ADA"] == (None,) * 6


def test_a_report_that_cannot_be_written_leaves_the_officers_as_they_were(db, tmp_path):
    with db.begin() as c:
        add_officer(c, "ADA", "ada@example.ng")
    tsv = write_tsv(tmp_path / "v.tsv", [row("ada@example.ng")])
    r = _run("hierarchy", "load", str(tsv), "--report", str(tmp_path / "no" / "dir.csv"))
    assert r.exit_code == 1 and "cannot write the report" in r.output
    assert _officers_and_loans(db)[0]["ADA"] == (None,) * 6


def test_apply_copies_the_hierarchy_onto_loans_that_differ(db, tmp_path):
    with db.begin() as c:
        add_officer(c, "ADA", "ada@example.ng")
        add_officer(c, "BOLA", "bola@example.ng")
        for loan_id, officer in (("L1", "ADA"), ("L2", "ADA"), ("L3", "BOLA")):
            _loan(c, loan_id, officer)
        # officers changed while their trigger was off: the loans did not follow
        c.execute(text("ALTER TABLE officers DISABLE TRIGGER trg_officers_wave_hierarchy"))
    tsv = write_tsv(tmp_path / "v.tsv", [row("ada@example.ng")])
    assert _run("hierarchy", "load", str(tsv)).exit_code == 0
    with db.begin() as c:
        c.execute(text("ALTER TABLE officers ENABLE TRIGGER trg_officers_wave_hierarchy"))
        c.execute(text("UPDATE loans SET region = 'Typo' WHERE loan_id = 'L3'"))  # by hand
    officers, loans = _officers_and_loans(db)
    assert loans["L1"] == (None,) * 6

    r = _run("hierarchy", "apply", "--dry-run")
    assert r.exit_code == 0 and "3 loan(s) would change" in r.output
    assert _officers_and_loans(db)[1] == loans
    r = _run("hierarchy", "apply")
    assert r.exit_code == 0 and "3 loan(s) changed." in r.output, r.output
    _, loans = _officers_and_loans(db)
    assert loans["L1"] == loans["L2"] == officers["ADA"]
    assert loans["L3"] == officers["BOLA"] == (None,) * 6
    assert _run("hierarchy", "apply").output.startswith("0 loan(s) changed.")


def test_show_prints_coverage_and_vertical_leads(db, tmp_path):
    with db.begin() as c:
        for officer_id in ("ADA", "BOLA", "CHI", "IDLE"):
            add_officer(c, officer_id, f"{officer_id.lower()}@example.ng")
        for loan_id, officer in (("L1", "ADA"), ("L2", "ADA"), ("L3", "BOLA"), ("L4", "CHI")):
            _loan(c, loan_id, officer)
    tsv = write_tsv(tmp_path / "v.tsv", [row("ada@example.ng", lead="one@example.ng"),
                                         row("bola@example.ng", lead="two@example.ng"),
                                         row("idle@example.ng", lead="two@example.ng")])
    assert _run("hierarchy", "load", str(tsv)).exit_code == 0
    r = _run("hierarchy", "show", "--format", "json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["coverage"] == {
        "officers": 4, "officers_with_vertical_lead": 3, "officers_with_region": 3,
        "officers_with_loans": 3, "officers_with_loans_missing_hierarchy": 1,
        "total_loans": 4, "with_vertical_lead": 3, "with_region": 3,
        "coverage_pct": 75.0, "region_coverage_pct": 75.0}
    assert data["vertical_leads"] == [
        {"vertical_lead_email": "one@example.ng", "vertical_lead_name": "One", "officers": 1,
         "loans": 2},
        {"vertical_lead_email": "two@example.ng", "vertical_lead_name": "Two", "officers": 2,
         "loans": 1},
        {"vertical_lead_email": None, "vertical_lead_name": None, "officers": 1, "loans": 1}]
    out = _ok("hierarchy", "show")
    assert "│ loans' vertical lead coverage │ 75.00% │" in out
    assert "│ Two │ two@example.ng │ 2 │ 1 │" in out
