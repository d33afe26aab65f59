"""The embedded default database: a PostgreSQL server from the `pgserver` package.

Created on first use in `<data_dir>/pg`, reused afterwards, and left running between commands
(like any database service) so that `psql` works too; `astrofinance db stop` stops it.
A previous process killed with SIGKILL leaves its pid in `.handle_pids.json`: those are
cleaned up before every start.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import time
from pathlib import Path

from astrofinance.errors import ConfigurationError

DB_NAME = "astrofinance"
log = logging.getLogger(__name__)


def pgdata_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "pg"


def bin_dir() -> Path:
    import pgserver

    return Path(pgserver.__file__).parent / "pginstall" / "bin"


def _clean_stale_pids(pgdata: Path) -> None:
    path = pgdata / ".handle_pids.json"
    if not path.exists():
        return
    try:
        pids = json.loads(path.read_text() or "[]")
    except ValueError:
        pids = []
    alive = [p for p in pids if _pid_alive(p)]
    if alive != pids:
        path.write_text(json.dumps(alive))


def _pid_alive(pid: int) -> bool:
    """Whether the process runs (a killed process not yet reaped, a zombie, does not)."""
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:
        return True


def _check_path(pgdata: Path) -> None:
    resolved = pgdata.resolve()
    if os.geteuid() == 0 and (resolved == Path("/root") or Path("/root") in resolved.parents):
        raise ConfigurationError(
            f"embedded data dir {resolved} is under /root; pgserver would open up /root's "
            "permissions. Set ASTROFINANCE_DATA_DIR elsewhere (default /var/lib/astrofinance)."
        )
    if len(str(resolved)) > 80:
        raise ConfigurationError(
            f"embedded data dir path {resolved} is too long for a unix socket; use a shorter "
            "ASTROFINANCE_DATA_DIR"
        )


def start(data_dir: Path, *, keep_running: bool = True):
    """Start (or attach to) the embedded server; return the pgserver handle.

    A server killed with SIGKILL leaves a stale postmaster.pid and, for a moment, orphaned
    backends holding its shared memory: wait for them and try again (3 attempts).
    """
    import warnings

    # platformdirs warns when XDG_RUNTIME_DIR is unset (pgserver then uses /tmp): harmless
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    import pgserver

    pgdata = pgdata_dir(data_dir)
    _check_path(pgdata)
    pgdata.mkdir(parents=True, exist_ok=True)
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    last_error: Exception | None = None
    for attempt in range(3):
        _clean_stale_pids(pgdata)
        _wait_for_orphans(pgdata, seconds=5)  # a killed server's pid file, not yet reaped
        try:
            server = pgserver.get_server(pgdata, cleanup_mode=None if keep_running else "stop")
            _ensure_database(server)
            return server
        except Exception as e:  # initdb/pg_ctl/psql failure
            last_error = e
            _forget(pgdata)
            _wait_for_orphans(pgdata, seconds=5 * (attempt + 1))
    tail = _log_tail(pgdata)
    raise ConfigurationError(
        f"could not start the embedded PostgreSQL in {pgdata}: {last_error}{tail}") from None


def _forget(pgdata: Path) -> None:
    """Drop pgserver's cached handle so the next attempt checks the server again."""
    from pgserver.postgres_server import PostgresServer

    PostgresServer._instances.pop(pgdata.resolve(), None)


def _wait_for_orphans(pgdata: Path, seconds: float) -> None:
    """Wait until no process of a dead postmaster still uses the data dir; drop its pid file."""
    import psutil

    deadline = time.monotonic() + seconds
    needle = str(pgdata.resolve())
    pidfile = pgdata / "postmaster.pid"
    while time.monotonic() < deadline:
        owner = _pidfile_owner(pidfile)
        if owner is not None and _pid_alive(owner):
            return  # a live server: nothing stale to clean
        users = [p for p in psutil.process_iter(["name", "cmdline", "cwd"])
                 if p.info["name"] == "postgres"
                 and (needle in " ".join(p.info["cmdline"] or []) or p.info["cwd"] == needle)]
        if not users:
            pidfile.unlink(missing_ok=True)
            _drop_stale_socket_locks(pgdata)
            return
        time.sleep(0.2)


def _drop_stale_socket_locks(pgdata: Path) -> None:
    """Remove the socket lock file (and socket) a dead postmaster left in the data dir.

    PostgreSQL refuses to start while the lock names a pid that kill(pid, 0) finds, and a
    killed postmaster nobody has reaped yet (a zombie, common in containers) is found: seen in
    CI as "lock file .s.PGSQL.5432.lock already exists".
    """
    for lock in pgdata.glob(".s.PGSQL.*.lock"):
        owner = _pidfile_owner(lock)
        if owner is None or not _pid_alive(owner):
            lock.unlink(missing_ok=True)
            Path(str(lock)[: -len(".lock")]).unlink(missing_ok=True)


def _pidfile_owner(pidfile: Path) -> int | None:
    try:
        return int(pidfile.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def url(server, database: str = DB_NAME) -> str:
    return server.get_uri(database)


def _ensure_database(server) -> None:
    out = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}';")
    if "(1 row)" not in out:
        server.psql(f'CREATE DATABASE "{DB_NAME}";')


def stop(data_dir: Path) -> bool:
    """Stop the embedded server if it runs; True when it was running."""
    pgdata = pgdata_dir(data_dir)
    if not (pgdata / "postmaster.pid").exists():
        return False
    cmd = [str(bin_dir() / "pg_ctl"), "-D", str(pgdata), "-w", "-m", "fast", "stop"]
    if os.geteuid() == 0:
        cmd = ["su", "pgserver", "-s", "/bin/sh", "-c", " ".join(cmd)]
    res = subprocess.run(cmd, capture_output=True, text=True)
    (pgdata / ".handle_pids.json").unlink(missing_ok=True)
    return res.returncode == 0


def _log_tail(pgdata: Path) -> str:
    logf = pgdata / "log"
    if logf.exists():
        lines = logf.read_text(errors="replace").splitlines()[-5:]
        return "\n" + "\n".join(lines)
    return ""
