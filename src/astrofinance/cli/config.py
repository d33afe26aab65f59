"""`astrofinance config show`: the effective settings and where each came from."""

from __future__ import annotations

import typer
from rich.table import Table

from astrofinance.cli.common import FORMAT_OPTION, TableJson, console, handle_errors, print_json

app = typer.Typer(help="The configuration: settings from the environment, .env and the "
                       "configuration file (database.config.json).",
                  no_args_is_help=True)


@app.command("show")
@handle_errors
def show(fmt: TableJson = FORMAT_OPTION) -> None:
    """Print every setting's effective value and its source (env, .env, file or default);
    passwords, tokens, keys and URLs' passwords are masked. Reads no database."""
    from astrofinance import config_file
    from astrofinance.config import get_settings

    settings = get_settings()
    found = config_file.current()
    rows = config_file.effective(settings)
    path = str(found.path.resolve()) if found else None
    if fmt == TableJson.json:
        print_json({"profile": settings.profile, "config_file": path,
                    "ignored_keys": found.ignored if found else [],
                    "settings": [{"setting": r.setting, "value": r.value, "source": r.source}
                                 for r in rows]})
        return
    where = f"{path} ({settings.profile})" if path else "none (set ASTROFINANCE_CONFIG_FILE " \
        "or add ./database.config.json)"
    table = Table(title=f"Settings (profile {settings.profile}; configuration file: {where})")
    for col in ("setting", "value", "source"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(r.setting, r.value, r.source)
    console.print(table)
    if found and found.ignored:
        console.print("keys in the file this version does not read: " + ", ".join(found.ignored),
                      highlight=False)


@handle_errors
def startup() -> None:
    """Before any command: read the settings (a broken configuration file or variable is one
    clear error, exit code 1) and set up logging as they say (JSON lines, query logging)."""
    from astrofinance.ops.monitoring import configure_cli

    configure_cli()
