"""Entry point: `astrofinance [--database-url URL] COMMAND ...`."""

from __future__ import annotations

import os

import typer

from astrofinance.cli import accounting as accounting_cli
from astrofinance.cli import audit as audit_cli
from astrofinance.cli import backup as backup_cli
from astrofinance.cli import config as config_cli
from astrofinance.cli import customers as customers_cli
from astrofinance.cli import db as db_cli
from astrofinance.cli import demo as demo_cli
from astrofinance.cli import hierarchy as hierarchy_cli
from astrofinance.cli import holidays as holidays_cli
from astrofinance.cli import importer as importer_cli
from astrofinance.cli import loan_book as loan_book_cli
from astrofinance.cli import loans as loans_cli
from astrofinance.cli import maintenance as maintenance_cli
from astrofinance.cli import metrics as metrics_cli
from astrofinance.cli import products as products_cli
from astrofinance.cli import recalc as recalc_cli
from astrofinance.cli import risk as risk_cli
from astrofinance.cli import scheduler as scheduler_cli
from astrofinance.cli import serve as serve_cli
from astrofinance.cli import sms as sms_cli
from astrofinance.cli import sync as sync_cli
from astrofinance.cli import users as users_cli
from astrofinance.cli import verify as verify_cli
from astrofinance.cli import waves as waves_cli

app = typer.Typer(
    name="astrofinance",
    help="AstroFinance: loan book and portfolio-risk metrics for microfinance lenders.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def main(
    database_url: str = typer.Option(
        None,
        "--database-url",
        help="PostgreSQL URL (overrides DATABASE_URL). Default: the embedded database.",
        show_default=False,
    ),
) -> None:
    """AstroFinance: loan book and portfolio-risk metrics for microfinance lenders."""
    if database_url:
        os.environ["DATABASE_URL"] = database_url
        from astrofinance.config import reset_settings

        reset_settings()
    from astrofinance.auth.context import record_cli_actor

    config_cli.startup()  # a bad configuration is one clear error; JSON logs, query logging
    record_cli_actor()   # the audit log records who ran the command (docs/users-and-audit.md)


app.add_typer(db_cli.app, name="db")
app.add_typer(holidays_cli.app, name="holidays")
app.add_typer(waves_cli.app, name="waves")
app.add_typer(hierarchy_cli.app, name="hierarchy")
app.add_typer(sync_cli.app, name="sync")
app.add_typer(loans_cli.app, name="loans")
loan_book_cli.register(loans_cli.app)
app.add_typer(products_cli.app, name="products")
app.add_typer(customers_cli.app, name="customers")
app.add_typer(metrics_cli.app, name="metrics")
recalc_cli.register(metrics_cli.app)
importer_cli.register(app)
demo_cli.register(app)
verify_cli.register(app)
sync_cli.register_refresh(app)
app.add_typer(users_cli.app, name="users")
app.add_typer(users_cli.roles_app, name="roles")
app.add_typer(audit_cli.app, name="audit")
app.add_typer(accounting_cli.app, name="accounting")
risk_cli.register(loans_cli.app)
serve_cli.register(app)
app.add_typer(config_cli.app, name="config")
app.add_typer(sms_cli.app, name="sms")
backup_cli.register(app)
maintenance_cli.register(app)
app.add_typer(scheduler_cli.app, name="scheduler")


def run() -> None:
    app()
