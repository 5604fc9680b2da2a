"""The log-meeting form's account picker offline, on a 360 px phone: it searches what the
briefcase saved (the territory list) and takes the account from the account page's link."""
from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from webapp.models import Meeting

pytestmark = pytest.mark.briefcase  # each test reads the territory the briefcase saved


def _territory(live_server):
    with live_server.ctx():
        make = live_server.make
        rep = make.user("rep", name="Dana Field", email="dana@example.com")
        for n in range(30):
            make.account(rep, name=f"Account {n:02d}", city="Peoria")
        zephyr = make.account(rep, name="Zephyr Mills", city="Duluth")
        make.contact(zephyr, name="Ida Lund")
        make.account(make.user("rep"), name="Zebra Not Mine", city="Duluth")
        return rep.email, zephyr.id


def _offline_phone(live_server, phone, email):
    # Replays come from the page (as in Safari and Firefox): see test_offline_writes.py.
    phone.add_init_script(
        "if (self.SyncManager) SyncManager.prototype.register = function () {"
        " return Promise.reject(new DOMException('off in this test', 'NotAllowedError')); };")
    page = phone.new_page()
    live_server.sign_in(page, email)
    page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller",
                           timeout=60_000)
    return page


def _wait_synced(page):
    deadline = time.monotonic() + 30
    while page.evaluate("() => window.GroundworkOutbox.count()"):
        assert time.monotonic() < deadline
        page.wait_for_timeout(200)


def test_offline_the_picker_searches_the_saved_territory(live_server, phone):
    email, zephyr_id = _territory(live_server)
    page = _offline_phone(live_server, phone, email)
    for path in ("/accounts/", "/meetings/new"):  # what the briefcase keeps
        page.goto(live_server.url + path)
    # Online, the server answers the search: another rep's account is never offered.
    page.get_by_label("Account", exact=True).fill("ze")
    expect(page.locator("#account-choices legend")).to_contain_text("Matching “ze”")
    expect(page.locator("#account-choices input")).to_have_count(1)
    # The account's page, where the saved meeting leads, is in the briefcase before the signal
    # goes (followed on More: on a busy machine the briefcase takes a while).
    page.goto(live_server.url + "/more")
    expect(page.locator("[data-briefcase-result]")).to_have_text(
        re.compile(r"31 accounts available offline"), timeout=90_000)

    phone.set_offline(True)
    page.goto(live_server.url + "/meetings/new")
    page.get_by_label("Notes", exact=True).fill("Met at the trade fair.")
    page.get_by_label("Account", exact=True).fill("zeph dul")
    choice = page.get_by_role("radio", name="Zephyr Mills · Duluth")
    expect(choice).to_be_visible()
    expect(page.locator("#account-choices legend")).to_contain_text("Saved on this phone")
    choice.check()
    page.get_by_role("button", name="Save meeting").click()
    page.wait_for_url(f"**/accounts/{zephyr_id}")

    phone.set_offline(False)
    _wait_synced(page)
    with live_server.ctx() as session:
        assert session.scalars(select(Meeting.account_id)).all() == [zephyr_id]


def test_offline_log_meeting_from_an_account_page_keeps_that_account(live_server, phone):
    email, zephyr_id = _territory(live_server)
    page = _offline_phone(live_server, phone, email)
    # The briefcase fills in the background after signing in; let it finish first (a network
    # cut in the middle of a fill is the subject of test_offline_reading.py, not of this test).
    page.goto(live_server.url + "/more")
    expect(page.locator("[data-briefcase-result]")).to_have_text(
        re.compile(r"31 accounts available offline"), timeout=90_000)
    for path in ("/accounts/", f"/accounts/{zephyr_id}", "/meetings/new"):
        page.goto(live_server.url + path)
    # The worker keeps each page, and the territory index the list fetched, as they arrive:
    # wait until all are kept (on a busy machine the list's index may still be on its way).
    for path in ("/accounts/index.json", f"/accounts/{zephyr_id}", "/meetings/new"):
        page.wait_for_function("async path => !!(await caches.match(path, {ignoreVary: true}))",
                               arg=path, timeout=30_000)

    phone.set_offline(True)
    page.goto(f"{live_server.url}/accounts/{zephyr_id}")
    page.get_by_role("link", name="Log meeting").first.click()
    # The briefcase kept this account's own copy of the form: the account is fixed, with its
    # people to tick (beyond its cap of accounts, the generic copy takes the account from the
    # address instead).
    expect(page.locator("p.picked")).to_contain_text("Zephyr Mills · Duluth")
    expect(page.locator('input[name="account_id"]')).to_have_value(str(zephyr_id))
    page.get_by_label("Notes", exact=True).fill("Dropped by with samples.")
    page.get_by_role("button", name="Save meeting").click()
    page.wait_for_url(f"**/accounts/{zephyr_id}")

    phone.set_offline(False)
    _wait_synced(page)
    with live_server.ctx() as session:
        assert session.scalars(select(Meeting.account_id)).all() == [zephyr_id]
