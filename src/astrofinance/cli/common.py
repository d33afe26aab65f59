"""Shared CLI helpers: the console, the database, error rendering, parsing dates and money,
the table-or-JSON output."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import wraps
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from astrofinance.errors import AstroFinanceError, ValidationFailed

console = Console()
err_console = Console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])


def handle_errors(func: F) -> F:
    """Render AstroFinanceError as a message on stderr with exit code 1 (no traceback)."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except AstroFinanceError as e:
            err_console.print(f"[bold red]error:[/] {e}", highlight=False, soft_wrap=True)
            if isinstance(e, ValidationFailed):
                for p in e.problems[:200]:
                    err_console.print(f"  {p}", highlight=False, soft_wrap=True)
                if len(e.problems) > 200:
                    err_console.print(f"  … and {len(e.problems) - 200} more")
            raise typer.Exit(e.exit_code) from None
        except KeyboardInterrupt:
            err_console.print("interrupted")
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


def parse_date(value: str | None, name: str = "date") -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date in YYYY-MM-DD form",
                                 param_hint=name) from None


def database():
    """The configured database (started and migrated when needed)."""
    from astrofinance.db.engine import get_database

    return get_database()


def today() -> dt.date:
    from astrofinance.config import get_settings

    return get_settings().today()


def is_tty() -> bool:
    return sys.stderr.isatty()


def parse_money(value: str | None, name: str = "amount") -> Decimal | None:
    """A money amount (a plain decimal, at most 2 decimals), or a usage error."""
    if value is None:
        return None
    try:
        amount = Decimal(value.replace(",", "").strip())
    except InvalidOperation:
        raise typer.BadParameter(f"{value!r} is not an amount (like 1200.50)",
                                 param_hint=name) from None
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        raise typer.BadParameter(f"{value!r} is not an amount with at most 2 decimals",
                                 param_hint=name)
    return amount


def actor() -> str:
    """Who is acting: ASTROFINANCE_USER, else the OS login (recorded in the audit log)."""
    from astrofinance.auth.context import current_actor

    return current_actor()


class TableJson(StrEnum):
    """--format of commands that print a table for people or JSON for scripts."""

    table = "table"
    json = "json"


FORMAT_OPTION = typer.Option(TableJson.table, "--format", help="table or json.")


def jsonable(value: Any) -> str:
    """JSON for what json cannot write: money as an exact decimal string, ISO dates."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, default=jsonable, indent=2, ensure_ascii=False))


def print_fields(title: str, fields: Mapping[str, Any]) -> None:
    """One record as a two-column table (names with spaces; empty values left out)."""
    table = Table(title=title, show_header=False)
    table.add_column("field")
    table.add_column("value")
    for key, value in fields.items():
        if value is not None:
            shown = " → ".join(value) if isinstance(value, list) else str(value)
            table.add_row(key.replace("_", " "), shown)
    console.print(table)
