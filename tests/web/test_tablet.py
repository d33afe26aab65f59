"""The dashboard on a tablet (768 x 1024): the menu folds behind a button, the pages fit the
width (wide tables scroll inside their box), and everything is reachable by keyboard."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

PAGES = ["/", "/loans", "/officers", "/fimr", "/collections", "/branches"]


@pytest.fixture
def tablet(browser):
    context = browser.new_context(viewport={"width": 768, "height": 1024}, locale="en-GB",
                                  has_touch=True)
    context.set_default_timeout(20_000)
    yield context.new_page()
    context.close()


def test_pages_fit_a_tablet_and_the_menu_opens(site, tablet, shot):
    site.login(tablet, "manager")
    nav = tablet.locator("nav#nav")
    expect(nav).to_be_hidden()
    tablet.get_by_role("button", name="Menu").click()
    expect(nav).to_be_visible()
    expect(tablet.get_by_role("button", name="Menu")).to_have_attribute("aria-expanded", "true")
    for path in PAGES:
        tablet.goto(site.url(path))
        overflow = tablet.evaluate("document.documentElement.scrollWidth - "
                                   "document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} is {overflow}px wider than the tablet"
    tablet.goto(site.url("/"))
    shot(tablet, "tablet-overview", full_page=False)


def test_the_loans_table_works_by_keyboard(site, page):
    site.login(page, "analyst")
    page.goto(site.url("/loans"))
    first = page.locator("#loans-table tbody tr").first
    loan_id = first.locator("td[data-col=loan_id]").inner_text()
    first.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(site.url(f"/loans/{loan_id}"))
    page.goto(site.url("/loans"))
    page.keyboard.press("Tab")                        # the skip link comes first
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
