"""`db migrate --reset`: every revision's downgrade runs, then the schema is built again."""

from __future__ import annotations

from sqlalchemy import text
from typer.testing import CliRunner

from astrofinance.cli.main import app
from astrofinance.db.migrate import current_revision, head_revision


def test_reset_drops_everything_and_migrates_again(db):
    runner = CliRunner()
    r = runner.invoke(app, ["products", "add", "AJO", "--interest-method", "flat", "--rate",
                            "30", "--frequency", "daily"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["db", "migrate", "--reset", "--yes"])
    assert r.exit_code == 0, r.output
    assert f"schema at {head_revision()}" in r.output
    assert current_revision(db) == head_revision()
    with db.begin() as c:
        assert c.execute(text("SELECT count(*) FROM products")).scalar() == 0
        assert c.execute(text("SELECT count(*) FROM chart_of_accounts")).scalar() > 10
