"""Reading and checking the CSV bundle's files (no database here).

`open_bundle` finds the files and checks their headers. The data goes to PostgreSQL as it is
(`RawData`: PostgreSQL parses the CSV, fast); a file it cannot take that way (a row of the wrong
width, a value spanning lines, a blank line, bad UTF-8) is parsed here instead (`parse_rows`),
which finds every ragged row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from astrofinance.errors import ValidationFailed
from astrofinance.sync.spec import BY_FILENAME, FILES, Column, FileSpec


@dataclass
class Problem:
    """One reason a row (or a file) cannot be imported."""

    file: str
    line: int
    column: str | None
    value: str | None
    reason: str
    key: str | None = None            # the id the row carries (for rows depending on it)
    row: dict[str, str] | None = None  # the row as read

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line > 0 else self.file
        if self.column:
            where += f": {self.column}={self.value!r}" if self.value is not None else \
                f": {self.column}"
        return f"{where}: {self.reason}"


@dataclass
class BundleFile:
    """A file of the bundle whose header has been checked."""

    spec: FileSpec
    path: Path
    header: list[str]
    known: list[tuple[int, Column]]            # (position in the file, column), file order
    unknown: list[str] = field(default_factory=list)

    @property
    def size(self) -> int:
        return self.path.stat().st_size

    @property
    def staging_columns(self) -> list[str]:
        """The staging columns of the file's columns, in the file's order (unknown ones are
        kept in _unknown_N columns, never used)."""
        known = dict(self.known)
        return [known[i].name if i in known else f"_unknown_{i}"
                for i in range(len(self.header))]

    @property
    def key_index(self) -> int | None:
        names = {c.name: i for i, c in self.known}
        return names.get(self.spec.key)


def open_bundle(directory: Path) -> tuple[list[BundleFile], list[Problem], list[str]]:
    """The bundle's files in import order, unknown-column problems, and warnings.

    Raises ValidationFailed when the bundle cannot be read at all: not a directory, no
    loans.csv, a file without a header, a duplicate or missing required column.
    """
    if not directory.is_dir():
        raise ValidationFailed(f"{directory} is not a directory")
    present = {p.name.lower(): p for p in directory.iterdir() if p.is_file()}
    warnings = [f"{name}: not a file of the bundle, ignored" for name in sorted(present)
                if name.endswith(".csv") and name not in BY_FILENAME]
    fatal: list[Problem] = []
    if "loans.csv" not in present:
        fatal.append(Problem("loans.csv", 0, None, None, f"missing: {directory} has no loans.csv"
                             " (the one required file of the bundle)"))
    files, unknown = [], []
    for spec in FILES:
        if spec.filename in present:
            bf, problems = _check_header(spec, present[spec.filename])
            fatal += [p for p in problems if p.reason != "unknown column"]
            unknown += [p for p in problems if p.reason == "unknown column"]
            if bf:
                files.append(bf)
    if fatal:
        raise ValidationFailed(f"cannot import {directory}: the bundle is malformed; "
                               "nothing was imported", [str(p) for p in fatal + unknown])
    return files, unknown, warnings


def _check_header(spec: FileSpec, path: Path) -> tuple[BundleFile | None, list[Problem]]:
    name = spec.filename
    try:
        with path.open("rb") as f:
            header = next(csv.reader([f.readline().decode("utf-8-sig")]), None)
    except (UnicodeDecodeError, csv.Error) as e:
        return None, [Problem(name, 1, None, None, f"cannot read the header: {e}")]
    if not header:
        return None, [Problem(name, 1, None, None, "empty file: a header row is required")]
    header = [h.strip().lower() for h in header]
    columns = spec.by_name()
    problems = [Problem(name, 1, h, None, "duplicate column")
                for i, h in enumerate(header) if h in header[:i]]
    problems += [Problem(name, 1, c.name, None, "required column missing")
                 for c in spec.columns if c.required and c.name not in header]
    problems += [Problem(name, 1, h or "(blank)", None, "unknown column")
                 for h in header if h not in columns]
    known = [(i, columns[h]) for i, h in enumerate(header) if h in columns]
    unknown = [h for h in header if h not in columns]
    return BundleFile(spec, path, header, known, unknown), problems


BLOCK = 1 << 20


@dataclass
class RawData:
    """The data lines of a file as bytes, for PostgreSQL to parse (COPY ... CSV)."""

    bf: BundleFile
    lines: int = 0          # physical lines after the header, once read
    quoted: bool = False    # a quote character occurs (a value might span lines)

    def blocks(self) -> Iterator[tuple[bytes, int]]:
        """(block, bytes read so far), from just after the header to the end."""
        with self.bf.path.open("rb") as f:
            first = f.readline()
            position = len(first)
            last = b"\n"
            while block := f.read(BLOCK):
                position += len(block)
                self.lines += block.count(b"\n")
                self.quoted = self.quoted or b'"' in block
                last = block[-1:]
                yield block, position
            if last != b"\n":
                self.lines += 1


def parse_rows(bf: BundleFile) -> Iterator[tuple[list[Sequence[Any]], list[Problem], int]]:
    """The slow, forgiving path (a file PostgreSQL could not take as it is): batches of
    (rows as [line, values...] with the header's width, problems, rows read)."""
    width = len(bf.header)
    with bf.path.open("rb") as raw, io.TextIOWrapper(raw, "utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        rows: list[Sequence[Any]] = []
        problems: list[Problem] = []
        prev = 1
        try:
            next(reader)
            for row in reader:
                line, prev = prev + 1, reader.line_num
                if len(row) == width:
                    rows.append([line, *row])
                elif any(cell.strip() for cell in row):
                    problems.append(_problem(bf, row, line, None, None,
                                             f"{len(row)} fields, the header has {width}"))
                if len(rows) >= 10_000:
                    yield rows, problems, raw.tell()
                    rows, problems = [], []
        except UnicodeDecodeError:
            raise ValidationFailed(f"{bf.spec.filename}: line {_first_bad_utf8(bf.path)} is not "
                                   "valid UTF-8; nothing was imported (files must be UTF-8 "
                                   "CSV)") from None
        except csv.Error as e:
            raise ValidationFailed(f"{bf.spec.filename}: unreadable after line {prev}: {e}; "
                                   "nothing was imported") from None
        yield rows, problems, raw.tell()


def _first_bad_utf8(path: Path) -> int:
    with path.open("rb") as f:
        for number, line in enumerate(f, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return 0


def _problem(bf: BundleFile, row: list[str], line: int, column: str | None, value: str | None,
             reason: str) -> Problem:
    k = bf.key_index
    key = row[k].strip() if k is not None and k < len(row) else None
    return Problem(bf.spec.filename, line, column, value, reason, key or None,
                   dict(zip(bf.header, row, strict=False)))
