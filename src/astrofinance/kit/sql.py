"""Load SQL kept in `.sql` files next to the code that uses it (one query per file); the
shared pieces of the whitelisted list queries (LIKE patterns, sort checks)."""

from __future__ import annotations

from functools import cache
from importlib import resources

from astrofinance.errors import ValidationFailed


@cache
def load_sql(package: str, name: str) -> str:
    """The text of `<package>/sql/<name>.sql` (or `<package>/<name>.sql` when name has a slash)."""
    path = name if name.endswith(".sql") else f"sql/{name}.sql"
    return resources.files(package).joinpath(path).read_text(encoding="utf-8")


def contains_pattern(text: str) -> str:
    """A LIKE/ILIKE pattern (with ESCAPE '\\') matching values that contain `text` literally:
    its %, _ and \\ are not wildcards."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def check_sort(sort: str, order: str, allowed: tuple[str, ...] | list[str]) -> None:
    """ValidationFailed unless `sort` is one of the whitelisted names and `order` asc or desc."""
    if sort not in allowed:
        raise ValidationFailed(f"cannot sort by {sort!r}: use one of {', '.join(allowed)}")
    if order not in ("asc", "desc"):
        raise ValidationFailed("order must be asc or desc")
