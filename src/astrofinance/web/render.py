"""Rendering: the Jinja2 templates, the one format of money (₦ with thousands separators),
rates and dates, the navigation by permission, and the page context every template gets."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from starlette.responses import HTMLResponse

from astrofinance.api.deps import CSRF_COOKIE
from astrofinance.auth.tokens import Principal

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
env = templates.env
env.trim_blocks = True
env.lstrip_blocks = True


@dataclass(frozen=True)
class NavItem:
    label: str
    path: str
    permission: str
    section: str = "Portfolio"


NAV: tuple[NavItem, ...] = (
    NavItem("Overview", "/", "metrics.read"),
    NavItem("All Loans", "/loans", "loans.read"),
    NavItem("Officers", "/officers", "metrics.read"),
    NavItem("FIMR", "/fimr", "metrics.read"),
    NavItem("Early indicators", "/early-indicators", "metrics.read"),
    NavItem("Branches", "/branches", "metrics.read"),
    NavItem("Vertical leads", "/vertical-leads", "metrics.read"),
    NavItem("Collections", "/collections", "metrics.read"),
    NavItem("Operations", "/operations", "sync.run", "Operations"),
)
"""The menu; an item shows only to a role holding its permission (the page checks it too)."""


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def naira(value: Any, places: int = 2) -> str:
    """₦1,234,567.50 (negative: -₦1,234.00); an em dash for no value."""
    d = _decimal(value)
    if d is None:
        return "—"
    text = f"{abs(d):,.{places}f}"
    return f"-₦{text}" if d < 0 else f"₦{text}"


def number(value: Any, places: int = 0) -> str:
    d = _decimal(value)
    return "—" if d is None else f"{d:,.{places}f}"


def rate(value: Any, places: int = 2) -> str:
    """A percentage: 12.34%; an em dash where it is undefined (nothing to divide by)."""
    d = _decimal(value)
    return "—" if d is None else f"{d:,.{places}f}%"


def day(value: Any) -> str:
    """The one date format of the UI: 7 Mar 2026."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        return f"{value.day} {value:%b %Y %H:%M}"
    return f"{value.day} {value:%b %Y}"


def short_day(value: Any) -> str:
    """7 Mar (charts' axes)."""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    return f"{value.day} {value:%b}"


def yes_no(value: Any) -> str:
    return "—" if value is None else ("yes" if value else "no")


env.filters.update(naira=naira, number=number, rate=rate, day=day, short_day=short_day,
                   yes_no=yes_no)
env.globals.update(naira=naira, number=number, rate=rate, day=day)


def query_with(request: Request, **changes: Any) -> str:
    """The page's query string with some parameters replaced (None removes one)."""
    items = [(k, v) for k, v in request.query_params.multi_items() if k not in changes]
    for k, v in changes.items():
        if v is None:
            continue
        items.extend((k, x) for x in (v if isinstance(v, list | tuple) else [v]))
    return urlencode(items)


def page(request: Request, template: str, user: Principal | None, *, status: int = 200,
         title: str = "", **context: Any) -> HTMLResponse:
    """A page (or, for an htmx request of a fragment, the template as it is)."""
    nav = [n for n in NAV if user is not None and user.can(n.permission)]
    ctx = {"request": request, "user": user, "nav": nav, "title": title,
           "csrf": request.cookies.get(CSRF_COOKIE, ""), "path": request.url.path,
           "query_with": lambda **c: query_with(request, **c),
           "params": request.query_params, **context}
    return templates.TemplateResponse(request, template, ctx, status_code=status)


def safe_json(value: Any) -> Markup:
    """Data for a chart, embedded in a <script type="application/json"> element."""
    import json

    from astrofinance.api.envelope import _default

    text = json.dumps(value, default=_default).replace("<", "\\u003c")
    return Markup(text)   # noqa: S704 (escaped above: no closing tag can appear)


env.filters["json"] = safe_json
