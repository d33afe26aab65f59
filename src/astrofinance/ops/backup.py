"""Backups: pg_dump custom-format archives, verified, checksummed, kept by a retention rule.

A backup is `<database>-<UTC timestamp>.dump` (pg_dump -Fc, compressed) with a
`<file>.sha256` beside it in sha256sum format. It is written under a temporary name and
renamed when pg_dump succeeded; it counts as verified when pg_restore lists every table the
database had and reads every data block back, and only then is the checksum written and the
retention rule applied. The password never reaches a command line: the client tools get it
through PGPASSWORD in their environment. The bundled PostgreSQL 16 client tools (pgserver)
are used for the embedded database and for servers 9.2 to 16 alike.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

import psycopg

from astrofinance.errors import AstroFinanceError, ConfigurationError

Progress = Callable[[str], None]
NAME = re.compile(r"^(?P<db>[A-Za-z0-9_.]+)-(?P<ts>\d{8}T\d{6}Z)(?:-\d+)?\.dump$")
TOC_TABLE = re.compile(r"^\d+; \d+ \d+ TABLE (?P<schema>\S+) (?P<name>\S+) ")


class BackupError(AstroFinanceError):
    """A backup or restore step failed (nothing was deleted or changed)."""


def _quiet(_: str) -> None:
    pass


@dataclass(frozen=True)
class Target:
    """A database for the client tools: its URL without the password, and the password."""

    url: str
    password: str | None
    dbname: str

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "PGPASSWORD"}
        if self.password:
            env["PGPASSWORD"] = self.password
        return env

    def scrub(self, message: str) -> str:
        return message.replace(self.password, "***") if self.password else message


def target(url: str) -> Target:
    """Split a database URL into a password-free URL for pg_dump/pg_restore and the password."""
    url = url.replace("postgresql+psycopg://", "postgresql://", 1)
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    password = parts.password and unquote(parts.password)
    password = password or next((v for k, v in query if k == "password"), None) or None
    netloc = parts.netloc.rpartition("@")[2]
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    query = [(k, v) for k, v in query if k != "password"]
    dbname = unquote(parts.path.lstrip("/")) or next(
        (v for k, v in query if k == "dbname"), unquote(parts.username or "postgres"))
    clean = urlunsplit(parts._replace(netloc=netloc, query=urlencode(query)))
    return Target(clean, password, dbname)


def configured_url() -> str:
    """The configured database's URL (DATABASE_URL or DB_*, else the embedded one)."""
    from astrofinance.config import get_settings
    from astrofinance.db.engine import get_database

    return get_settings().resolved_database_url() or get_database(migrate=False).url


def tool(name: str) -> str:
    """A PostgreSQL client tool: the bundled PG16 one (works for servers up to 16)."""
    from astrofinance.db.embedded import bin_dir

    try:
        bundled = bin_dir() / name
    except ImportError:
        bundled = None
    if bundled is not None and bundled.exists():
        return str(bundled)
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} not found: install the PostgreSQL client tools")
    return found


def run_tool(cmd: list[str], db: Target | None = None, *, tick: Callable[[], None] | None = None,
             what: str) -> str:
    """Run a client tool (no password prompt); its stdout, or BackupError with its stderr."""
    env = db.env() if db else dict(os.environ)
    with tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as out:
        proc = subprocess.Popen([cmd[0], "--no-password", *cmd[1:]], stdout=out, stderr=err,
                                env=env)
        while proc.poll() is None:
            if tick:
                tick()
            time.sleep(0.25)
        err.seek(0)
        out.seek(0)
        if proc.returncode != 0:
            message = err.read().decode(errors="replace").strip().splitlines()[-3:]
            text = " / ".join(message) or f"exit code {proc.returncode}"
            raise BackupError(f"{what} failed: {db.scrub(text) if db else text}")
        return out.read().decode(errors="replace")


def configured(name: str, default: Any) -> Any:
    """A backup setting: ASTROFINANCE_BACKUP_<NAME> (or the seed's BACKUP_<NAME>) from the
    environment, else the configuration file's backup section (config_file.py), else the
    default."""
    from astrofinance.config_file import current

    var = f"ASTROFINANCE_BACKUP_{name.upper()}"
    value = os.environ.get(var) or os.environ.get(f"BACKUP_{name.upper()}")
    if not value:
        found = current()
        value = found.values.get(var) if found else None
    if value is None or value == "":
        return default
    try:
        return type(default)(value)
    except ValueError:
        raise ConfigurationError(f"{var} must be a whole number, not {value!r}") from None


def backup_dir(output_dir: Path | None = None) -> Path:
    """-o/--output-dir, else the configured backup path, else ./backups."""
    return Path(output_dir or configured("path", "backups"))


def file_stem(dbname: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.]+", "_", dbname) or "database"


@dataclass(frozen=True)
class Backup:
    path: Path
    size: int
    tables: list[str]
    sha256: str
    deleted: list[Path]


def create_backup(url: str, directory: Path, *, retention_days: int = 0,
                  retention_count: int = 0, progress: Progress = _quiet) -> Backup:
    """Dump the database, verify the archive, write its checksum, then apply retention."""
    db = target(url)
    directory.mkdir(parents=True, exist_ok=True)
    path = _new_path(directory, db.dbname)
    partial = path.with_name(f".{path.name}.partial")
    expected = public_tables(url)
    progress(f"dumping {db.dbname} to {path}")
    try:
        run_tool([tool("pg_dump"), "--format=custom", f"--file={partial}", f"--dbname={db.url}"],
                 db, what="pg_dump",
                 tick=lambda: progress(f"dumping {db.dbname}: {_size(partial)}"))
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    try:
        progress(f"verifying {path.name}")
        tables = verify_archive(path, expected)
        digest = write_checksum(path)
    except BackupError:
        path.unlink(missing_ok=True)
        raise
    progress("applying retention")
    deleted = apply_retention(directory, db.dbname, keep=path, days=retention_days,
                              count=retention_count)
    return Backup(path, path.stat().st_size, tables, digest, deleted)


def _new_path(directory: Path, dbname: str) -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = directory / f"{file_stem(dbname)}-{stamp}.dump"
    n = 1
    while path.exists():
        n += 1
        path = directory / f"{file_stem(dbname)}-{stamp}-{n}.dump"
    return path


def _size(path: Path) -> str:
    try:
        return human_size(path.stat().st_size)
    except OSError:
        return "starting"


def human_size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"  # pragma: no cover


def connect(url: str, **kw: Any) -> psycopg.Connection:
    """A psycopg connection; a clear error when the database cannot be reached."""
    try:
        return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1), **kw)
    except psycopg.OperationalError as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ConfigurationError(f"cannot connect to database {target(url).dbname}: "
                                 f"{target(url).scrub(first)}") from None


def public_tables(url: str) -> set[str]:
    """The ordinary and partitioned tables of the database's public schema."""
    with connect(url) as conn:
        rows = conn.execute("SELECT c.relname FROM pg_class c JOIN pg_namespace n "
                            "ON n.oid = c.relnamespace WHERE n.nspname = 'public' "
                            "AND c.relkind IN ('r', 'p')").fetchall()
    return {r[0] for r in rows}


def archive_tables(path: Path) -> list[str]:
    """The public tables an archive holds (pg_restore --list); BackupError if unreadable."""
    listing = run_tool([tool("pg_restore"), "--list", str(path)],
                       what=f"pg_restore --list {path.name}")
    found = (TOC_TABLE.match(line) for line in listing.splitlines())
    return sorted({m["name"] for m in found if m and m["schema"] == "public"})


def verify_archive(path: Path, expected: set[str]) -> list[str]:
    """Check that the archive lists every expected table and that every block reads back."""
    tables = archive_tables(path)
    missing = sorted(expected - set(tables))
    if missing:
        raise BackupError(f"{path.name} does not hold the tables {', '.join(missing)}")
    run_tool([tool("pg_restore"), "--file=/dev/null", str(path)],
             what=f"reading {path.name} back")
    return tables


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def checksum_path(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def write_checksum(path: Path) -> str:
    """Write `<file>.sha256` (sha256sum format, so `sha256sum -c` checks it too)."""
    digest = sha256_of(path)
    tmp = checksum_path(path).with_name(f".{path.name}.sha256.partial")
    tmp.write_text(f"{digest}  {path.name}\n")
    os.replace(tmp, checksum_path(path))
    return digest


def checksum_status(path: Path) -> str:
    """'ok' (the file matches its .sha256), 'missing' (no .sha256) or 'MISMATCH'."""
    sums = checksum_path(path)
    if not sums.exists():
        return "missing"
    recorded = (sums.read_text().split() or [""])[0].lower()
    return "ok" if recorded == sha256_of(path) else "MISMATCH"


def backups_in(directory: Path, dbname: str | None = None) -> list[Path]:
    """Our backups in a directory (of one database, or all), newest first; other files never."""
    if not directory.is_dir():
        return []
    ours = [p for p in directory.iterdir() if p.is_file() and (m := NAME.match(p.name))
            and (dbname is None or m["db"] == file_stem(dbname))]
    return sorted(ours, key=lambda p: (p.stat().st_mtime, p.name), reverse=True)


def apply_retention(directory: Path, dbname: str, *, keep: Path, days: int, count: int,
                    now: float | None = None) -> list[Path]:
    """Delete this database's backups older than `days` and beyond the `count` newest
    (0 turns a rule off); never `keep` (the backup just made), never files not ours."""
    now = time.time() if now is None else now
    others = [p for p in backups_in(directory, dbname) if p.resolve() != keep.resolve()]
    doomed = [p for p in others if days and now - p.stat().st_mtime > days * 86400]
    if count:
        doomed += [p for p in others[max(count - 1, 0):] if p not in doomed]
    for p in doomed:
        p.unlink(missing_ok=True)
        checksum_path(p).unlink(missing_ok=True)
    return doomed


@dataclass(frozen=True)
class Listed:
    path: Path
    size: int
    modified: dt.datetime
    status: str


def list_backups(directory: Path) -> list[Listed]:
    """The backups in a directory, newest first, with size, date and checksum status."""
    return [Listed(p, p.stat().st_size,
                   dt.datetime.fromtimestamp(p.stat().st_mtime, dt.UTC), checksum_status(p))
            for p in backups_in(directory)]
