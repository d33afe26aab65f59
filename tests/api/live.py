"""A real HTTP server for the API tests: uvicorn in a thread on a free port, over the test's
database; clients are httpx over TCP (no in-process transport)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from sqlalchemy import text

from astrofinance.api import create_app
from astrofinance.auth import service as users
from astrofinance.auth.context import act_as
from astrofinance.auth.tokens import create_api_token
from astrofinance.config import get_settings
from astrofinance.db import Database, session_scope

PASSWORD = "correct horse battery"


@contextmanager
def serve(db: Database, settings: Any = None) -> Iterator[str]:
    """Serve the API over `db`; yields its base URL; stops the server at the end."""
    app = create_app(db, settings or get_settings())
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test API server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@dataclass
class Api:
    """The running API and ways to call it as someone."""

    base_url: str
    db: Database
    _clients: list[httpx.Client] = field(default_factory=list)

    def client(self, token: str | None = None, **kwargs: Any) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        headers.update(kwargs.pop("headers", {}))
        c = httpx.Client(base_url=self.base_url + "/api/v1", headers=headers, timeout=60,
                         **kwargs)
        self._clients.append(c)
        return c

    def user(self, username: str, role: str, email: str | None = None) -> None:
        """Add an active user with PASSWORD (idempotent per test)."""
        with session_scope(self.db) as conn:
            act_as(conn, "test")
            exists = conn.execute(text("SELECT 1 FROM users WHERE lower(username) = lower(:u)"),
                                  {"u": username}).first()
            if not exists:
                users.add_user(conn, username, role, PASSWORD, email=email)

    def token(self, role: str, *, username: str | None = None, email: str | None = None) -> str:
        """An API token acting as a user with this role (made when missing)."""
        username = username or f"{role}-user"
        self.user(username, role, email)
        with session_scope(self.db) as conn:
            act_as(conn, "test")
            count = conn.execute(text("SELECT count(*) FROM api_tokens")).scalar_one()
            return create_api_token(conn, name=f"t{count + 1}", created_by="test",
                                    username=username).token

    def as_role(self, role: str, **kwargs: Any) -> httpx.Client:
        return self.client(self.token(role, **kwargs))

    def close(self) -> None:
        for c in self._clients:
            c.close()
