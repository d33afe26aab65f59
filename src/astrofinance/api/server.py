"""`uvicorn astrofinance.api.server:app`: the app over the configured database (the worker
processes of `astrofinance serve --workers N` import it)."""

import os

from astrofinance.api.app import LOG_LEVEL_ENV, configure_logging, create_app

if LOG_LEVEL_ENV in os.environ:      # a worker of `astrofinance serve --workers N`
    configure_logging(os.environ[LOG_LEVEL_ENV])
app = create_app()
