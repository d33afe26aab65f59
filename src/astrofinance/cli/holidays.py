"""`astrofinance holidays ...`."""

import typer

app = typer.Typer(help="holidays commands.", no_args_is_help=True)
