"""Officers with emails and branches, and verticals TSV files, for the hierarchy tests."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, text

HEADER = ["email", "supervisor_email", "supervisor_name", "vertical_lead_email",
          "vertical_lead_name", "region", "branch"]
HIERARCHY = ("supervisor_email", "supervisor_name", "vertical_lead_email", "vertical_lead_name",
             "region", "branch")


def add_officer(conn: Connection, officer_id: str, email: str | None, *,
                branch: str | None = None, region: str | None = None,
                supervisor_name: str | None = None) -> str:
    conn.execute(text("""
        INSERT INTO officers (officer_id, name, email, branch, region, supervisor_name)
        VALUES (:i, :n, :e, :b, :r, :s)"""),
        {"i": officer_id, "n": f"Officer {officer_id}", "e": email, "b": branch, "r": region,
         "s": supervisor_name})
    return officer_id


def write_tsv(path: Path, rows: list[list[str]], header: list[str] | None = None) -> Path:
    """A TSV with a header row (default HEADER); cells written as given."""
    lines = ["\t".join(header or HEADER), *("\t".join(r) for r in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def row(email: str, lead: str = "vl@example.ng", region: str = "Lagos",
        branch: str = "Ikeja", supervisor: str = "sup@example.ng") -> list[str]:
    """A TSV row in HEADER order (names derived from the emails)."""
    return [email, supervisor, _name(supervisor), lead, _name(lead), region, branch]


def hierarchy(conn: Connection, table: str, key: str) -> dict[str, tuple]:
    """officer or loan id -> its hierarchy columns (HIERARCHY order)."""
    assert table in ("officers", "loans") and key in ("officer_id", "loan_id")
    rows = conn.execute(text(f"SELECT {key}, {', '.join(HIERARCHY)} FROM {table}"))
    return {r[0]: tuple(r[1:]) for r in rows}


def _name(email: str) -> str:
    return email.split("@")[0].replace(".", " ").title() if email else ""
