"""A deal made offline can be changed before it syncs (Chromium at 360 px, no signal): its
page on the phone takes a stage tap and an edit of its details; online, the deal arrives once
with both changes applied, and no conflict with the rep's own earlier change."""
from __future__ import annotations

import time

from playwright.sync_api import expect
from sqlalchemy import func, select

from webapp.models import Opportunity, OpportunityChange


def _outbox_count(page) -> int:
    return page.evaluate("() => window.GroundworkOutbox.count()")


def _wait_until_synced(page, timeout=30.0) -> None:
    deadline = time.monotonic() + timeout
    while _outbox_count(page):
        assert time.monotonic() < deadline, page.evaluate("() => window.GroundworkOutbox.all()")
        page.wait_for_timeout(200)


def test_a_deal_made_offline_is_changed_offline_and_arrives_once_with_the_changes(
        live_server, page):
    with live_server.ctx():
        rep = live_server.make.user("rep", name="Dana Field")
        account = live_server.make.account(owner=rep, name="Acme Robotics")
        email, account_id = rep.email, account.id
    live_server.sign_in(page, email)
    page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller",
                           timeout=60_000)
    for path in (f"/accounts/{account_id}", f"/opportunities/new?account_id={account_id}",
                 "/opportunities/pending", "/sync/pending", "/"):
        page.goto(live_server.url + path)
    page.wait_for_selector("html[data-capture-ready]", state="attached")

    page.context.set_offline(True)
    page.goto(f"{live_server.url}/opportunities/new?account_id={account_id}")
    page.get_by_label("Name").fill("Platform deal")
    page.get_by_label("Amount").fill("1000")
    page.get_by_role("button", name="Add opportunity").click()
    page.wait_for_url(f"**/accounts/{account_id}")
    page.locator("#opportunities a", has_text="Platform deal").click()
    page.wait_for_url("**/opportunities/pending#*")
    page.get_by_role("heading", name="Platform deal").wait_for()
    assert page.locator("#opp [data-shows=amount]").inner_text() == "$1,000"
    first = page.get_by_role("button", name="First meeting")
    assert first.get_attribute("aria-pressed") == "true"

    # A stage tap: the page shows the new stage as the selected one, waiting to sync.
    page.get_by_role("button", name="Proposal").click()
    proposal = page.locator("button[name=stage][value=proposal][aria-pressed=true]")
    proposal.wait_for()
    page.get_by_role("heading", name="Platform deal").wait_for()
    page.locator("#pending-stage").wait_for()
    # A second change, of other fields, on the same page.
    page.get_by_label("Amount").fill("61000")
    page.get_by_label("Next step", exact=True).fill("Send the quote")
    page.get_by_role("button", name="Save").click()
    page.locator("#pending-amount").wait_for()
    page.wait_for_function(
        "() => document.querySelector('#opp [data-shows=amount]').textContent === '$61,000'")
    assert page.get_by_label("Next step", exact=True).input_value() == "Send the quote"
    # The deal's changes waiting on the phone are listed under its name, as on any deal's page.
    expect(page.locator("#outbox-opportunity li")).to_have_count(2)
    expect(page.locator("#outbox-opportunity li").nth(1)).to_contain_text("Send the quote")
    assert proposal.count() == 1
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    assert _outbox_count(page) == 3
    with live_server.ctx() as session:
        assert session.scalar(select(func.count()).select_from(Opportunity)) == 0

    page.context.set_offline(False)
    _wait_until_synced(page)
    with live_server.ctx() as session:
        [deal] = session.scalars(select(Opportunity)).all()
        assert (deal.name, deal.account_id, deal.stage, deal.amount, deal.next_step) == (
            "Platform deal", account_id, "proposal", 61000, "Send the quote")
        fields = sorted(session.scalars(select(OpportunityChange.field)
                                        .where(OpportunityChange.opportunity_id == deal.id)))
        assert fields == ["amount", "next_step", "stage"]
        deal_id, deal_key = deal.id, deal.uuid
    # Nothing needed the rep: no conflict, nothing left on the phone; the page leads on.
    page.goto(live_server.url + "/sync/pending")
    page.get_by_text("Everything is synced.").wait_for()
    page.goto(f"{live_server.url}/opportunities/pending#{deal_key}")
    page.wait_for_url(f"**/opportunities/{deal_id}")
    assert "Send the quote" in page.get_by_label("Next step", exact=True).input_value()
