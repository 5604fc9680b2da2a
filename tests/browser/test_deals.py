"""Issue 10 items 7, 10, 11 and 13 (opportunity page) on a 360 px Chromium: closing a deal
asks what a manager needs, is confirmed on its own step and can be undone, online and
offline; commitments are closed from Today and the account page, offline too; "qualified"
follows the checklist's number of answers or a visible override."""
from __future__ import annotations

import time
from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from webapp.models import Commitment, DealClosure, Opportunity

TAP_TARGETS_UNDER_44 = """() => Array.from(document.querySelectorAll(
    'main button, main a.button, main select, main summary, main textarea, main .chips span,'
    + ' main label.check, main input:not([type=hidden]):not([type=radio]):not([type=checkbox])'))
  .filter(el => el.getClientRects().length > 0)
  .map(el => [(el.innerText || el.name || el.tagName).trim(), el.getBoundingClientRect().height])
  .filter(([, height]) => height < 44)"""
VISIBLE_LABELS = """() => Array.from(document.querySelectorAll('main label, main legend'))
  .filter(el => el.getClientRects().length > 0 && !el.querySelector('input'))
  .map(el => el.textContent.trim())"""


def outbox_count(page) -> int:
    return page.evaluate("() => window.GroundworkOutbox.count()")


def wait_until_synced(page, timeout=30.0) -> None:
    deadline = time.monotonic() + timeout
    while outbox_count(page):
        assert time.monotonic() < deadline, page.evaluate("() => window.GroundworkOutbox.all()")
        page.wait_for_timeout(200)


def controlled(page) -> None:
    page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller",
                           timeout=60_000)


def ready(page) -> None:
    page.wait_for_selector("html[data-outbox-ready]", state="attached")


def without_background_sync(context) -> None:
    """Replays come from the page (as in test_offline_writes): Playwright's offline emulation
    does not reach requests a service worker's sync event starts by itself."""
    context.add_init_script(
        "if (self.SyncManager) SyncManager.prototype.register = function () {"
        " return Promise.reject(new DOMException('Background Sync is off in this test',"
        " 'NotAllowedError')); };")


def fits_a_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, f"{page.url} scrolls sideways"
    assert page.evaluate(TAP_TARGETS_UNDER_44) == [], f"{page.url}: tap targets under 44 px"
    labels = page.evaluate(VISIBLE_LABELS)
    assert len(labels) == len(set(labels)), f"{page.url}: a label shown twice: {labels}"


@pytest.fixture
def deal(live_server):
    with live_server.ctx() as session:
        make = live_server.make
        rep = make.user("rep", name="Dana Field")
        acme = make.account(owner=rep, name="Acme Robotics")
        opp = make.opportunity(acme, name="Acme line 2", stage="negotiation",
                               amount=Decimal("47000"), close_on=date(2026, 12, 15),
                               next_step="Send the revised pricing with the three-year support "
                                         "option, the training plan for both plants and the "
                                         "reference call with Birch's operations lead")
        other = make.opportunity(acme, name="Acme spares", stage="proposal",
                                 amount=Decimal("9000"))
        theirs = Commitment(account_id=acme.id, party="theirs", description="Send the downtime numbers",
                            due_on=date(2026, 11, 20))
        ours = Commitment(account_id=acme.id, party="ours", description="Send the ROI model")
        session.add_all([theirs, ours])
        session.commit()
        return {"email": rep.email, "rep": rep.id, "acme": acme.id, "opp": opp.id,
                "other": other.id, "theirs": theirs.id, "ours": ours.id}


def test_closing_a_deal_asks_what_a_manager_needs_confirms_and_can_be_undone(
        live_server, deal, page):
    live_server.sign_in(page, deal["email"])
    page.goto(f"{live_server.url}/opportunities/{deal['opp']}")
    ready(page)
    # Item 13: the page fits, the next step shows its whole text, Save is in view.
    fits_a_phone(page)
    next_step = page.get_by_label("Next step", exact=True)
    assert next_step.evaluate("el => el.tagName") == "TEXTAREA"
    assert next_step.evaluate("el => el.scrollHeight <= el.clientHeight + 2")
    page.get_by_label("Amount").focus()
    save = page.get_by_role("button", name="Save", exact=True)
    box, nav = save.bounding_box(), page.locator("nav.bottom").bounding_box()
    assert 0 <= box["y"] and box["y"] + box["height"] <= nav["y"] + 1, (box, nav)
    expect(page.get_by_role("button", name="Won")).to_have_count(0)  # no one-tap close

    page.get_by_text("Close this deal").click()
    page.locator("form.close-deal .chips label", has_text="Lost").click()
    page.get_by_role("button", name="Next").click()
    expect(page.locator("[data-close-error]")).to_have_text("Choose why it was lost.")
    page.locator("form.close-deal label", has_text="Went with a competitor").click()
    page.get_by_role("button", name="Next").click()
    expect(page.locator("[data-close-error]")).to_have_text("Name the competitor who won it.")
    expect(page.get_by_label("Competitor", exact=True)).to_be_focused()
    page.get_by_label("Competitor", exact=True).fill("Initech")
    fits_a_phone(page)
    page.get_by_role("button", name="Next").click()
    # The confirmation is its own step, saying what will be saved.
    expect(page.locator("[data-close-summary]")).to_have_text(
        "Close as lost: Went with a competitor, to Initech?")
    expect(page.get_by_label("Competitor", exact=True)).to_be_hidden()
    with live_server.ctx() as session:
        assert session.get(Opportunity, deal["opp"]).stage == "negotiation"  # not yet
    page.get_by_role("button", name="Confirm and close").click()

    expect(page.locator("#closed")).to_contain_text("Went with a competitor · to Initech")
    expect(page.locator("#closed")).to_contain_text("Closed by Dana Field")
    page.wait_for_load_state("load")
    fits_a_phone(page)
    with live_server.ctx() as session:
        assert session.get(Opportunity, deal["opp"]).stage == "lost"
        [closure] = session.scalars(select(DealClosure)).all()
        assert (closure.loss_reason, closure.competitor) == ("competitor", "Initech")

    page.get_by_role("button", name="Reopen as Negotiation").click()
    expect(page.get_by_role("button", name="Negotiation")).to_have_attribute("aria-pressed", "true")
    with live_server.ctx() as session:
        assert session.get(Opportunity, deal["opp"]).stage == "negotiation"


def test_a_deal_closed_offline_is_sent_once_when_the_signal_is_back(live_server, deal, phone):
    without_background_sync(phone)
    page = phone.new_page()
    live_server.sign_in(page, deal["email"])
    controlled(page)
    page.goto(f"{live_server.url}/opportunities/{deal['opp']}")
    ready(page)
    phone.set_offline(True)

    page.get_by_text("Close this deal").click()
    page.locator("form.close-deal .chips label", has_text="Won").click()
    expect(page.get_by_label("Won at")).to_have_value("47000.00")  # prefilled
    page.get_by_label("Won at").fill("52500")
    page.get_by_role("button", name="Next").click()
    expect(page.locator("[data-close-summary]")).to_have_text("Close as won at $52,500?")
    page.get_by_role("button", name="Confirm and close").click()
    expect(page.locator("[data-pending-for]")).to_have_text("Closing · waiting to sync")
    expect(page.locator("[data-pending-for]")).to_be_visible()
    assert outbox_count(page) == 1
    with live_server.ctx() as session:
        assert session.get(Opportunity, deal["opp"]).stage == "negotiation"

    phone.set_offline(False)
    wait_until_synced(page)
    with live_server.ctx() as session:
        opp = session.get(Opportunity, deal["opp"])
        assert (opp.stage, opp.amount) == ("won", Decimal("52500"))
        assert len(session.scalars(select(DealClosure)).all()) == 1
    page.reload()
    expect(page.locator("#closed")).to_contain_text("Won · $52,500")


def test_commitments_are_closed_on_today_and_offline_on_the_account_page(live_server, deal, phone):
    without_background_sync(phone)
    page = phone.new_page()
    live_server.sign_in(page, deal["email"])
    controlled(page)
    page.goto(f"{live_server.url}/accounts/{deal['acme']}")
    page.goto(f"{live_server.url}/")
    ready(page)
    fits_a_phone(page)
    page.get_by_role("button", name="Kept: Send the downtime numbers", exact=True).click()
    page.wait_for_load_state()
    expect(page.locator("main")).not_to_contain_text("Send the downtime numbers")
    expect(page.locator("main")).to_contain_text("Send the ROI model")
    with live_server.ctx() as session:
        assert session.get(Commitment, deal["theirs"]).kept is True

    page.goto(f"{live_server.url}/accounts/{deal['acme']}")
    ready(page)
    fits_a_phone(page)
    phone.set_offline(True)
    page.get_by_role("button", name="Not kept: Send the ROI model", exact=True).click()
    expect(page.locator("[data-pending-for]")).to_have_text("Not kept · waiting to sync")
    expect(page.locator("[data-pending-for]")).to_be_visible()
    expect(page.get_by_role("button", name="Not kept: Send the ROI model", exact=True)).to_be_hidden()
    assert outbox_count(page) == 1

    phone.set_offline(False)
    wait_until_synced(page)
    with live_server.ctx() as session:
        assert session.get(Commitment, deal["ours"]).kept is False
    page.reload()
    expect(page.locator("#commitments")).not_to_contain_text("Send the ROI model")


def test_qualified_follows_the_checklist_number_or_a_visible_override(live_server, deal, page):
    with live_server.ctx():
        manager_email = live_server.make.user("manager", name="Mia Boss").email
    live_server.sign_in(page, manager_email)
    page.goto(f"{live_server.url}/pipeline/settings")
    fits_a_phone(page)
    page.get_by_label("Answers that qualify a deal").fill("2")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("main")).to_contain_text("Settings saved.")
    page.context.clear_cookies()

    live_server.sign_in(page, deal["email"])
    page.goto(f"{live_server.url}/opportunities/{deal['opp']}")
    expect(page.locator("#qualification")).to_have_text("Not qualified · 0 of 2 answers")
    page.get_by_role("link", name="Qualify with the checklist").click()
    page.wait_for_url("**/qualify")
    page.wait_for_load_state("load")  # measured with its stylesheet applied
    fits_a_phone(page)
    page.get_by_label("Metrics").fill("Cut stock-outs by a fifth")
    page.get_by_label("Champion").fill("Lee, ops lead")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("p.status")).to_contain_text("Qualified.")
    page.get_by_role("link", name="Acme line 2").click()
    expect(page.locator("#qualification")).to_have_text("Qualified by the checklist · 2 of 6 answered")

    page.goto(f"{live_server.url}/pipeline/opportunities/{deal['other']}/qualify")
    page.get_by_label("Qualified by override").check()
    page.get_by_label("Why").fill("Board approved the budget")
    page.get_by_role("button", name="Save", exact=True).click()
    page.goto(f"{live_server.url}/opportunities/{deal['other']}")
    expect(page.locator("#qualification")).to_have_text("Qualified by override, by Dana Field")
    with live_server.ctx() as session:
        assert session.get(Opportunity, deal["opp"]).qualified
        assert session.get(Opportunity, deal["other"]).qualified
