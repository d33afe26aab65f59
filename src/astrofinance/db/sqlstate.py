"""The database's rule errors as typed errors.

The loan book's SQL functions raise with SQLSTATE AF404 (not found), AF409 (conflict with the
current state) or AF422 (invalid input) and a message written for the user; `rule_errors()`
turns them into NotFound, Conflict and ValidationFailed, so the CLI and the API render them
once, whatever called the function.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy.exc import DBAPIError

from astrofinance.errors import AstroFinanceError, Conflict, NotFound, ValidationFailed

_BY_STATE: dict[str, type[AstroFinanceError]] = {
    "AF404": NotFound,
    "AF409": Conflict,
    "AF422": ValidationFailed,
}


def typed_error(exc: BaseException) -> AstroFinanceError | None:
    """The typed error for a database error raised by a rule, else None."""
    orig = getattr(exc, "orig", exc)
    state = getattr(orig, "sqlstate", None)
    cls = _BY_STATE.get(state or "")
    if cls is None:
        return None
    diag = getattr(orig, "diag", None)
    message = getattr(diag, "message_primary", None) or str(orig)
    return cls(message)


@contextlib.contextmanager
def rule_errors() -> Iterator[None]:
    """Re-raise the rules' database errors as typed errors (others pass through)."""
    try:
        yield
    except DBAPIError as e:
        typed = typed_error(e)
        if typed is None:
            raise
        raise typed from None
