"""The HTTP API (FastAPI): thin routers over the services; `create_app()` builds it."""

from astrofinance.api.app import create_app

__all__ = ["create_app"]
