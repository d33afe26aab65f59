"""The routers, in the order the OpenAPI document lists them."""

from astrofinance.api.routers import (
    accounting,
    admin,
    audit,
    customers,
    health,
    lending,
    loans,
    metrics,
    officers,
    risk,
    session,
    sync,
)

ROUTERS = [health.router, session.router, loans.router, metrics.router, officers.router,
           risk.router, customers.router, lending.router, accounting.router, sync.router,
           audit.router, admin.router]

PUBLIC_PATHS = frozenset({"/api/v1/health", "/api/v1/auth/login"})
"""The only routes without authentication (tests/api/test_route_guards.py holds the rest)."""
