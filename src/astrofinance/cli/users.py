"""`astrofinance users ...` and `astrofinance roles list`: who may use AstroFinance.

Passwords are read from a hidden prompt (typed twice) or, with --password-stdin, from the
first line of standard input; never from an option or argument, never printed. Each change is
made acting as current_actor(), so the audit log shows who made it.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator

import typer
from rich.table import Table
from sqlalchemy import Connection

from astrofinance.cli.common import FORMAT_OPTION, TableJson, console, database, handle_errors
from astrofinance.errors import ValidationFailed

app = typer.Typer(help="Users: add, list, disable, enable, set-role, set-details, "
                       "reset-password.",
                  no_args_is_help=True)
roles_app = typer.Typer(help="Roles and the permissions each grants.", no_args_is_help=True)

STDIN_HELP = "Read the password from the first line of standard input (no prompt)."
# a stray argument is refused without being echoed (it may be a password typed by mistake)
NO_PASSWORD_ARGS = typer.Argument(None, hidden=True, show_default=False)


def refuse_extra(extra: list[str] | None) -> None:
    if extra:
        raise typer.BadParameter(
            f"{len(extra)} unexpected argument(s), not shown; a password is never taken on the "
            "command line: type it at the prompt or use --password-stdin")



def read_password(from_stdin: bool) -> str:
    """The new password: stdin's first line, or typed twice at a hidden prompt."""
    if from_stdin:
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        password = password[:-1] if password.endswith("\r") else password
        if not password:
            raise ValidationFailed("--password-stdin: standard input had no password")
        return password
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@contextlib.contextmanager
def _acting() -> Iterator[Connection]:
    """A transaction acting as the CLI's user (ASTROFINANCE_USER or the OS login)."""
    from astrofinance.auth.context import act_as, current_actor
    from astrofinance.db import session_scope

    with session_scope(database()) as conn:
        act_as(conn, current_actor())
        yield conn


@app.command()
@handle_errors
def add(
    username: str = typer.Argument(..., help="Login name (2-64 letters, digits, . _ @ -)."),
    role: str = typer.Option(..., "--role",
                             help="admin, manager, analyst, vertical_lead, supervisor, "
                                                "loan_officer or viewer."),
    name: str = typer.Option(None, "--name", help="Full name."),
    email: str = typer.Option(None, "--email", help="Email address."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help=STDIN_HELP),
    extra: list[str] = NO_PASSWORD_ARGS,
) -> None:
    """Add an active user with a role; asks for the password (at least 10 characters)."""
    from astrofinance.auth.service import add_user, check_new_user

    refuse_extra(extra)

    # a bad name, role or email, or a taken name, is reported before the password is asked for
    with _acting() as conn:
        check_new_user(conn, username, role, email)
    password = read_password(password_stdin)
    with _acting() as conn:
        user = add_user(conn, username, role, password, full_name=name, email=email)
    console.print(f"Added user {user.username} ({user.role}).")


@app.command("list")
@handle_errors
def list_(fmt: TableJson = FORMAT_OPTION) -> None:
    """List the users with their role, state and last sign-in."""
    from astrofinance.auth.service import list_users

    with _acting() as conn:
        users = list_users(conn)
    if fmt is TableJson.json:
        typer.echo(json.dumps([u.as_dict() for u in users], indent=2))
        return
    table = Table(title=f"Users ({len(users)})")
    for col in ("username", "name", "email", "role", "active", "last login", "password set"):
        table.add_column(col)
    for u in users:
        table.add_row(u.username, u.full_name or "", u.email or "", u.role,
                      "yes" if u.is_active else "no", _when(u.last_login_at),
                      _when(u.password_changed_at))
    console.print(table)


@app.command()
@handle_errors
def disable(username: str = typer.Argument(..., help="The user to disable.")) -> None:
    """Stop a user from signing in (the user and their history are kept)."""
    _switch(username, active=False)


@app.command()
@handle_errors
def enable(username: str = typer.Argument(..., help="The user to enable.")) -> None:
    """Let a disabled user sign in again."""
    _switch(username, active=True)


def _switch(username: str, active: bool) -> None:
    from astrofinance.auth.service import disable_user, enable_user, get_user

    with _acting() as conn:
        was_active = get_user(conn, username).is_active
        user = (enable_user if active else disable_user)(conn, username)
    verb = "enabled" if active else "disabled"
    console.print(f"User {user.username} was already {verb}." if was_active == active
                  else f"{verb.capitalize()} user {user.username}.")


@app.command("set-role")
@handle_errors
def set_role(
    username: str = typer.Argument(..., help="The user."),
    role: str = typer.Argument(..., help="admin, manager, analyst, loan_officer or viewer."),
) -> None:
    """Give a user another role (the last active admin keeps theirs)."""
    from astrofinance.auth.service import get_user
    from astrofinance.auth.service import set_role as run

    with _acting() as conn:
        before = get_user(conn, username).role
        user = run(conn, username, role)
    console.print(f"User {user.username}: role {before} → {user.role}." if before != user.role
                  else f"User {user.username} already has role {user.role}.")


@app.command("set-details")
@handle_errors
def set_details(
    username: str = typer.Argument(..., help="The user."),
    full_name: str = typer.Option(None, "--name", help='Full name ("" clears it).'),
    email: str = typer.Option(None, "--email", help='The email ("" clears it); it also links '
                                                    "a loan officer or a lead to their team."),
) -> None:
    """Change a user's full name and/or email."""
    from astrofinance.auth.service import set_details as run

    if full_name is None and email is None:
        raise ValidationFailed("give --name and/or --email")
    with _acting() as conn:
        user = run(conn, username, full_name=full_name, email=email)
    console.print(f"User {user.username}: name {user.full_name or '(none)'}, email "
                  f"{user.email or '(none)'}.", highlight=False)


@app.command("reset-password")
@handle_errors
def reset_password(
    username: str = typer.Argument(..., help="The user."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help=STDIN_HELP),
    extra: list[str] = NO_PASSWORD_ARGS,
) -> None:
    """Set a new password for a user; asks for it (at least 10 characters)."""
    from astrofinance.auth.service import get_user
    from astrofinance.auth.service import reset_password as run

    refuse_extra(extra)

    with _acting() as conn:
        get_user(conn, username)            # an unknown user is reported before the prompt
    password = read_password(password_stdin)
    with _acting() as conn:
        user = run(conn, username, password)
    console.print(f"Password of {user.username} changed.")


@roles_app.command("list")
@handle_errors
def roles_list(fmt: TableJson = FORMAT_OPTION) -> None:
    """List the roles and the permissions each grants."""
    from astrofinance.auth.service import list_roles

    with _acting() as conn:
        roles = list_roles(conn)
    if fmt is TableJson.json:
        typer.echo(json.dumps([r.as_dict() for r in roles], indent=2))
        return
    table = Table(title="Roles")
    for col in ("role", "description", "permissions"):
        table.add_column(col)
    for r in roles:
        table.add_row(r.name, r.description, ", ".join(r.permissions))
    console.print(table)


def _when(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""
