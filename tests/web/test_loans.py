"""All Loans and the loan page in a real browser: filters, sorting, CSV of the whole filtered
set, Refresh Fields, a payment that changes the loan's DPD, a reversal."""

from __future__ import annotations

import csv
import io
import re

from playwright.sync_api import expect

from astrofinance.web.render import naira


def _shown_ids(page) -> list[str]:
    return page.locator("#loans-table tbody tr td[data-col=loan_id]").all_inner_texts()


def test_filter_and_sort_the_loans_table(site, page, shot):
    site.login(page, "analyst")
    branch = site.scalar("SELECT branch FROM loans GROUP BY branch ORDER BY count(*) DESC, "
                         "branch LIMIT 1")
    page.goto(site.url("/loans"))
    expect(page.locator("#kpi-loans .value")).to_have_text(
        f"{site.scalar('SELECT count(*) FROM loans'):,}")
    filters = page.get_by_role("form", name="Loan filters")
    filters.get_by_label("Branch").select_option(branch)
    filters.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"branch=" + re.escape(branch.replace(" ", "+"))))
    page.get_by_role("link", name="DPD", exact=True).click()      # ascending
    page.get_by_role("link", name=re.compile(r"^DPD ▲$")).click()  # then descending
    expect(page.locator("th[aria-sort=descending]")).to_have_text(re.compile("DPD"))
    expected = site.column("SELECT loan_id FROM loans WHERE branch = :b "
                           "ORDER BY current_dpd DESC NULLS LAST, loan_id DESC LIMIT 50",
                           b=branch)
    assert _shown_ids(page) == expected
    total = site.scalar("SELECT count(*) FROM loans WHERE branch = :b", b=branch)
    expect(page.locator("#kpi-loans .value")).to_have_text(f"{total:,}")
    glp = site.scalar("SELECT sum(principal_outstanding) FROM loans WHERE branch = :b "
                      "AND status IN ('Active', 'Defaulted')", b=branch)
    expect(page.locator("#kpi-glp .value")).to_have_text(naira(glp, 0))
    shot(page, "loans")


def test_search_finds_a_loan_and_a_row_opens_it(site, page, shot):
    site.login(page, "analyst")
    loan_id, name = site.column("SELECT l.loan_id || '|' || c.name FROM loans l JOIN customers "
                                "c USING (customer_id) WHERE l.current_dpd > 0 "
                                "AND l.status = 'Active' ORDER BY l.loan_id LIMIT 1")[0].split("|")
    page.goto(site.url("/loans"))
    page.get_by_label("Search").fill(loan_id)
    page.get_by_role("button", name="Apply").click()
    assert loan_id in _shown_ids(page)        # with the customer's other loans, if any
    row = page.locator("#loans-table tbody tr").filter(has_text=loan_id)
    row.locator("td[data-col=customer_name]").click()
    expect(page).to_have_url(site.url(f"/loans/{loan_id}"))
    expect(page.get_by_role("heading", name=re.compile(f"Loan {loan_id}"))).to_be_visible()
    expect(page.get_by_text(name, exact=False).first).to_be_visible()
    dpd = site.scalar("SELECT current_dpd FROM loans WHERE loan_id = :l", l=loan_id)
    explain = page.locator("tr[data-field=current_dpd] .explain")
    expect(explain).to_contain_text(f"DPD {dpd}: installment")
    shot(page, "loan")


def test_csv_export_holds_exactly_the_filtered_loans(site, page):
    site.login(page, "analyst")
    page.goto(site.url("/loans?dpd_min=1&wave=Wave+2"))
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Export CSV")).click()
    rows = list(csv.DictReader(io.StringIO(open(download.value.path()).read())))
    expected = set(site.column("SELECT loan_id FROM loans WHERE current_dpd >= 1 "
                               "AND wave = 'Wave 2'"))
    assert expected and {r["loan_id"] for r in rows} == expected
    assert len(rows) == len(expected)


def test_refresh_fields_recalculates_and_says_how_many_and_how_long(site, page):
    site.login(page, "manager")
    stale = site.scalar("UPDATE loans SET timeliness_score = 12.34 WHERE loan_id = "
                        "(SELECT min(loan_id) FROM loans WHERE status = 'Active' AND "
                        "timeliness_score <> 12.34) RETURNING loan_id")
    runs = site.scalar("SELECT count(*) FROM recalculation_runs")
    page.goto(site.url("/loans"))
    page.get_by_role("button", name="Refresh Fields").click()
    done = page.locator("#refresh-done")
    total = site.scalar("SELECT count(*) FROM loans")
    expect(done).to_contain_text(re.compile(rf"Recalculated {total:,} loans \(\d+ changed\) "
                                            r"in [\d,]+ ms"))
    assert site.scalar("SELECT count(*) FROM recalculation_runs") == runs + 1
    assert site.scalar("SELECT timeliness_score FROM loans WHERE loan_id = :l",
                       l=stale) != 12.34


def test_an_analyst_has_no_refresh_button_and_cannot_post_it(site, page):
    site.login(page, "analyst")
    page.goto(site.url("/loans"))
    expect(page.get_by_role("button", name="Refresh Fields")).to_have_count(0)
    assert site.post_from(page, "/loans/refresh-fields") == 403


def test_a_payment_brings_the_dpd_down_and_a_reversal_puts_it_back(site, page, shot):
    loan_id = site.scalar(
        "SELECT l.loan_id FROM loans l JOIN loan_accounts a USING (loan_id) "
        "WHERE l.status = 'Active' AND l.current_dpd > 0 ORDER BY l.current_dpd DESC LIMIT 1")
    assert loan_id, "the test book has a booked loan in arrears"
    before = site.scalar("SELECT current_dpd FROM loans WHERE loan_id = :l", l=loan_id)
    owed = site.scalar("SELECT total_outstanding FROM loans WHERE loan_id = :l", l=loan_id)
    email = site.scalar("SELECT o.email FROM officers o JOIN loans l USING (officer_id) "
                        "WHERE l.loan_id = :l", l=loan_id)
    site.login(page, "loan_officer", username="lo-pay", email=email)   # the loan's officer
    page.goto(site.url(f"/loans/{loan_id}"))
    field = page.locator("tr[data-field=current_dpd] td.num")
    expect(field).to_have_text(str(before))
    page.get_by_label("Amount (₦)").fill(str(owed))
    page.get_by_role("button", name="Record payment").click()
    expect(page.get_by_role("status").filter(has_text="Recorded a payment")).to_be_visible()
    expect(field).to_have_text("0")
    assert site.scalar("SELECT current_dpd FROM loans WHERE loan_id = :l", l=loan_id) == 0
    shot(page, "loan-after-payment")
    page.reload()            # the same form again would be a new payment: a fresh key
    page.get_by_label("Amount (₦)").fill("abc")
    page.get_by_role("button", name="Record payment").click()
    assert site.scalar("SELECT count(*) FROM repayments WHERE loan_id = :l "
                       "AND channel = 'web'", l=loan_id) == 1


def test_a_manager_reverses_the_payment_and_the_dpd_returns(site, page):
    loan_id = site.scalar(
        "SELECT l.loan_id FROM loans l JOIN loan_accounts a USING (loan_id) "
        "WHERE l.status = 'Active' AND l.current_dpd > 0 ORDER BY l.current_dpd DESC LIMIT 1")
    before = site.scalar("SELECT current_dpd FROM loans WHERE loan_id = :l", l=loan_id)
    owed = site.scalar("SELECT total_outstanding FROM loans WHERE loan_id = :l", l=loan_id)
    site.login(page, "manager")
    page.goto(site.url(f"/loans/{loan_id}"))
    page.get_by_label("Amount (₦)").fill(str(owed))
    page.get_by_role("button", name="Record payment").click()
    expect(page.locator("tr[data-field=current_dpd] td.num")).to_have_text("0")
    payment = site.scalar("SELECT repayment_id FROM repayments WHERE loan_id = :l "
                          "AND channel = 'web'", l=loan_id)
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name=f"Reverse payment {payment}").click()
    expect(page.get_by_role("status").filter(has_text=f"Reversed payment {payment}")
           ).to_be_visible()
    expect(page.locator("tr[data-field=current_dpd] td.num")).to_have_text(str(before))
    assert site.scalar("SELECT is_reversed FROM repayments WHERE repayment_id = :p",
                       p=payment) is True


def test_a_refused_payment_says_why_and_records_nothing(site, page):
    loan_id = site.scalar("SELECT l.loan_id FROM loans l WHERE NOT EXISTS (SELECT 1 FROM "
                          "loan_accounts a WHERE a.loan_id = l.loan_id) "
                          "AND l.status = 'Active' ORDER BY loan_id LIMIT 1")
    site.login(page, "manager")
    page.goto(site.url(f"/loans/{loan_id}"))
    expect(page.get_by_text("not booked in AstroFinance's loan book")).to_be_visible()
    expect(page.get_by_role("button", name="Record payment")).to_have_count(0)
    booked = site.scalar("SELECT loan_id FROM loan_accounts a JOIN loans l USING (loan_id) "
                         "WHERE l.status = 'Closed' LIMIT 1")
    if booked:
        page.goto(site.url(f"/loans/{booked}"))
        count = site.scalar("SELECT count(*) FROM repayments WHERE loan_id = :l", l=booked)
        page.get_by_label("Amount (₦)").fill("100")
        page.get_by_role("button", name="Record payment").click()
        expect(page.get_by_role("alert").filter(has_text="Not done:")).to_be_visible()
        assert site.scalar("SELECT count(*) FROM repayments WHERE loan_id = :l",
                           l=booked) == count
