"""Intel and equality of effort at 360 px in a real Chromium: a rep posts intel on an account
with no signal and sees it there once synced; a deal is flagged one-sided the moment the
prospect's third promise is marked not kept."""
from __future__ import annotations

from datetime import date, datetime

from playwright.sync_api import expect
from sqlalchemy import func, select

from tests.browser.test_deals import controlled, fits_a_phone, ready, without_background_sync
# These two wait out a navigation (a queued write sends the page on to its next address).
from tests.browser.test_offline_writes import outbox_count, wait_until_synced

from webapp.models import Commitment, Intel, Meeting


def test_rep_posts_intel_offline_and_sees_it_on_the_account_once_synced(live_server, phone):
    with live_server.ctx():
        make = live_server.make
        rep = make.user("rep", name="Dana Field")
        acme = make.account(owner=rep, name="Acme Robotics")
        make.contact(acme, name="Ana Ruiz")
        email, account_id = rep.email, acme.id
    without_background_sync(phone)
    page = phone.new_page()
    live_server.sign_in(page, email)
    controlled(page)
    page.goto(f"{live_server.url}/accounts/{account_id}")
    ready(page)
    fits_a_phone(page)
    expect(page.locator("#intel")).to_contain_text("No intel yet")

    phone.set_offline(True)
    page.locator("#intel summary").click()
    fits_a_phone(page)
    page.get_by_label("What you learned").fill("Their plant manager wants a pilot before May")
    page.get_by_label("From", exact=True).select_option(label="Ana Ruiz")
    page.get_by_role("button", name="Save intel").click()
    expect(page.locator("#sync-status")).to_have_text("1 unsynced")
    with live_server.ctx() as session:
        assert session.scalar(select(func.count()).select_from(Intel)) == 0

    phone.set_offline(False)
    page.reload()  # the page replays the outbox when it loads with a signal
    wait_until_synced(page)
    page.reload()
    ready(page)
    expect(page.locator("#intel")).to_contain_text("Their plant manager wants a pilot before May")
    expect(page.locator("#intel")).to_contain_text("Today · from Ana Ruiz")
    with live_server.ctx() as session:
        assert session.scalar(select(func.count()).select_from(Intel)) == 1


def test_a_deal_turns_one_sided_when_the_third_promise_is_marked_not_kept(live_server, phone):
    with live_server.ctx() as session:
        make = live_server.make
        rep = make.user("rep", name="Dana Field")
        acme = make.account(owner=rep, name="Acme Robotics")
        deal = make.opportunity(acme, name="Acme line 2", stage="proposal")
        meeting = make.meeting(acme, rep, opportunity_id=deal.id, initiated_by="them",
                               started_at=datetime(2026, 11, 2, 10))
        for what in ("Send the usage data", "Book the CFO", "Share the spec"):
            session.add(Commitment(account_id=acme.id, meeting_id=meeting.id, party="theirs",
                                   description=what, due_on=date(2026, 12, 4)))
        session.commit()
        email, account_id, deal_id = rep.email, acme.id, deal.id
    page = phone.new_page()
    live_server.sign_in(page, email)
    controlled(page)

    for i, what in enumerate(("Send the usage data", "Book the CFO", "Share the spec")):
        page.goto(f"{live_server.url}/opportunities/{deal_id}")
        ready(page)
        expect(page.locator("main")).not_to_contain_text("One-sided")
        page.goto(f"{live_server.url}/accounts/{account_id}")
        ready(page)
        with page.expect_navigation():  # confirmed, the page is loaded again
            page.get_by_role("button", name=f"Not kept: {what}", exact=True).click()
        ready(page)
        expect(page.get_by_role("button", name=f"Not kept: {what}", exact=True)).to_be_hidden()
        wait_until_synced(page)
        with live_server.ctx() as session:
            assert session.scalar(select(func.count()).select_from(Commitment)
                                  .where(Commitment.kept.is_(False))) == i + 1

    page.goto(f"{live_server.url}/opportunities/{deal_id}")
    ready(page)
    fits_a_phone(page)
    expect(page.locator(".one-sided")).to_contain_text("They kept none of their last 3 commitments")
    expect(page.locator(".one-sided")).to_contain_text("Move on, or get a real commitment")
    page.goto(f"{live_server.url}/pipeline/")
    fits_a_phone(page)
    expect(page.locator("#one-sided")).to_contain_text("Acme line 2")
    assert outbox_count(page) == 0
    with live_server.ctx() as session:
        assert session.scalar(select(func.count()).select_from(Meeting)) == 1



def test_rep_adds_a_vendor_pal_and_logs_a_meeting_that_covers_two_accounts(live_server, phone):
    with live_server.ctx():
        make = live_server.make
        rep = make.user("rep", name="Dana Field")
        acme = make.account(owner=rep, name="Acme Robotics")
        birch = make.account(owner=rep, name="Birch Logistics")
        email, acme_id, birch_id = rep.email, acme.id, birch.id
    page = phone.new_page()
    live_server.sign_in(page, email)
    controlled(page)
    page.goto(f"{live_server.url}/more")
    page.get_by_role("link", name="Vendor pals").click()
    ready(page)
    fits_a_phone(page)
    page.locator("summary", has_text="Add a vendor pal").click()
    page.get_by_label("Name").fill("Marcus Lee")
    page.get_by_label("Company").fill("Northwind Networks")
    page.get_by_label("What they sell").fill("Network infrastructure")
    with page.expect_navigation():
        page.get_by_role("button", name="Save vendor pal").click()
    ready(page)
    expect(page.locator("ul.pals")).to_contain_text("Marcus Lee · Northwind Networks")
    fits_a_phone(page)

    page.get_by_role("link", name="Log a meeting with Marcus Lee").click()
    ready(page)
    fits_a_phone(page)
    page.get_by_label("Account 1", exact=True).select_option(label="Acme Robotics")
    page.get_by_label("What you learned (1)").fill("Acme is replacing its network in Q2")
    page.get_by_label("Account 2", exact=True).select_option(label="Birch Logistics")
    page.get_by_label("What you learned (2)").fill("Birch froze budgets until spring")
    with page.expect_navigation():
        page.get_by_role("button", name="Save meeting").click()
    ready(page)
    expect(page.locator("ul.pals")).to_contain_text("met Mon Nov 23 · 2 intel")

    page.goto(f"{live_server.url}/accounts/{birch_id}")
    expect(page.locator("#intel")).to_contain_text("Birch froze budgets until spring")
    expect(page.locator("#intel")).to_contain_text("from Marcus Lee (Northwind Networks)")
    expect(page.locator("#intel")).not_to_contain_text("Acme is replacing")
    with live_server.ctx() as session:
        assert session.scalar(select(func.count()).select_from(Intel)
                              .where(Intel.account_id.in_([acme_id, birch_id]))) == 2
