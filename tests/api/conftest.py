"""Fixtures of the API tests: `api` is a live server over the test's fresh database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from astrofinance.db import Database
from tests.api.live import Api, serve


@pytest.fixture
def api(db: Database) -> Iterator[Api]:
    with serve(db) as url:
        live = Api(url, db)
        yield live
        live.close()
