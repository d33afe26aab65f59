"""The dashboard's pages, one module per area."""

from astrofinance.web.pages import (
    collections,
    jobs,
    loans,
    officers,
    operations,
    overview,
    risk,
    rollups,
    session,
    sms,
)

ROUTERS = [session.router, overview.router, loans.router, officers.router, risk.router,
           rollups.router, collections.router, operations.router,
           sms.router, jobs.router]
