"""`astrofinance demo` ends on a working dashboard: the real command in a subprocess, over the
test's database, serving until stopped; its printed demo sign-ins open the pages."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

from astrofinance.db import session_scope


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_demo_serves_the_dashboard_with_its_demo_users(db, db_url, tmp_path):
    port = _free_port()
    log = tmp_path / "demo.log"
    env = {**os.environ, "DATABASE_URL": db_url, "COLUMNS": "200"}
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "astrofinance", "demo", "--loans", "300",
                                 "--port", str(port)], env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while "Serving the dashboard" not in log.read_text():
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.5)
        text = log.read_text()
        password = re.search(r"demo / (\S+)\s+\(admin", text).group(1)
        officer_password = re.search(r"demo-officer / (\S+)\s+\(loan_officer", text).group(1)
        base = f"http://127.0.0.1:{port}"
        for _ in range(50):                         # uvicorn binds just after the line
            try:
                httpx.get(base + "/login")
                break
            except httpx.ConnectError:
                time.sleep(0.2)
        with httpx.Client(base_url=base, follow_redirects=True) as admin:
            r = admin.post("/login", data={"username": "demo", "password": password})
            assert r.status_code == 200 and "Portfolio overview" in r.text
            assert "Operations" in r.text
            assert admin.get("/loans").status_code == 200
        with httpx.Client(base_url=base, follow_redirects=True) as officer:
            r = officer.post("/login", data={"username": "demo-officer",
                                             "password": officer_password})
            assert r.status_code == 200 and "Operations" not in r.text
        with session_scope(db) as conn:      # the trend charts have a history to draw
            from sqlalchemy import text as sql

            assert conn.execute(sql("SELECT count(DISTINCT as_of) FROM portfolio_snapshots")
                                ).scalar_one() > 20
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
