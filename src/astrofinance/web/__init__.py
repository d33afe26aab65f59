"""The web dashboard: server-rendered pages (Jinja2 + htmx, Chart.js vendored) over the same
services, sign-in, permissions and per-officer scoping as the HTTP API."""

from astrofinance.web.app import install

__all__ = ["install"]
