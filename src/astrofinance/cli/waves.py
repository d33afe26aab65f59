"""`astrofinance waves ...`."""

import typer

app = typer.Typer(help="waves commands.", no_args_is_help=True)
