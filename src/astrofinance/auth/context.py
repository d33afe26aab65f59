"""Who is acting, per transaction, for the audit log (docs/users-and-audit.md).

The audit triggers record `current_setting('astrofinance.user')`, which `act_as()` sets for
the current transaction only (`set_config(..., true)`): it ends with the commit or rollback,
so a pooled connection never carries one person's name into another's transaction. Unset, the
log records `db:<database role>`.

`bulk_audit()` switches the current transaction to summaries: each statement on an audited
table then writes one BULK row (rows, description) instead of one row per changed row. The
import, the sync batches and the demo seed use it.

Both take a SQLAlchemy Connection or a psycopg connection. The CLI also makes its user the
default of every connection it opens (record_cli_actor), so commands that never call act_as()
are logged under the person too.
"""

from __future__ import annotations

import getpass
from typing import Any

from astrofinance.errors import ValidationFailed

USER_SETTING = "astrofinance.user"
MODE_SETTING = "astrofinance.audit"
DESCRIPTION_SETTING = "astrofinance.audit_description"
MAX_NAME = 200


def current_actor() -> str:
    """The CLI's acting user: ASTROFINANCE_USER when set, else the OS login name."""
    from astrofinance.config import get_settings

    configured = (get_settings().acting_user or "").strip()
    if configured:
        return configured
    try:
        return getpass.getuser()
    except Exception:       # no login name (a container without a passwd entry)
        return "unknown"


def act_as(conn: Any, username: str) -> None:
    """Record `username` as the acting user of the current transaction."""
    name = username.strip()
    if not name or len(name) > MAX_NAME:
        raise ValidationFailed(f"the acting user must be 1 to {MAX_NAME} characters")
    _set_local(conn, USER_SETTING, name)


def bulk_audit(conn: Any, description: str, actor: str | None = None) -> None:
    """Summarise this transaction's writes to audited tables: one BULK row per statement.

    The acting user is set too when none is yet (`actor`, default current_actor()).
    """
    _execute(conn, "SELECT set_config(%s, 'bulk', true), set_config(%s, %s, true), "
                   "set_config(%s, coalesce(nullif(current_setting(%s, true), ''), %s), true)",
             (MODE_SETTING, DESCRIPTION_SETTING, description[:500],
              USER_SETTING, USER_SETTING, actor or current_actor()))


def end_bulk_audit(conn: Any) -> None:
    """Back to row-by-row auditing for the rest of the transaction."""
    _set_local(conn, MODE_SETTING, "")
    _set_local(conn, DESCRIPTION_SETTING, "")


def _set_local(conn: Any, name: str, value: str) -> None:
    _execute(conn, "SELECT set_config(%s, %s, true)", (name, value))


def _execute(conn: Any, query: str, params: tuple[str, ...]) -> None:
    """Run on the psycopg connection under a SQLAlchemy Connection, or on `conn` itself."""
    driver = getattr(getattr(conn, "connection", None), "driver_connection", None)
    (driver or conn).execute(query, params)


_cli_actor: str | None = None


def record_cli_actor(actor: str | None = None) -> None:
    """Make the connections this process opens act as `actor` (default current_actor()) by
    default: the CLI calls this once, so `holidays add` or `waves add-rule` are logged under the
    person running them. Set once per connection when it is opened (session level, committed
    at once), so a transaction's act_as() still wins and nothing runs inside the caller's
    transactions. A server must not call this: it calls act_as() per request.
    """
    global _cli_actor
    from sqlalchemy import Engine, event

    _cli_actor = actor or current_actor()
    if not event.contains(Engine, "connect", _on_connect):
        event.listen(Engine, "connect", _on_connect)


def _on_connect(dbapi_connection: Any, connection_record: Any) -> None:
    if _cli_actor:
        dbapi_connection.execute("SELECT set_config(%s, %s, false)", (USER_SETTING, _cli_actor))
        dbapi_connection.commit()


def clear_cli_actor() -> None:
    """Stop giving new connections the CLI's user (`astrofinance serve`: each request acts as
    its own caller through act_as())."""
    global _cli_actor
    _cli_actor = None
