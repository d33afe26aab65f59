"""The README shows a screenshot of every page, and each picture it shows is in the repo."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGES = ["login", "overview", "loans", "loan", "officers", "officer", "fimr",
         "early-indicators", "branches", "vertical-leads", "collections", "operations",
         "ops-data-quality", "ops-users", "ops-tokens", "ops-holidays", "ops-waves", "ops-audit",
         "ops-sms", "ops-jobs", "tablet-overview"]


def test_the_readme_shows_every_page_and_its_pictures_exist():
    readme = (ROOT / "README.md").read_text()
    shown = re.findall(r"\]\((docs/screenshots/[^)]+\.png)\)", readme)
    assert shown, "the README shows no screenshot"
    missing = [p for p in shown if not (ROOT / p).is_file()]
    assert missing == []
    names = {Path(p).stem for p in shown}
    assert set(PAGES) - names == set()
    taken = set(re.findall(r"""shot\(\w+, ["']([\w-]+)["']""",
                           "".join(p.read_text() for p in (ROOT / "tests/web").glob("*.py"))))
    assert set(PAGES) - taken == set(), "a page the README shows is not screenshotted by a test"
