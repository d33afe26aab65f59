"""Typed errors, rendered once by the CLI (and later the API): a message, no traceback."""


class AstroFinanceError(Exception):
    """Base class of the errors a user is shown."""

    exit_code = 1


class NotFound(AstroFinanceError):
    """The thing asked for does not exist."""


class Conflict(AstroFinanceError):
    """The request contradicts the current state."""


class ValidationFailed(AstroFinanceError):
    """Input was rejected; `problems` lists each reason."""

    def __init__(self, message: str, problems: list | None = None):
        super().__init__(message)
        self.problems = problems or []


class ConfigurationError(AstroFinanceError):
    """The configuration is unusable."""
