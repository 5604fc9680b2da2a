"""Field capture in a real Chromium at 360 px, offline the whole way: a new account, a
contact at it, a deal on it and a meeting with that contact, made with no signal, reach the
server once each and linked."""
from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from sqlalchemy import func, select

from webapp.models import Account, AuditEvent, Contact, Meeting, Opportunity
from webapp.database import unit_of_work
from webapp.services.capture import ContactDetails, update_contact


def _count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def _outbox_count(page) -> int:
    return page.evaluate("() => window.GroundworkOutbox.count()")


def _wait_until_synced(page, timeout=30.0) -> None:
    deadline = time.monotonic() + timeout
    while _outbox_count(page):
        assert time.monotonic() < deadline, page.evaluate("() => window.GroundworkOutbox.all()")
        page.wait_for_timeout(200)


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360


@pytest.mark.briefcase
def test_offline_account_then_contact_and_deal_at_it_arrive_once_and_linked(live_server, page):
    with live_server.ctx():
        rep = live_server.make.user("rep", name="Dana Field")
        live_server.make.account(owner=rep, name="Acme Robotics")
        email = rep.email
    live_server.sign_in(page, email)
    page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller",
                           timeout=60_000)
    # What the briefcase keeps: the forms and the territory list (opened one by one here).
    for path in ("/accounts/", "/accounts/new", "/contacts/new", "/opportunities/new",
                 "/accounts/pending", "/meetings/new", "/sync/pending", "/"):
        page.goto(live_server.url + path)
    page.wait_for_selector("html[data-capture-ready]", state="attached")

    page.context.set_offline(True)
    page.goto(live_server.url + "/accounts/new")
    _no_sideways_scroll(page)
    # A company the saved territory already has is offered first, offline too.
    page.get_by_label("Company name").fill("ACME robotics inc")
    page.get_by_role("button", name="Add account").click()
    offer = page.locator("#did-you-mean")
    offer.wait_for()
    assert "Acme Robotics" in offer.inner_text()
    assert _outbox_count(page) == 0
    page.get_by_label("Company name").fill("Hooli")
    page.get_by_label("City").fill("Palo Alto")
    page.get_by_role("button", name="Create anyway").click()
    page.wait_for_url("**/accounts/pending#*")
    heading = page.get_by_role("heading", name="Hooli")
    heading.wait_for()
    _no_sideways_scroll(page)

    page.get_by_role("link", name="Add contact").click()
    page.wait_for_url("**/contacts/new?account_id=*")
    page.wait_for_selector("html[data-capture-ready]", state="attached")
    chosen = page.locator("#account-choices label:has(input:checked)")
    chosen.wait_for()
    assert "Hooli" in chosen.inner_text() and "on this phone" in chosen.inner_text()
    page.get_by_label("Name").fill("Gavin Belson")
    page.get_by_label("Title").fill("CEO")
    page.get_by_role("button", name="Add contact").click()
    page.wait_for_url("**/accounts/pending#*")
    page.locator("[data-pending-contact] li", has_text="Gavin Belson").wait_for()

    page.get_by_role("link", name="New opportunity").click()
    page.wait_for_url("**/opportunities/new?account_id=*")
    page.locator("#account-choices label:has(input:checked)", has_text="Hooli").wait_for()
    page.get_by_label("Name").fill("Platform deal")
    page.get_by_role("button", name="Add opportunity").click()
    page.wait_for_url("**/accounts/pending#*")
    page.locator("[data-pending-new_opportunity] li", has_text="Platform deal").wait_for()

    # A meeting at the new account with the new contact, still offline.
    page.locator("#pending-account").get_by_role("link", name="Log meeting").click()
    page.wait_for_url("**/meetings/new?account_id=*")
    gavin_chip = page.locator("#meeting-contacts label", has_text="Gavin Belson")
    gavin_chip.wait_for()
    gavin_chip.click()
    page.get_by_label("Notes").fill("Walked the floor with Gavin")
    page.get_by_role("button", name="Save meeting").click()
    page.wait_for_url("**/accounts/pending#*")
    page.locator("[data-pending-meeting] li").wait_for()
    assert _outbox_count(page) == 4
    # The list of pending changes says what was made, in the rep's words.
    page.goto(live_server.url + "/sync/pending")
    pending = page.locator("#outbox-list")
    pending.get_by_text("Gavin Belson, CEO · at Hooli").wait_for()
    pending.get_by_text("Platform deal · at Hooli").wait_for()
    pending.get_by_text("Hooli · Palo Alto", exact=True).wait_for()
    with live_server.ctx() as session:
        assert _count(session, Account, Account.name == "Hooli") == 0

    page.context.set_offline(False)
    _wait_until_synced(page)

    with live_server.ctx() as session:
        [hooli] = session.scalars(select(Account).where(Account.name == "Hooli")).all()
        assert (hooli.city, hooli.owner_id, hooli.external_id) == ("Palo Alto", rep.id, None)
        [gavin] = session.scalars(select(Contact)).all()
        [deal] = session.scalars(select(Opportunity)).all()
        assert (gavin.name, gavin.title, gavin.account_id) == ("Gavin Belson", "CEO", hooli.id)
        assert (deal.name, deal.account_id, deal.stage) == ("Platform deal", hooli.id,
                                                            "first_meeting")
        [meeting] = session.scalars(select(Meeting)).all()
        assert (meeting.account_id, meeting.attendees) == (hooli.id, "Gavin Belson")
        assert _count(session, Account) == 2
        assert _count(session, AuditEvent, AuditEvent.action.in_(
            ("account.created", "contact.created"))) == 2
        hooli_id, hooli_ref = hooli.id, hooli.uuid
    # The pending page now leads to the account itself, which shows both.
    page.goto(f"{live_server.url}/accounts/pending#{hooli_ref}")
    page.wait_for_url(f"**/accounts/{hooli_id}")
    assert "Gavin Belson" in page.inner_text("#contacts")
    assert "Platform deal" in page.inner_text("#opportunities")


def test_online_did_you_mean_offers_the_account_and_create_anyway_makes_one(live_server, page):
    with live_server.ctx():
        rep = live_server.make.user("rep", name="Dana Field")
        acme = live_server.make.account(owner=rep, name="Acme Robotics", city="Austin")
        live_server.make.contact(acme, name="Ana Ruiz", title="Head of purchasing",
                                 phone="+1 512 555 0100", email="ana.ruiz@acme.example")
        email, acme_id = rep.email, acme.id
    live_server.sign_in(page, email)
    page.goto(f"{live_server.url}/accounts/{acme_id}")
    _no_sideways_scroll(page)  # a contact with Call, E-mail and Edit fits

    # The rep takes the account they already have: nothing is queued or made.
    page.goto(live_server.url + "/accounts/new")
    page.wait_for_selector("html[data-capture-ready]", state="attached")
    page.get_by_label("Company name").fill("ACME Robotics, Inc.")
    page.get_by_role("button", name="Add account").click()
    offer = page.locator("#did-you-mean")
    offer.wait_for()
    _no_sideways_scroll(page)
    assert page.get_by_label("Company name").input_value() == "ACME Robotics, Inc."
    offer.get_by_role("link", name="Acme Robotics").click()
    page.wait_for_url(f"**/accounts/{acme_id}")
    page.wait_for_function("() => window.GroundworkOutbox.count().then(n => n === 0)")

    # Or the rep walks away from the question: nothing stays behind as unsynced.
    page.goto(live_server.url + "/accounts/new")
    page.wait_for_selector("html[data-capture-ready]", state="attached")
    page.get_by_label("Company name").fill("Acme Robotics")
    page.get_by_role("button", name="Add account").click()
    page.locator("#did-you-mean").wait_for()
    page.goto(live_server.url + "/")
    page.wait_for_function("() => window.GroundworkOutbox.count().then(n => n === 0)")
    page.wait_for_function("() => document.getElementById('sync-status').textContent === ''")

    # Or it is a different company after all: "Create anyway", once.
    page.goto(live_server.url + "/accounts/new")
    page.wait_for_selector("html[data-capture-ready]", state="attached")
    page.get_by_label("Company name").fill("Acme Robotics")
    page.get_by_label("City").fill("Monterrey")
    page.get_by_role("button", name="Add account").click()
    page.locator("#did-you-mean").wait_for()
    page.get_by_role("button", name="Create anyway").click()
    page.wait_for_url(lambda url: "/accounts/new" not in url and "pending" not in url)
    page.get_by_role("heading", name="Acme Robotics").wait_for()
    _wait_until_synced(page)
    with live_server.ctx() as session:
        assert _count(session, Account, Account.city == "Monterrey") == 1
        assert _count(session, Account) == 2


def test_offline_contact_duplicate_offered_and_details_edited_offline_arrive_once(live_server, page):
    with live_server.ctx():
        rep = live_server.make.user("rep", name="Dana Field")
        acme = live_server.make.account(owner=rep, name="Acme Robotics")
        ana = live_server.make.contact(acme, name="Ana Ruiz", title="Buyer",
                                       email="ana@acme.example")
        email, acme_id, ana_id = rep.email, acme.id, ana.id
    live_server.sign_in(page, email)
    page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller",
                           timeout=60_000)
    for path in (f"/accounts/{acme_id}", "/contacts/edit", "/contacts/new", "/"):
        page.goto(live_server.url + path)
    page.wait_for_selector("html[data-capture-ready]", state="attached")

    page.context.set_offline(True)
    # Someone with the same e-mail is offered before a second Ana is queued.
    page.goto(f"{live_server.url}/accounts/{acme_id}")
    page.get_by_role("link", name="Add contact").click()
    page.get_by_label("Name").fill("Ana R.")
    page.get_by_label("E-mail").fill("ANA@acme.example")
    page.get_by_role("button", name="Add contact").click()
    offer = page.locator("#did-you-mean")
    offer.wait_for()
    assert "Ana Ruiz" in offer.inner_text() and _outbox_count(page) == 0

    page.goto(f"{live_server.url}/accounts/{acme_id}")
    page.get_by_role("link", name="Edit Ana Ruiz").click()
    page.wait_for_url("**/contacts/edit#*")
    assert page.get_by_label("Title").input_value() == "Buyer"
    page.get_by_label("Title").fill("Head of purchasing")
    assert page.get_by_label("E-mail").input_value() == "ana@acme.example"
    page.get_by_label("E-mail").fill("ana.ruiz@acme.example")
    _no_sideways_scroll(page)
    page.get_by_role("button", name="Save contact").click()
    page.wait_for_url(f"**/accounts/{acme_id}")
    assert _outbox_count(page) == 1

    # Meanwhile a colleague adds her phone number on the server.
    with live_server.ctx() as session:
        colleague = live_server.make.user("manager", name="Max Boss")
        contact = session.get(Contact, ana_id)
        with unit_of_work(session):  # a service never commits: its caller does
            update_contact(session, colleague, contact, ContactDetails(
                name="Ana Ruiz", title="Buyer", phone="+1 512 555 0100",
                email="ana@acme.example"))
    # A second edit on the phone's (older) copy, of the title only: it must neither undo the
    # first edit's e-mail nor the colleague's phone, nor clash with the rep's own first edit.
    page.get_by_role("link", name="Edit Ana Ruiz").click()
    page.wait_for_url("**/contacts/edit#*")
    page.get_by_label("Title").fill("VP purchasing")
    page.get_by_role("button", name="Save contact").click()
    page.wait_for_url(f"**/accounts/{acme_id}")
    assert _outbox_count(page) == 2

    page.context.set_offline(False)
    _wait_until_synced(page)
    with live_server.ctx() as session:
        contact = session.get(Contact, ana_id)
        assert (contact.name, contact.title, contact.email, contact.phone) == (
            "Ana Ruiz", "VP purchasing", "ana.ruiz@acme.example", "+1 512 555 0100")
        assert _count(session, Contact) == 1
        assert _count(session, AuditEvent, AuditEvent.action == "contact.changed") == 3


def test_a_duplicate_found_at_replay_takes_the_writes_that_depend_on_it_along(live_server, page):
    """Offline, a new account the phone could not know exists (added on the server after the
    phone last saw the territory) and a contact and a deal at it. At replay the server offers
    the existing account; picking it files the contact and the deal under it, without any
    "Send again", and at once (the deal was waiting out a retry after a timeout)."""
    with live_server.ctx():
        rep = live_server.make.user("rep", name="Dana Field")
        email = rep.email
    live_server.sign_in(page, email)
    page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller",
                           timeout=60_000)
    for path in ("/accounts/", "/accounts/new", "/contacts/new", "/opportunities/new",
                 "/accounts/pending", "/sync/pending", "/"):
        page.goto(live_server.url + path)
    page.wait_for_selector("html[data-capture-ready]", state="attached")

    page.context.set_offline(True)
    with live_server.ctx():  # a colleague's import adds the company meanwhile
        existing = live_server.make.account(owner=rep, name="Hooli", city="Palo Alto")
        existing_id = existing.id
    page.goto(live_server.url + "/accounts/new")
    page.get_by_label("Company name").fill("Hooli Inc")
    page.get_by_role("button", name="Add account").click()
    page.wait_for_url("**/accounts/pending#*")
    page.get_by_role("link", name="Add contact").click()
    page.locator("#account-choices label:has(input:checked)", has_text="Hooli").wait_for()
    page.get_by_label("Name").fill("Gavin Belson")
    page.get_by_role("button", name="Add contact").click()
    page.wait_for_url("**/accounts/pending#*")
    page.get_by_role("link", name="New opportunity").click()
    page.locator("#account-choices label:has(input:checked)", has_text="Hooli").wait_for()
    page.get_by_label("Name").fill("Platform deal")
    page.get_by_role("button", name="Add opportunity").click()
    page.wait_for_url("**/accounts/pending#*")
    assert _outbox_count(page) == 3

    page.goto(live_server.url + "/sync/pending")
    page.context.set_offline(False)
    page.get_by_role("button", name="Sync now").click()
    offer = page.locator("#outbox-list #did-you-mean")
    offer.wait_for(timeout=30_000)
    page.wait_for_function(
        "() => window.GroundworkOutbox.all().then(es => es.length === 3 &&"
        " es.every(e => e.state === 'needs-attention'))")
    # As if the deal's last try had timed out: it waits ten minutes before its next one.
    page.evaluate("""async () => {
        const deal = (await GroundworkOutbox.all()).find(e => e.kind === 'new_opportunity');
        await GroundworkOutbox.update(deal.id, {state: 'pending', attempts: 1,
            nextAttemptAt: Date.now() + 600000, lastError: 'No connection.'}); }""")
    offer.get_by_role("link", name="Hooli").click()
    page.wait_for_url(f"**/accounts/{existing_id}")
    _wait_until_synced(page)
    with live_server.ctx() as session:
        assert _count(session, Account) == 1
        [gavin] = session.scalars(select(Contact)).all()
        [deal] = session.scalars(select(Opportunity)).all()
        assert (gavin.account_id, deal.account_id) == (existing_id, existing_id)
    page.reload()
    assert "Gavin Belson" in page.inner_text("#contacts")


def test_the_servers_question_reaches_the_form_when_another_tab_sent_the_write(live_server, page):
    """The service worker's Background Sync (or another tab) may take the replay lock before
    the page that queued the write: the page must still show the server's answer in place,
    not carry the rep off to the pending page."""
    with live_server.ctx():
        rep = live_server.make.user("rep", name="Dana Field")
        live_server.make.account(owner=rep, name="Acme Robotics", city="Austin")
        email = rep.email
    live_server.sign_in(page, email)
    other = page.context.new_page()
    other.goto(live_server.url + "/")
    other.wait_for_function("() => !!window.GroundworkOutbox")
    # The other tab holds the lock, then asks for a replay of its own: it is first in line.
    other.evaluate("""() => {
        navigator.locks.request('groundwork-outbox', () => new Promise(r => { window.release = r; }));
        window.otherPass = window.GroundworkOutbox.replay();
    }""")
    other.wait_for_function("""async () => (await navigator.locks.query()).pending
        .some(l => l.name === 'groundwork-outbox')""")

    page.goto(live_server.url + "/accounts/new")
    page.wait_for_selector("html[data-capture-ready]", state="attached")
    page.get_by_label("Company name").fill("ACME Robotics, Inc.")
    page.get_by_role("button", name="Add account").click()
    page.wait_for_function("""async () => (await navigator.locks.query()).pending
        .filter(l => l.name === 'groundwork-outbox').length >= 2""")
    other.evaluate("() => window.release()")
    other.evaluate("() => window.otherPass")  # the other tab sent the rep's write

    page.locator("#did-you-mean").wait_for()
    assert "/accounts/new" in page.url
    assert page.get_by_label("Company name").input_value() == "ACME Robotics, Inc."
    page.wait_for_function("() => window.GroundworkOutbox.count().then(n => n === 0)")
    with live_server.ctx() as session:
        assert _count(session, Account) == 1



def test_other_account_on_a_contact_for_the_meeting_form_still_goes_back_to_it(live_server, phone):
    """Offline, adding a person from the meeting form (?then=meeting) on the saved contact form,
    "Other account" changes only the account: the contact is filed there and the rep goes on
    to that account's meeting form."""
    from tests.browser.test_offline_trust import offline_with
    from tests.browser.test_offline_writes import wait_until_synced

    with live_server.ctx():
        rep = live_server.make.user("rep", name="Dana Field")
        acme = live_server.make.account(owner=rep, name="Acme Robotics")
        birch = live_server.make.account(owner=rep, name="Birch Logistics")
        email, acme_id, birch_id = rep.email, acme.id, birch.id
    page = offline_with(live_server, phone, email, (
        "/", f"/accounts/{acme_id}", f"/accounts/{birch_id}", "/contacts/new", "/meetings/new"))
    page.goto(f"{live_server.url}/contacts/new?account_id={acme_id}&then=meeting")
    page.get_by_role("link", name="Other account").click()
    page.wait_for_url("**/contacts/new?then=meeting")
    page.locator(f'#account-choices input[value="{birch_id}"]').check()
    page.get_by_label("Name").fill("Rosa Diaz")
    page.get_by_role("button", name="Add contact").click()
    page.wait_for_url(f"**/meetings/new?account_id={birch_id}#contact=*")  # the saved form, for Birch
    expect(page.locator("main .picked")).to_contain_text("Birch Logistics")
    phone.set_offline(False)
    wait_until_synced(page)
    with live_server.ctx() as session:
        assert [(c.name, c.account_id) for c in session.scalars(select(Contact))] == [
            ("Rosa Diaz", birch_id)]
