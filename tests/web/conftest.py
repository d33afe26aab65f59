"""Browser tests of the web dashboard: Playwright (Python) driving Debian's Chromium against
the real server (uvicorn on a free port, tests/api/live.py) over the test's own PostgreSQL.

Fixtures:
- `browser`: one headless Chromium for the session (/usr/bin/chromium, or
  $ASTROFINANCE_CHROMIUM); `.ci/run` installs Debian's chromium package. A missing browser
  is a failure with the fix in its message, never a skip.
- `site`: the live server over a fresh copy (`book_db`) of a book of 150 loans seeded and
  recalculated as of today (the business day; seeded once per session, `book_template`),
  with a `Site` to make users and sign in.
- `page`: a fresh browser context and page (no cookies) per test.
- `site.login(page, role, username=None, email=None)`: makes the user (password
  tests.api.live.PASSWORD) and signs in through the login form; returns the page on the
  overview.
- `shot(page, name)`: saves a screenshot as build/screenshots/<name>.png (or under
  $ASTROFINANCE_SCREENSHOTS, which `./dev screenshots` points at docs/screenshots).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from astrofinance.config import get_settings
from astrofinance.db import Database, session_scope
from astrofinance.metrics.service import recalculate
from astrofinance.portfolio.seed import seed_portfolio
from astrofinance.web.auth import CSRF_COOKIE, CSRF_FIELD
from tests.api.live import PASSWORD, Api, serve

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]


def chromium_path() -> str:
    found = os.environ.get("ASTROFINANCE_CHROMIUM") or shutil.which("chromium") or \
        shutil.which("chromium-browser")
    if not found:
        pytest.fail("no Chromium for the browser tests: install Debian's package "
                    "(`apt-get install chromium`, as .ci/run does) or set "
                    "ASTROFINANCE_CHROMIUM to a Chromium binary")
    return found


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB",
                                  accept_downloads=True)
    context.set_default_timeout(20_000)
    p = context.new_page()
    yield p
    context.close()


def today() -> dt.date:
    return get_settings().today()


def seed_book(db: Database, loans: int = 150, seed: int = 11) -> dt.date:
    """A demo-like book as of today: seeded loans, and 30 booked through the loan book (they
    take payments), recalculated (so the stored fields are current)."""
    from astrofinance.lending.demo import book_demo_loans

    day = today()
    seed_portfolio(db, loans=loans, seed=seed, as_of=day)
    with session_scope(db) as conn:
        book_demo_loans(conn, day)
        recalculate(conn, day)
    return day


@dataclass
class Site:
    """The running server, its database and ways to sign in as someone."""

    base_url: str
    db: Database
    api: Api

    def url(self, path: str) -> str:
        return self.base_url + path

    def login(self, page: Any, role: str, username: str | None = None,
              email: str | None = None) -> Any:
        username = username or f"{role}-user"
        self.api.user(username, role, email)
        page.goto(self.url("/login"))
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda u: "/login" not in u)
        return page

    def post_from(self, page: Any, path: str, form: dict[str, str] | None = None) -> int:
        """POST a form to `path` from the signed-in page, as its own script would (with the
        session's CSRF token from its cookie); the answer's status."""
        return page.evaluate("""async ([path, form, field, cookie]) => {
            const csrf = document.cookie.match(new RegExp(cookie + '=([^;]+)'))[1];
            const body = new URLSearchParams({...form, [field]: csrf});
            return (await fetch(path, {method: 'POST', body})).status; }""",
            [path, form or {}, CSRF_FIELD, CSRF_COOKIE])

    def scalar(self, sql: str, **params: Any) -> Any:
        with session_scope(self.db) as conn:
            return conn.execute(text(sql), params).scalar()

    def column(self, sql: str, **params: Any) -> list[Any]:
        with session_scope(self.db) as conn:
            return list(conn.execute(text(sql), params).scalars())


@pytest.fixture(scope="session")
def book_template(pg_server_url: str, template_db: str) -> Iterator[str]:
    """A migrated database holding the seeded, recalculated book, made once per session and
    cloned for each test (seeding per test would cost seconds each)."""
    from tests.conftest import RUN, _admin, _with_database

    name = f"af_webtpl_{RUN}"
    admin = _admin(pg_server_url)
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"'))
    book = Database(_with_database(pg_server_url, name))
    seed_book(book)
    book.dispose()
    with admin.connect() as c:
        c.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false'))
    yield name
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def book_db(pg_server_url: str, book_template: str,
            _used_databases: list[str]) -> Iterator[Database]:
    """A fresh copy of the seeded book for one test, selected as the process's database."""
    from tests.conftest import cloned_database

    with cloned_database(pg_server_url, book_template, _used_databases) as database:
        yield database


@pytest.fixture
def site(book_db: Database) -> Iterator[Site]:
    db = book_db
    with serve(db) as url:
        api = Api(url, db)
        yield Site(url, db, api)
        api.close()


def screenshot_dir() -> Path:
    return Path(os.environ.get("ASTROFINANCE_SCREENSHOTS") or ROOT / "build" / "screenshots")


@pytest.fixture
def shot():
    def take(page: Any, name: str, full_page: bool = True) -> Path:
        folder = screenshot_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take
