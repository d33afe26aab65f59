"""Operations → Jobs in a real browser: the schedule with each job's next run and last
outcome, the runner holding the lock, the recent runs with attempts and errors (written by a
real Scheduler run over the site's database), the filter by job; a loan officer is refused."""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import expect

from astrofinance.ops.scheduled_jobs import Skipped
from astrofinance.ops.scheduler import RetryPolicy, RunnerLock, Scheduler


def _runs(site) -> None:
    """Three jobs' runs: the backup fails (retrying), then fails again; sync skipped; the
    snapshot succeeds."""
    def backup(ctx):
        raise OSError("No space left on device: /var/backups")

    def sync(ctx):
        raise Skipped("no sync source is configured (SOURCE_DATABASE_URL)")

    s = Scheduler(site.db, {"backup": backup, "sync-repayments": sync,
                            "snapshot": lambda ctx: {"rows": 12}},
                  {"backup": "0 1 * * *", "sync-repayments": "0 */6 * * *",
                   "snapshot": "45 23 * * *"}, "Africa/Lagos",
                  RetryPolicy(max_attempts=3, base_seconds=60))
    now = dt.datetime.now(dt.UTC)
    s.run_pending(now)
    s.run_pending(now + dt.timedelta(minutes=2))


def test_the_jobs_tab_shows_the_schedule_and_the_runs(site, page, shot, monkeypatch):
    monkeypatch.setenv("ASTROFINANCE_SCHEDULE_MAINTENANCE", "off")
    _runs(site)
    lock = RunnerLock(site.db, "ops-host:4321")
    assert lock.try_acquire()
    try:
        site.login(page, "manager")
        page.goto(site.url("/operations"))
        page.get_by_role("navigation", name="Operations").get_by_role("link",
                                                                      name="Jobs").click()
        expect(page).to_have_url(site.url("/operations/jobs"))
        expect(page.locator("#runner")).to_contain_text("astrofinance-scheduler ops-host:4321")
        jobs = page.locator("#jobs tbody tr")
        expect(jobs).to_have_count(6)
        backup = page.locator('#jobs tr[data-job="backup"]')
        expect(backup).to_contain_text("0 1 * * *")
        expect(backup).to_contain_text("retrying")
        expect(backup).to_contain_text("attempt 2")
        expect(page.locator('#jobs tr[data-job="maintenance"]')).to_contain_text("off")
        expect(page.locator('#jobs tr[data-job="sync-full"]')).to_contain_text("never run")
        expect(page.locator('#jobs tr[data-job="snapshot"]')).to_contain_text("succeeded")
        runs = page.locator("#job-runs tbody tr")
        expect(runs).to_have_count(4)
        expect(runs.first).to_contain_text("No space left on device")
        expect(page.locator("#job-runs")).to_contain_text("no sync source is configured")
        snapshot = page.locator("#job-runs tr", has_text="snapshot")
        snapshot.get_by_text("result").click()
        expect(snapshot.locator("pre")).to_contain_text('"rows": 12')
        shot(page, "ops-jobs")
        page.get_by_label("Job").select_option("backup")
        page.get_by_role("button", name="Filter").click()
        expect(page.get_by_role("heading", name="Recent runs of backup")).to_be_visible()
        expect(runs).to_have_count(2)
        expect(runs.nth(0)).to_contain_text("2")
        expect(runs.nth(1)).to_contain_text("retrying")
    finally:
        lock.release()
    page.reload()
    expect(page.locator("#runner")).to_contain_text("No scheduler is running")


def test_a_loan_officer_cannot_see_the_jobs(site, page):
    site.login(page, "loan_officer")
    answer = page.goto(site.url("/operations/jobs"))
    assert answer is not None and answer.status == 403
