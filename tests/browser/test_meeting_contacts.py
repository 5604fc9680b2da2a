"""Log meeting on a 360 px phone: "who was there" and the deals follow the account picker, what
was typed stays, and offline they come from the account's saved page, or the form says contacts
can be added later instead of breaking."""
from __future__ import annotations

import re
import time

from playwright.sync_api import expect
from sqlalchemy import select

from webapp.models import Account, Meeting


def _territory(live_server):
    with live_server.ctx():
        make = live_server.make
        rep = make.user("rep", name="Dana Field", email="dana@example.com")
        harbor = make.account(rep, name="Harbor Logistics", city="Milwaukee")
        prairie = make.account(rep, name="Prairie Foods", city="Madison")
        make.account(make.user("rep"), name="Not Mine Inc")
        make.contact(harbor, name="Ana Ruiz")
        make.contact(harbor, name="Ben Okafor")
        make.contact(prairie, name="Cleo Park")
        return rep.email, harbor.id, prairie.id


def _choice(page, account_id):
    return page.locator(f'#account-choices input[value="{account_id}"]')


def _pick(page, account_id):
    """Tap an account among the picker's offers (both accounts are among the recent ones)."""
    _choice(page, account_id).check()


def _chip(page, name):
    return page.locator("#meeting-contacts label").filter(has_text=name)


def test_changing_the_account_shows_that_accounts_contacts_and_keeps_the_notes(live_server,
                                                                                page):
    email, harbor_id, prairie_id = _territory(live_server)
    live_server.sign_in(page, email)
    page.goto(live_server.url + "/meetings/new")
    notes = page.get_by_label("Notes", exact=True)
    notes.fill("Walked the warehouse floor; pilot in March.")
    page.get_by_text("More: when, how long").click()  # the folded fields
    page.get_by_label("Where").fill("Dock 4")

    _pick(page, harbor_id)
    expect(page.get_by_role("group", name="Who was there")).to_be_visible()
    expect(_chip(page, "Ana Ruiz")).to_be_visible()
    expect(_chip(page, "Ben Okafor")).to_be_visible()
    _chip(page, "Ana Ruiz").click()

    _pick(page, prairie_id)
    expect(_chip(page, "Cleo Park")).to_be_visible()
    expect(_chip(page, "Ana Ruiz")).to_have_count(0)  # the other account's people are gone
    # Nothing typed was lost by the swap.
    expect(notes).to_have_value("Walked the warehouse floor; pilot in March.")
    expect(page.get_by_label("Where")).to_have_value("Dock 4")

    # A phone's width: nothing sticks out sideways, every contact chip is a big tap target.
    assert page.evaluate("document.documentElement.scrollWidth - "
                         "document.documentElement.clientWidth") <= 0
    heights = page.locator("#meeting-contacts label span").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect().height)")
    assert heights and min(heights) >= 48

    _chip(page, "Cleo Park").click()
    page.get_by_role("button", name="Save meeting").click()
    page.wait_for_url(f"**/accounts/{prairie_id}**")
    expect(page.locator("#meetings")).to_contain_text("With Cleo Park")
    with live_server.ctx() as session:
        meeting = session.scalar(select(Meeting))
        assert meeting.account_id == prairie_id and meeting.attendees == "Cleo Park"
        assert meeting.location == "Dock 4"


def test_without_javascript_a_button_shows_the_accounts_contacts(live_server, browser):
    from tests.browser.conftest import PHONE

    email, harbor_id, _ = _territory(live_server)
    context = browser.new_context(**PHONE, java_script_enabled=False)
    try:
        page = context.new_page()
        live_server.sign_in(page, email)
        page.goto(live_server.url + "/meetings/new")
        page.get_by_label("Notes", exact=True).fill("Typed before choosing.")
        _pick(page, harbor_id)
        page.get_by_role("button", name="Show who works there").click()

        expect(_chip(page, "Ana Ruiz")).to_be_visible()
        expect(page.get_by_label("Notes", exact=True)).to_have_value("Typed before choosing.")
        with live_server.ctx() as session:
            assert session.scalar(select(Meeting)) is None  # nothing saved yet
        page.get_by_text("Ben Okafor").click()
        page.get_by_role("button", name="Save meeting").click()
        page.wait_for_url(f"**/accounts/{harbor_id}**")
        with live_server.ctx() as session:
            assert session.scalar(select(Meeting.attendees)) == "Ben Okafor"
    finally:
        context.close()


def _controlled(page) -> None:
    page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller",
                           timeout=60_000)


def test_offline_the_people_and_deals_come_from_saved_pages_or_the_form_says_later(
        live_server, phone):
    email, harbor_id, prairie_id = _territory(live_server)
    with live_server.ctx() as session:
        prairie = session.get(Account, prairie_id)
        live_server.make.opportunity(prairie, stage="qualified", name="Prairie silos")
        lakeside_id = live_server.make.account(prairie.owner, name="Lakeside Mills").id
    # Replays come from the page (as in Safari and Firefox): see test_offline_writes.py.
    phone.add_init_script(
        "if (self.SyncManager) SyncManager.prototype.register = function () {"
        " return Promise.reject(new DOMException('off in this test', 'NotAllowedError')); };")
    page = phone.new_page()
    live_server.sign_in(page, email)
    _controlled(page)
    # Saved on the phone: Harbor's and Prairie's pages and the form (not Lakeside's page).
    for path in (f"/accounts/{harbor_id}", f"/accounts/{prairie_id}", "/meetings/new"):
        page.goto(live_server.url + path)
    # Online, the deals follow the account picked too.
    _pick(page, prairie_id)
    expect(page.get_by_label("About the opportunity")).to_contain_text("Prairie silos")
    # Online once: Harbor's contacts are fetched, and kept by the service worker.
    _pick(page, harbor_id)
    expect(_chip(page, "Ana Ruiz")).to_be_visible()
    expect(page.get_by_label("About the opportunity")).to_have_count(0)  # Harbor has no deal

    phone.set_offline(True)
    page.goto(live_server.url + "/meetings/new")
    page.get_by_label("Notes", exact=True).fill("No signal in the basement.")
    _pick(page, prairie_id)  # from Prairie's saved page
    expect(_chip(page, "Cleo Park")).to_be_visible()
    expect(page.get_by_label("About the opportunity")).to_contain_text("Prairie silos")
    new_deal = page.locator("#meeting-about [data-new-deal]")  # under More
    expect(new_deal).to_have_attribute("href", re.compile(f"account_id={prairie_id}&"))
    _pick(page, lakeside_id)  # nothing saved of it: said, and Prairie's deal is not offered
    status = page.locator("[data-contacts-status]")
    expect(status).to_contain_text("could not be loaded")
    expect(status).to_contain_text("contacts can be added later")
    expect(page.get_by_label("About the opportunity")).to_have_count(0)
    expect(new_deal).to_have_count(0)  # nor a new deal made for Prairie from here
    expect(_chip(page, "Cleo Park")).to_have_count(0)
    expect(page.get_by_label("Notes", exact=True)).to_have_value("No signal in the basement.")

    _pick(page, harbor_id)  # fetched before
    expect(_chip(page, "Ana Ruiz")).to_be_visible()

    # "Log meeting" from Harbor's saved page: the saved form takes Harbor's parts from its
    # saved page, and names the account as online.
    page.goto(f"{live_server.url}/meetings/new?account_id={harbor_id}")
    expect(page.locator(".offline-copy")).to_be_visible()
    expect(page.locator("main .picked")).to_contain_text("Harbor Logistics")
    expect(page.locator("input[name=account_id]")).to_have_value(str(harbor_id))
    expect(_chip(page, "Ana Ruiz")).to_be_visible()
    page.get_by_label("Notes", exact=True).fill("No signal in the basement.")
    _chip(page, "Ana Ruiz").click()
    page.get_by_role("button", name="Save meeting").click()
    page.wait_for_url(f"**/accounts/{harbor_id}")
    expect(page.locator("#meetings li.pending")).to_have_count(1)

    phone.set_offline(False)
    deadline = time.monotonic() + 30
    while page.evaluate("() => window.GroundworkOutbox.count()"):
        assert time.monotonic() < deadline
        page.wait_for_timeout(200)
    with live_server.ctx() as session:
        meeting = session.scalar(select(Meeting))
        assert meeting.account_id == harbor_id and meeting.attendees == "Ana Ruiz"
        assert meeting.notes == "No signal in the basement."
