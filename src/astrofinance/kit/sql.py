"""Load SQL kept in `.sql` files next to the code that uses it (one query per file)."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def load_sql(package: str, name: str) -> str:
    """The text of `<package>/sql/<name>.sql` (or `<package>/<name>.sql` when name has a slash)."""
    path = name if name.endswith(".sql") else f"sql/{name}.sql"
    return resources.files(package).joinpath(path).read_text(encoding="utf-8")
