"""The embedded default database: first start, reuse, and recovery after SIGKILL.

Each test runs the real `astrofinance` command in a subprocess with no DATABASE_URL, on its
own data directory under /tmp (short socket path, never under /root).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from astrofinance.db import embedded
from astrofinance.db.migrate import head_revision


@pytest.fixture
def data_dir():
    path = Path("/tmp") / f"af-life-{uuid.uuid4().hex[:8]}"
    yield path
    embedded.stop(path)
    shutil.rmtree(path, ignore_errors=True)


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "TEST_DATABASE_URL", "DB_HOST", "DB_NAME"}}
    env.update(ASTROFINANCE_DATA_DIR=str(data_dir), ASTROFINANCE_PROFILE="development")
    return env


def _cli(data_dir: Path, *args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "astrofinance", *args], env=_env(data_dir),
                          capture_output=True, text=True, timeout=timeout)


def test_first_use_creates_and_migrates_then_reuses(data_dir):
    assert not data_dir.exists()
    first = _cli(data_dir, "metrics", "recalculate", "--as-of", "2025-03-12")
    assert first.returncode == 0, first.stderr
    assert (data_dir / "pg" / "PG_VERSION").exists()
    info = _cli(data_dir, "db", "info")
    assert info.returncode == 0, info.stderr
    assert "embedded PostgreSQL" in info.stdout
    assert head_revision() in info.stdout
    # reused: the recalculation run recorded by the first command is still there
    again = _cli(data_dir, "metrics", "recalculate", "--as-of", "2025-03-13")
    assert again.returncode == 0, again.stderr
    stop = _cli(data_dir, "db", "stop")
    assert stop.returncode == 0 and "stopped" in stop.stdout
    # and it starts again after a clean stop, data intact
    info2 = _cli(data_dir, "db", "info")
    assert info2.returncode == 0 and head_revision() in info2.stdout


def _postmaster_pid(data_dir: Path) -> int:
    return int((data_dir / "pg" / "postmaster.pid").read_text().split()[0])


def test_survives_a_killed_client_and_a_killed_server(data_dir):
    assert _cli(data_dir, "db", "info").returncode == 0
    # a client killed with SIGKILL while holding the server: its pid stays in the handle list
    code = ("import time; from pathlib import Path; from astrofinance.db import embedded; "
            f"embedded.start(Path({str(data_dir)!r}), keep_running=False); "
            "print('up', flush=True); time.sleep(60)")
    proc = subprocess.Popen([sys.executable, "-c", code], env=_env(data_dir),
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "up"
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    handles = (data_dir / "pg" / ".handle_pids.json").read_text()
    assert str(proc.pid) in handles
    after_client = _cli(data_dir, "db", "info")
    assert after_client.returncode == 0, after_client.stderr
    assert str(proc.pid) not in (data_dir / "pg" / ".handle_pids.json").read_text()
    # the server itself killed: a stale postmaster.pid is left behind
    os.kill(_postmaster_pid(data_dir), signal.SIGKILL)
    time.sleep(1)
    after_server = _cli(data_dir, "metrics", "recalculate", "--as-of", "2025-03-12")
    assert after_server.returncode == 0, after_server.stderr
    assert _cli(data_dir, "db", "info").returncode == 0


def test_refuses_a_data_dir_under_root(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("only meaningful when running as root")
    res = _cli(Path("/root/af-should-not-exist"), "db", "info")
    assert res.returncode == 1
    assert "under /root" in res.stderr
    assert "Traceback" not in res.stderr
    assert not Path("/root/af-should-not-exist").exists()
