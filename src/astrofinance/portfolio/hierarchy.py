"""The officer hierarchy: supervisor, vertical lead, region and branch, loaded from a TSV.

The seed guide loads `verticals.tsv` (officers by email -> supervisor, vertical lead, region)
and then copies the hierarchy onto loans. Here the file goes into a temporary table (COPY), is
checked there (unknown, duplicate, conflicting and ambiguous emails; branches given two
regions), and the officers that change are updated in one statement. The officers' trigger
`trg_officers_wave_hierarchy` (functions_waves.sql) keeps their loans in step; `apply_to_loans`
copies the hierarchy again for loans changed behind the triggers' back.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text

from astrofinance.errors import ValidationFailed
from astrofinance.kit.sql import load_sql

_PKG = "astrofinance.portfolio"
# The staging table's columns after `line`, in order.
COLUMNS = ("email", "supervisor_email", "supervisor_name", "vertical_lead_email",
           "vertical_lead_name", "region", "branch")
ALIASES = {"officer_email": "email", "agent_email": "email", **{c: c for c in COLUMNS}}
EMAIL_COLUMNS = {"email", "supervisor_email", "vertical_lead_email"}
PROBLEM_KINDS = ("unknown_email", "duplicate", "conflict", "ambiguous_email",
                 "branch_region_conflict", "missing_email")
REPORT_COLUMNS = ("line", "problem", "detail", "applied", *COLUMNS)
_HEADER_SEP = re.compile(r"[\s\-]+")
_TEMP_TABLES = "pg_temp._hier_rows, pg_temp._hier_match, pg_temp._hier_branches, " \
               "pg_temp._hier_problems, pg_temp._hier_plan"


@dataclass(frozen=True)
class VerticalsFile:
    """A verticals TSV as read: the columns it has, those ignored, its rows (line first)."""

    columns: list[str]
    ignored: list[str]
    rows: list[tuple[Any, ...]]


@dataclass(frozen=True)
class Problem:
    """One problem of one row; `applied` rows (duplicates) were still applied once."""

    line: int
    kind: str
    detail: str
    applied: bool
    values: dict[str, str | None]

    def __str__(self) -> str:
        return f"line {self.line}: {self.kind}: {self.values.get('email') or ''} ({self.detail})"


@dataclass(frozen=True)
class Change:
    officer_id: str
    email: str | None
    via: str                     # 'email' (the officer's row) or 'branch' (region by branch)
    field: str
    old_value: str | None
    new_value: str | None


@dataclass
class LoadResult:
    """What `load_verticals` found and did (or, dry run, would do)."""

    file: VerticalsFile
    rows_read: int
    matched: int
    updated: int
    region_by_branch: int
    loans_to_follow: int
    dry_run: bool
    problems: list[Problem] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)

    @property
    def unchanged(self) -> int:
        return self.matched - self.updated

    def count(self, kind: str) -> int:
        """How many rows have a problem of this kind."""
        return sum(1 for p in self.problems if p.kind == kind)


# --------------------------------------------------------------------------------------------
# Reading the file (every problem with its line number; nothing is written when it is bad).
# --------------------------------------------------------------------------------------------


def read_verticals(path: Path) -> VerticalsFile:
    """Read a verticals TSV: a header row, then one officer a row (ValidationFailed if bad)."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ValidationFailed(f"cannot read {path}: {e.strerror}") from None
    content = _decode(path, data)
    records = _records(path, content)
    if not records:
        raise ValidationFailed(f"{path.name} is empty: it needs a header row and data rows")
    (_, header), body = records[0], records[1:]
    columns, positions, ignored = _header(path, header)
    ragged = [f"line {line}: {len(cells)} fields, the header has {len(header)}"
              for line, cells in body if len(cells) != len(header)]
    if ragged:
        raise ValidationFailed(f"{path.name} has rows whose number of fields differs from "
                               "the header (nothing was loaded)", ragged)
    rows = [(line, *(_value(c, cells[positions[c]]) if c in positions else None
                     for c in COLUMNS)) for line, cells in body]
    return VerticalsFile(columns=columns, ignored=ignored, rows=rows)


def _decode(path: Path, data: bytes) -> str:
    bad = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            bad.append(f"line {number}: bytes that are not UTF-8")
    if bad:
        raise ValidationFailed(f"{path.name} is not UTF-8 text (save it as UTF-8; "
                               "nothing was loaded)", bad)
    return data.decode("utf-8-sig")


def _records(path: Path, content: str) -> list[tuple[int, list[str]]]:
    """The non-blank records with the line each starts on."""
    reader = csv.reader(io.StringIO(content, newline=""), delimiter="\t", strict=True)
    records, previous_end = [], 0
    try:
        for cells in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if any(c.strip() for c in cells):
                records.append((start, cells))
    except csv.Error as e:
        raise ValidationFailed(f"{path.name}, line {reader.line_num}: {e} "
                               "(nothing was loaded)") from None
    return records


def _header(path: Path, header: list[str]) -> tuple[list[str], dict[str, int], list[str]]:
    positions: dict[str, int] = {}
    ignored = []
    for i, raw in enumerate(header):
        name = ALIASES.get(_HEADER_SEP.sub("_", raw.strip().lower()))
        if name is None:
            ignored.append(raw.strip())
        elif name in positions:
            raise ValidationFailed(f"{path.name}, line 1: column {raw.strip()!r} repeats "
                                   f"{header[positions[name]].strip()!r} (both mean {name})")
        else:
            positions[name] = i
    if "email" not in positions:
        raise ValidationFailed(
            f"{path.name}, line 1: no email column (one of email, officer_email, agent_email); "
            f"the header is: {', '.join(h.strip() for h in header)}")
    if len(positions) == 1:
        raise ValidationFailed(f"{path.name}, line 1: no hierarchy column (any of "
                               f"{', '.join(COLUMNS[1:])})")
    return [c for c in COLUMNS if c in positions], positions, ignored


def _value(column: str, cell: str) -> str | None:
    """Trimmed (emails: lower case, no whitespace); None for an empty cell."""
    value = "".join(cell.split()).lower() if column in EMAIL_COLUMNS else " ".join(cell.split())
    return value or None


# --------------------------------------------------------------------------------------------
# Loading (set-based: staging table, checks, one UPDATE) and copying onto loans.
# --------------------------------------------------------------------------------------------


def load_verticals(conn: Connection, path: Path, *, dry_run: bool = False) -> LoadResult:
    """Load a verticals TSV into officers (dry run: work out the changes, write nothing)."""
    verticals = read_verticals(path)
    _stage(conn, verticals.rows)
    for name in ("hierarchy_match", "hierarchy_branches", "hierarchy_problems",
                 "hierarchy_plan"):
        conn.execute(text(load_sql(_PKG, name)))
    counts = conn.execute(text(load_sql(_PKG, "hierarchy_counts"))).mappings().one()
    result = LoadResult(file=verticals, dry_run=dry_run, problems=_problems(conn),
                        changes=[Change(*r) for r in conn.execute(
                            text(load_sql(_PKG, "hierarchy_changes")))],
                        **counts)
    if not dry_run:
        conn.execute(text(load_sql(_PKG, "hierarchy_update")))
    return result


def _stage(conn: Connection, rows: list[tuple[Any, ...]]) -> None:
    conn.execute(text(f"DROP TABLE IF EXISTS {_TEMP_TABLES}"))
    conn.execute(text(load_sql(_PKG, "hierarchy_rows")))
    driver = conn.connection.driver_connection
    assert driver is not None
    stmt = f"COPY _hier_rows (line, {', '.join(COLUMNS)}) FROM STDIN"
    with driver.cursor().copy(stmt) as copy:
        for row in rows:
            copy.write_row(row)


def _problems(conn: Connection) -> list[Problem]:
    rows = conn.execute(text(load_sql(_PKG, "hierarchy_problem_rows"))).all()
    return [Problem(line=r[0], kind=r[1], detail=r[2], applied=r[3],
                    values=dict(zip(COLUMNS, r[4:], strict=True))) for r in rows]


def write_report(path: Path, problems: list[Problem]) -> None:
    """Write every problem row to a CSV file (header row even when there are none)."""
    try:
        with path.open("w", encoding="utf-8", newline="") as f:
            out = csv.writer(f, lineterminator="\n")
            out.writerow(REPORT_COLUMNS)
            for p in problems:
                out.writerow([p.line, p.kind, p.detail, str(p.applied).lower(),
                              *(p.values[c] or "" for c in COLUMNS)])
    except OSError as e:
        raise ValidationFailed(f"cannot write the report {path}: {e.strerror}") from None


def apply_to_loans(conn: Connection, *, dry_run: bool = False) -> int:
    """Copy every officer's hierarchy onto their loans; the number of loans that changed."""
    with conn.begin_nested() as savepoint:
        changed = conn.execute(text(load_sql(_PKG, "hierarchy_apply"))).scalar_one()
        if dry_run:
            savepoint.rollback()
    return int(changed)


def coverage(conn: Connection) -> dict[str, Any]:
    """Officers and loans with a vertical lead and a region (counts and percentages)."""
    return dict(conn.execute(text(load_sql(_PKG, "hierarchy_coverage"))).mappings().one())


def vertical_leads(conn: Connection) -> list[dict[str, Any]]:
    """Each vertical lead with their officers and loans (None: those without a lead)."""
    return [dict(r) for r in conn.execute(text(load_sql(_PKG, "hierarchy_leads"))).mappings()]
