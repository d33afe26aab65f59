"""`astrofinance tokens ...` and `astrofinance serve` (a real process on a real port)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import httpx
import pytest
from typer.testing import CliRunner

from astrofinance.cli.main import app
from tests.api.live import Api

runner = CliRunner()

pytestmark = pytest.mark.usefixtures("cli_as_it_admin")


def test_tokens_create_list_revoke(api: Api) -> None:
    r = runner.invoke(app, ["tokens", "create", "--name", "cron", "--role", "manager"])
    assert r.exit_code == 0, r.output
    token = r.stdout.strip().splitlines()[-1]
    assert token.startswith("af_")
    me = api.client(token).get("/auth/me").json()["data"]
    assert (me["name"], me["role"]) == ("token:cron", "manager")
    listed = runner.invoke(app, ["tokens", "list", "--format", "json"])
    [row] = json.loads(listed.stdout)
    assert row["name"] == "cron" and row["created_by"] == "it-admin"
    assert token not in listed.stdout and row["token_prefix"] == token[:10]
    again = runner.invoke(app, ["tokens", "create", "--name", "cron", "--role", "viewer"])
    assert again.exit_code == 1 and "exists already" in again.output
    bad = runner.invoke(app, ["tokens", "create", "--name", "x", "--role", "overlord"])
    assert bad.exit_code == 1 and "unknown role" in bad.output
    assert runner.invoke(app, ["tokens", "revoke", "cron"]).exit_code == 0
    assert api.client(token).get("/auth/me").status_code == 401
    assert runner.invoke(app, ["tokens", "revoke", "cron"]).exit_code == 1


def test_serve_answers_health_over_http(db_url: str) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": db_url}
    proc = subprocess.Popen([sys.executable, "-m", "astrofinance", "serve", "--port", str(port)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline, answer = time.monotonic() + 60, None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert answer is not None, "the server did not answer"
        assert answer.status_code == 200 and answer.json()["data"]["database"] == "ok"
        docs = httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=5).json()
        assert "/api/v1/loans" in docs["paths"]
        denied = httpx.get(f"http://127.0.0.1:{port}/api/v1/loans", timeout=5)
        assert denied.status_code == 401
    finally:
        proc.terminate()
        out = proc.communicate(timeout=30)[0]
    assert "Traceback" not in out
