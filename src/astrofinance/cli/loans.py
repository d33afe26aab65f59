"""`astrofinance loans ...`."""

import typer

app = typer.Typer(help="loans commands.", no_args_is_help=True)
