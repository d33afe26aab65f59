"""`astrofinance sms ...`: SMS reminders: templates, queueing overdue reminders, sending the
queue through the configured provider, the history."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

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
    today,
)

app = typer.Typer(help="SMS reminders: templates, queue overdue reminders, send, history.",
                  no_args_is_help=True)
templates_app = typer.Typer(help="The message templates and their placeholders.",
                            no_args_is_help=True)
app.add_typer(templates_app, name="templates")


class Status(StrEnum):
    queued = "queued"
    sent = "sent"
    failed = "failed"
    cancelled = "cancelled"


@templates_app.command("list")
@handle_errors
def templates_list() -> None:
    """List the templates (code, name, active, text)."""
    from astrofinance.db import session_scope
    from astrofinance.sms.service import PLACEHOLDERS, list_templates

    with session_scope(database()) as conn:
        rows = list_templates(conn)
    table = Table(title=f"SMS templates ({len(rows)})")
    for col in ("code", "name", "active", "text"):
        table.add_column(col, overflow="fold")
    for t in rows:
        table.add_row(t.code, t.name, "yes" if t.active else "no", t.body)
    console.print(table)
    console.print("Placeholders: " + " ".join("{" + p + "}" for p in PLACEHOLDERS),
                  highlight=False)


@templates_app.command("show")
@handle_errors
def templates_show(code: str = typer.Argument(..., help="The template's code, e.g. overdue.")
                   ) -> None:
    """Show one template's text."""
    from astrofinance.db import session_scope
    from astrofinance.sms.service import get_template

    with session_scope(database()) as conn:
        t = get_template(conn, code)
    console.print(f"{t.code}: {t.name} ({'active' if t.active else 'inactive'})",
                  highlight=False)
    typer.echo(t.body)


@templates_app.command("set")
@handle_errors
def templates_set(
    code: str = typer.Argument(..., help="The template's code (a new one is created)."),
    body: str = typer.Option(..., "--body", help="The text, with placeholders like "
                                                "{customer_name} and {amount_due}."),
    name: str = typer.Option(None, "--name", help="A name for people (default: kept)."),
    active: bool = typer.Option(None, "--active/--inactive",
                                help="Use it or not (default: kept; new ones are active)."),
) -> None:
    """Create a template or change its text; unknown placeholders are refused."""
    from astrofinance.auth.context import act_as
    from astrofinance.db import session_scope
    from astrofinance.sms.service import set_template

    with session_scope(database()) as conn:
        act_as(conn, actor())
        t = set_template(conn, code, body, name, active)
    console.print(f"Saved template {t.code} ({t.name}).", highlight=False)


@templates_app.command("preview")
@handle_errors
def templates_preview(
    code: str = typer.Argument(..., help="The template's code."),
    loan_id: str = typer.Argument(..., help="The loan to fill it in for."),
) -> None:
    """Show the text a template becomes for a loan (the queueing's own rendering)."""
    from astrofinance.db import session_scope
    from astrofinance.sms.service import get_template, preview

    with session_scope(database()) as conn:
        message, phone = preview(conn, loan_id, get_template(conn, code).body)
    console.print(f"To: {phone or '(the customer has no phone: it would not be sent)'}",
                  highlight=False)
    typer.echo(message)


@app.command("send-overdue")
@handle_errors
def send_overdue(
    days: int = typer.Option(1, "--days", min=1, help="Days past due at least (current DPD)."),
    template: str = typer.Option("overdue", "--template", help="The template to use."),
    dry_run: bool = typer.Option(False, "--dry-run",
                                 help="Show what would be queued; write nothing."),
) -> None:
    """Queue today's reminders for the overdue loans (at most one a loan a day).

    Loans on the books, --days or more past due, whose customer has a phone. The messages
    wait in the queue: `astrofinance sms send` delivers them (outside quiet hours).
    """
    from astrofinance.auth.context import act_as
    from astrofinance.db import session_scope
    from astrofinance.sms.service import overdue_candidates, queue_overdue

    day = today()
    with session_scope(database()) as conn:
        if dry_run:
            rows = overdue_candidates(conn, days, day, template)
        else:
            act_as(conn, actor())
            queued = queue_overdue(conn, days, actor(), day, template)
    if not dry_run:
        console.print(f"Queued {queued} reminder(s) for {day} (loans {days}+ days past due). "
                      "Send them with `astrofinance sms send`.", highlight=False)
        return
    table = Table(title=f"Would queue {len(rows)} reminder(s) for {day} (dry run: nothing "
                        "written)")
    for col in ("loan", "customer", "phone", "DPD", "amount due", "message"):
        table.add_column(col, overflow="fold")
    for c in rows:
        table.add_row(c.loan_id, c.customer_name, c.phone, str(c.days_overdue),
                      f"{c.amount_due:,.2f}", c.message)
    console.print(table)


@app.command("send")
@handle_errors
def send(
    ignore_quiet_hours: bool = typer.Option(False, "--ignore-quiet-hours",
                                            help="Send even inside the quiet hours."),
) -> None:
    """Deliver the queued messages now through the configured provider, in batches.

    Nothing is sent during the quiet hours (ASTROFINANCE_SMS_QUIET_START/_END, business time):
    the messages wait. A refused message is retried later with backoff, up to
    ASTROFINANCE_SMS_MAX_ATTEMPTS, then marked failed with the reason.
    """
    from astrofinance.config import get_settings
    from astrofinance.db import session_scope
    from astrofinance.sms.providers import provider_from_settings
    from astrofinance.sms.service import Delivery, deliver_due
    from astrofinance.sms.settings import sms_settings

    settings = sms_settings()
    provider = provider_from_settings(settings)
    tz = get_settings().timezone
    total = Delivery()
    while True:
        now = dt.datetime.now(dt.UTC)
        with session_scope(database()) as conn:
            batch = deliver_due(conn, provider, settings, now=now, timezone=tz,
                                ignore_quiet_hours=ignore_quiet_hours)
        if batch.held:
            err_console.print(f"Quiet hours ({settings.quiet_start:%H:%M}-"
                              f"{settings.quiet_end:%H:%M} {tz}): nothing sent; the queue "
                              "waits (--ignore-quiet-hours to send anyway).")
            return
        total.add(batch)
        if batch.attempted:
            err_console.print(f"  … {total.attempted} attempted so far")
        if batch.attempted < settings.batch_size:
            break
    console.print(f"Sent {total.sent} message(s) via {provider.name}; {total.retrying} to "
                  f"retry later, {total.failed} failed.", highlight=False)


@app.command("cancel")
@handle_errors
def cancel(
    ids: list[int] = typer.Argument(None, help="The queued messages' ids (`sms history`)."),
    all_queued: bool = typer.Option(False, "--all", help="Every queued message."),
    loan: str = typer.Option(None, "--loan", help="With --all: only this loan's."),
) -> None:
    """Cancel queued messages before they are sent (sent and failed ones stay as they are).

    Give their ids, or --all (optionally with --loan). Cancelled messages stay in the
    history with the status cancelled.
    """
    from astrofinance.db import session_scope
    from astrofinance.errors import ValidationFailed
    from astrofinance.sms.service import cancel_queued

    if bool(ids) == all_queued:
        raise ValidationFailed("give the ids of the messages to cancel, or --all")
    if loan and not all_queued:
        raise ValidationFailed("--loan goes with --all")
    with session_scope(database()) as conn:
        n = cancel_queued(conn, list(ids) if ids else None, loan_id=loan)
    if ids and n < len(set(ids)):
        err_console.print(f"{len(set(ids)) - n} of the {len(set(ids))} message(s) were not "
                          "queued (sent, failed, cancelled already, or no such id).",
                          highlight=False)
    console.print(f"Cancelled {n} queued message(s).", highlight=False)


@app.command("history")
@handle_errors
def history_(
    loan: str = typer.Option(None, "--loan", help="Only this loan's messages."),
    status: Status = typer.Option(None, "--status", help="Only messages in this state."),
    limit: int = typer.Option(100, "--limit", min=1, max=1000, help="At most this many."),
    fmt: TableJson = FORMAT_OPTION,
) -> None:
    """The messages queued and sent, newest first."""
    from zoneinfo import ZoneInfo

    from astrofinance.config import get_settings
    from astrofinance.db import session_scope
    from astrofinance.sms.service import history

    with session_scope(database()) as conn:
        rows = history(conn, loan_id=loan, status=status.value if status else None,
                       limit=limit)
    if fmt is TableJson.json:
        print_json([m.as_dict() for m in rows])
        return
    tz = ZoneInfo(get_settings().timezone)
    table = Table(title=f"SMS history ({len(rows)})")
    for col in ("id", "queued", "loan", "phone", "template", "status", "tries", "sent"):
        table.add_column(col, no_wrap=col in ("loan", "phone", "status"))
    table.add_column("error", overflow="fold")
    for m in rows:
        table.add_row(str(m.id), f"{m.created_at.astimezone(tz):%Y-%m-%d %H:%M}", m.loan_id,
                      m.phone, m.template_code, m.status, str(m.attempts),
                      f"{m.sent_at.astimezone(tz):%Y-%m-%d %H:%M}" if m.sent_at else "",
                      m.last_error or "")
    console.print(table)
