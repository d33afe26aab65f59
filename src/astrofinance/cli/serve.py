"""`astrofinance serve`: the HTTP API (uvicorn) and `astrofinance tokens ...` for scripts."""

from __future__ import annotations

import os

import typer
from rich.table import Table

from astrofinance.cli.common import (
    FORMAT_OPTION,
    TableJson,
    actor,
    console,
    database,
    err_console,
    handle_errors,
    print_json,
)

tokens_app = typer.Typer(help="API tokens for scripts and cron: create, list, revoke.",
                         no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.add_typer(tokens_app, name="tokens")


@handle_errors
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
    workers: int = typer.Option(1, "--workers", min=1, max=64,
                                help="Worker processes (each with its own connection pool)."),
    log_level: str = typer.Option("info", "--log-level",
                                  help="critical, error, warning, info or debug."),
    scheduler: bool = typer.Option(False, "--scheduler",
                                   help="Also run the scheduled jobs in a background thread "
                                        "(only the runner holding the scheduler lock runs "
                                        "them; see `astrofinance scheduler`)."),
) -> None:
    """Serve the HTTP API (OpenAPI at /docs) until interrupted."""
    from astrofinance.api.app import configure_logging
    from astrofinance.auth.context import clear_cli_actor

    clear_cli_actor()          # every request acts as its caller
    db = database()            # start and migrate before listening
    configure_logging(log_level)
    err_console.print(f"[bold]database[/]: {db.describe()}")
    err_console.print(f"API on http://{host}:{port}/api/v1 (docs at http://{host}:{port}/docs)")
    background = _start_scheduler(db) if scheduler else None
    try:
        _run(db, host, port, workers, log_level)
    finally:
        if background is not None:
            err_console.print("stopping the scheduler (after the job in progress)…")
            background[1].set()
            background[0].join()


def _start_scheduler(db):
    """The scheduler's thread and its stop event. The event is also set by SIGINT/SIGTERM:
    uvicorn hands a signal on to the handler it found once it has shut down, so the thread
    then finishes its job and the process exits cleanly."""
    from astrofinance.ops.scheduler import configured, in_background, stop_on_signals

    s = configured(db)
    err_console.print(f"scheduler: {len(s.enabled())} job(s) on, runner {s.runner}")
    stop = stop_on_signals(lambda m: err_console.print(m, highlight=False))
    return in_background(s, stop), stop


def _run(db, host: str, port: int, workers: int, log_level: str) -> None:
    import uvicorn

    from astrofinance.api.app import LOG_LEVEL_ENV

    if workers > 1:
        os.environ[LOG_LEVEL_ENV] = log_level     # the workers configure their logging from it
        uvicorn.run("astrofinance.api.server:app", host=host, port=port, workers=workers,
                    log_level=log_level, proxy_headers=False)
    else:
        from astrofinance.api import create_app

        uvicorn.run(create_app(db), host=host, port=port, log_level=log_level,
                    proxy_headers=False)


@tokens_app.command("create")
@handle_errors
def create(
    name: str = typer.Option(..., "--name", help="What the token is for, e.g. cron."),
    role: str = typer.Option(None, "--role", help="The token's role (e.g. manager)."),
    user: str = typer.Option(None, "--user",
                             help="Act as this user instead (their role and scope)."),
    expires_days: int = typer.Option(None, "--expires-days", min=1, max=3650,
                                     help="Expire after this many days (default: never)."),
) -> None:
    """Create an API token; it is printed once, on standard output: store it now."""
    from astrofinance.auth.context import act_as
    from astrofinance.auth.tokens import create_api_token
    from astrofinance.db import session_scope

    with session_scope(database()) as conn:
        act_as(conn, actor())
        issued = create_api_token(conn, name=name, created_by=actor(), role=role,
                                  username=user, expires_days=expires_days)
    err_console.print(f"Created API token {issued.id} ({name}); it is not shown again. Use it "
                      "as: Authorization: Bearer <token>")
    typer.echo(issued.token)


@tokens_app.command("list")
@handle_errors
def list_(
    all_: bool = typer.Option(False, "--all", help="Also revoked tokens and sign-in sessions."),
    fmt: TableJson = FORMAT_OPTION,
) -> None:
    """List API tokens (never their secrets)."""
    from astrofinance.auth.tokens import list_tokens
    from astrofinance.db import session_scope

    with session_scope(database()) as conn:
        rows = list_tokens(conn, sessions=all_, revoked=all_)
    if fmt == TableJson.json:
        print_json(rows)
        return
    table = Table(title=f"{len(rows)} token(s)")
    for col in ("id", "name", "kind", "role", "user", "prefix", "created", "expires",
                "last used", "revoked"):
        table.add_column(col)
    for r in rows:
        table.add_row(str(r["id"]), r["name"], r["kind"], r["role"], r["username"] or "",
                      r["token_prefix"] + "…", _ts(r["created_at"]), _ts(r["expires_at"]),
                      _ts(r["last_used_at"]), _ts(r["revoked_at"]))
    console.print(table)


@tokens_app.command("revoke")
@handle_errors
def revoke(token: str = typer.Argument(..., help="The token's id or (API token) name.")) -> None:
    """Revoke a token: it stops working at once."""
    from astrofinance.auth.context import act_as
    from astrofinance.auth.tokens import revoke as revoke_token
    from astrofinance.db import session_scope

    with session_scope(database()) as conn:
        act_as(conn, actor())
        if token.isdigit():
            revoke_token(conn, token_id=int(token))
        else:
            revoke_token(conn, name=token)
    console.print(f"Revoked token {token}.")


def _ts(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""
