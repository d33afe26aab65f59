"""`uvicorn astrofinance.api.server:app`: the app over the configured database (the worker
processes of `astrofinance serve --workers N` import it)."""

from astrofinance.api.app import create_app

app = create_app()
