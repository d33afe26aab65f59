"""`astrofinance hierarchy ...`: officers' supervisors, vertical leads, regions and branches."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="The officer hierarchy (supervisor, vertical lead, region, branch), loaded from a TSV "
         "and kept on loans.",
    no_args_is_help=True)
