"""Create and drop databases on a server given by a libpq URL (for the reference source)."""

from __future__ import annotations

import re
from typing import LiteralString
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from astrofinance.errors import ValidationFailed

_DB_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def database_url(server_url: str, name: str) -> str:
    """The URL of database `name` on the server of `server_url` (a libpq URL)."""
    parts = urlsplit(server_url)
    if parts.scheme not in ("postgresql", "postgres"):
        raise ValidationFailed("expected a postgresql:// URL")
    return urlunsplit(parts._replace(path="/" + name))


def create_database(server_url: str, name: str, *, template: str | None = None) -> str:
    """CREATE DATABASE `name` (a copy of `template`, if given) on the server of `server_url`;
    returns the new database's URL."""
    if template is None:
        _server_command(server_url, "CREATE DATABASE {}", name)
    else:
        _server_command(server_url, "CREATE DATABASE {} TEMPLATE {}", name, template)
    return database_url(server_url, name)


def drop_database(server_url: str, name: str) -> None:
    """DROP DATABASE IF EXISTS `name` (closing its connections) on the server of `server_url`."""
    _server_command(server_url, "DROP DATABASE IF EXISTS {} WITH (FORCE)", name)


def _server_command(server_url: str, statement: LiteralString, *names: str) -> None:
    for name in names:
        if not _DB_NAME.fullmatch(name):
            raise ValidationFailed(f"{name!r} is not a database name (a-z, 0-9 and _, max 63)")
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL(statement).format(*map(sql.Identifier, names)))
