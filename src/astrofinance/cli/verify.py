"""`astrofinance verify`: the data-quality summary and checks (exit non-zero on failure)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the `verify` command to the main app."""
