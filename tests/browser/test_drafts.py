"""What a rep typed and has not saved survives a reload, a closed tab or a phone that put the
page to sleep, online and offline (static/js/drafts.js): it comes back where it was typed,
ticks included, is saved once, and is gone once saved, discarded or signed out. 360 px phone,
real Chromium, real service worker, network really cut."""
from __future__ import annotations

from decimal import Decimal

from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.test_offline_trust import offline_with, opened_with
from tests.browser.test_offline_writes import (controlled, outbox_count, ready, territory,
                                               wait_until_synced)
from webapp.database import unit_of_work
from webapp.models import Account, Meeting, Note, Opportunity, User
from webapp.services.opportunities import update_opportunity

__all__ = ["territory"]

RESTORED = "Restored what you typed"


def drafts(page) -> list[str]:
    return page.evaluate("""() => Object.keys(localStorage)
        .filter(k => k.startsWith('groundwork-draft:'))""")


def wait_for_draft(page, text: str) -> None:
    """The draft is written a moment after the last keystroke: wait until it holds `text`."""
    page.wait_for_function("""(text) => Object.keys(localStorage)
        .some(k => k.startsWith('groundwork-draft:') && localStorage.getItem(k).includes(text))""",
                           arg=text)


def people(live_server, t):
    with live_server.ctx() as session:
        acme = session.get(Account, t["acme"])
        live_server.make.contact(acme, name="Sam Okafor")
        live_server.make.contact(acme, name="Lee Park")


def test_a_meeting_typed_then_reloaded_comes_back_with_its_ticks_and_is_saved_once(
        live_server, territory, page):
    t = territory
    people(live_server, t)
    live_server.sign_in(page, t["email"])
    form = f"{live_server.url}/meetings/new?account_id={t['acme']}"
    page.goto(form)
    ready(page)
    page.get_by_label("Notes").fill("Walked the line with Sam; he wants a pilot")
    page.get_by_label("Sam Okafor").check()
    page.get_by_role("radio", name="Phone", exact=True).check()
    wait_for_draft(page, "he wants a pilot")
    page.reload()
    ready(page)

    notice = page.locator("[data-draft-notice]")
    expect(notice).to_contain_text(RESTORED)
    expect(page.get_by_label("Notes")).to_have_value("Walked the line with Sam; he wants a pilot")
    expect(page.get_by_label("Sam Okafor")).to_be_checked()
    expect(page.get_by_label("Lee Park")).not_to_be_checked()
    expect(page.get_by_role("radio", name="Phone", exact=True)).to_be_checked()
    assert notice.get_by_role("button", name="Discard it").bounding_box()["height"] >= 44
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_role("button", name="Save meeting").click()
    page.wait_for_url(f"**/accounts/{t['acme']}")
    ready(page)
    wait_until_synced(page)
    assert drafts(page) == []

    # Opened again, the form is a fresh one; Back to the saved one says it is saved.
    page.goto(form)
    ready(page)
    expect(page.get_by_label("Notes")).to_have_value("")
    expect(page.locator("[data-draft-notice]")).to_have_count(0)
    with live_server.ctx() as session:
        assert [(m.account_id, m.notes, m.attendees, m.kind) for m in session.scalars(select(Meeting))] == [
            (t["acme"], "Walked the line with Sam; he wants a pilot", "Sam Okafor", "phone")]


def test_offline_the_saved_form_reloaded_gets_its_people_and_ticks_back(
        live_server, territory, phone):
    """Offline, the one saved form opened for Acme brings Acme's people from its saved page after
    it loads; a reload ticks the same people again once they are there."""
    t = territory
    people(live_server, t)
    page = offline_with(live_server, phone, t["email"], ("/", f"/accounts/{t['acme']}", "/meetings/new"))
    page.goto(f"{live_server.url}/meetings/new?account_id={t['acme']}")
    page.get_by_label("Notes").fill("Offline at the dock")
    page.get_by_label("Lee Park").check()
    page.locator("details.more summary").click()
    page.get_by_label("About the opportunity").select_option(label="Acme line 2 · Qualified")
    wait_for_draft(page, "Offline at the dock")
    page.reload()

    expect(page.locator("[data-draft-notice]")).to_contain_text(RESTORED)
    expect(page.get_by_label("Notes")).to_have_value("Offline at the dock")
    expect(page.get_by_label("Lee Park")).to_be_checked()
    expect(page.get_by_label("Sam Okafor")).not_to_be_checked()
    expect(page.get_by_label("About the opportunity")).to_have_value(str(t["opp_a"]))
    page.get_by_role("button", name="Save meeting").click()
    page.wait_for_url(f"**/accounts/{t['acme']}")
    ready(page)
    assert outbox_count(page) == 1

    phone.set_offline(False)
    wait_until_synced(page)
    with live_server.ctx() as session:
        assert [(m.account_id, m.notes, m.attendees, m.opportunity_id)
                for m in session.scalars(select(Meeting))] == [
            (t["acme"], "Offline at the dock", "Lee Park", t["opp_a"])]


def test_a_note_left_in_a_closed_tab_comes_back_and_a_discarded_one_does_not(
        live_server, territory, phone):
    t = territory
    page = phone.new_page()
    live_server.sign_in(page, t["email"])
    form = f"{live_server.url}/notes/new?account_id={t['birch']}"
    page.goto(form)
    ready(page)
    page.get_by_label("Note", exact=True).fill("Gate code is 4411")
    page.close()  # the phone closed the tab: the draft is written as the page goes

    page = phone.new_page()
    page.goto(form)
    ready(page)
    expect(page.get_by_label("Note", exact=True)).to_have_value("Gate code is 4411")
    page.get_by_role("button", name="Discard it").click()
    expect(page.locator("[data-draft-notice]")).to_have_count(0)
    expect(page.get_by_label("Note", exact=True)).to_have_value("")
    assert drafts(page) == []
    page.reload()
    ready(page)
    expect(page.get_by_label("Note", exact=True)).to_have_value("")
    with live_server.ctx() as session:
        assert session.scalars(select(Note)).all() == []


def test_a_draft_already_sent_once_is_not_sent_twice(live_server, territory, page):
    """Should the page have gone between putting the write in the outbox and forgetting its
    draft, the draft comes back with the write's own id: saving it again changes nothing."""
    t = territory
    live_server.sign_in(page, t["email"])
    form = f"{live_server.url}/notes/new?account_id={t['acme']}"
    page.goto(form)
    ready(page)
    page.get_by_label("Note", exact=True).fill("Call back Thursday")
    wait_for_draft(page, "Call back Thursday")
    [(key, draft)] = page.evaluate("""() => Object.keys(localStorage)
        .filter(k => k.startsWith('groundwork-draft:')).map(k => [k, localStorage.getItem(k)])""")
    page.get_by_role("button", name="Save note").click()
    page.wait_for_url(f"**/accounts/{t['acme']}")
    wait_until_synced(page)
    page.evaluate("([key, draft]) => localStorage.setItem(key, draft)", [key, draft])

    page.goto(form)
    ready(page)
    expect(page.get_by_label("Note", exact=True)).to_have_value("Call back Thursday")
    page.get_by_role("button", name="Save note").click()
    page.wait_for_url(f"**/accounts/{t['acme']}")
    wait_until_synced(page)
    with live_server.ctx() as session:
        assert [n.body for n in session.scalars(select(Note))] == ["Call back Thursday"]


def test_signing_out_forgets_drafts_and_another_rep_never_sees_them(live_server, territory, page):
    t = territory
    with live_server.ctx():
        other = live_server.make.user("rep", name="Kim Other")
        other_email = other.email
    live_server.sign_in(page, t["email"])
    controlled(page)
    page.goto(f"{live_server.url}/notes/new")
    ready(page)
    page.get_by_label("Note", exact=True).fill("Private: the budget is 40k")
    wait_for_draft(page, "the budget is 40k")
    page.goto(live_server.url + "/more")
    page.get_by_role("button", name="Sign out", exact=True).click()
    page.wait_for_url("**/login**")
    assert drafts(page) == []

    live_server.sign_in(page, other_email)
    page.goto(f"{live_server.url}/notes/new")
    ready(page)
    expect(page.get_by_label("Note", exact=True)).to_have_value("")
    expect(page.locator("[data-draft-notice]")).to_have_count(0)


def test_someone_new_added_from_the_meeting_form_comes_back_to_it_with_the_notes_typed(
        live_server, territory, phone):
    """Logging a meeting, the rep adds a person who was there ("Add someone new"): back on the
    meeting form, for the same account, the notes and ticks from before are there and the
    person is listed and ticked. Online and offline alike."""
    t = territory
    people(live_server, t)
    page = opened_with(live_server, phone, t["email"],
                       (f"/accounts/{t['acme']}", "/contacts/new", "/meetings/new"))
    for offline, name in ((False, "Rosa Diaz"), (True, "Omar Haddad")):
        phone.set_offline(offline)
        page.goto(f"{live_server.url}/meetings/new?account_id={t['acme']}")
        ready(page)
        page.get_by_label("Notes").fill(f"Met {name} at the dock")
        page.get_by_label("Sam Okafor").check()
        page.get_by_role("link", name="Add someone new").click()
        page.wait_for_url("**/contacts/new?**")
        page.get_by_label("Name").fill(name)
        page.get_by_role("button", name="Add contact").click()
        page.wait_for_url(f"**/meetings/new?account_id={t['acme']}#contact=*")
        ready(page)
        expect(page.locator("main .picked")).to_contain_text("Acme Robotics")
        expect(page.get_by_label("Notes")).to_have_value(f"Met {name} at the dock")
        expect(page.get_by_label("Sam Okafor")).to_be_checked()
        expect(page.get_by_label(name)).to_be_checked()  # the person just added was there
        expect(page.get_by_label("Lee Park")).not_to_be_checked()
        page.get_by_role("button", name="Save meeting").click()
        page.wait_for_url(f"**/accounts/{t['acme']}")
        ready(page)
    phone.set_offline(False)
    wait_until_synced(page)
    with live_server.ctx() as session:
        meetings = session.scalars(select(Meeting).order_by(Meeting.id)).all()
        assert [(m.account_id, m.notes, sorted(m.attendees.split(", "))) for m in meetings] == [
            (t["acme"], "Met Rosa Diaz at the dock", ["Rosa Diaz", "Sam Okafor"]),
            (t["acme"], "Met Omar Haddad at the dock", ["Omar Haddad", "Sam Okafor"])]


def test_a_deal_made_from_the_meeting_form_is_the_one_the_meeting_is_about(
        live_server, territory, phone):
    """Logging a meeting, the rep makes the deal it was about ("New opportunity" under More):
    back on the meeting form, the notes are there and the new deal is chosen; the meeting lands
    linked to it. Online (an account with a deal already), and offline for an account with none
    (the deal still on the phone, named by its client id)."""
    t = territory
    with live_server.ctx() as session:
        cedar = live_server.make.account(owner=session.get(User, t["rep"]), name="Cedar Farms")
        cedar_id = cedar.id
    page = opened_with(live_server, phone, t["email"],
                       (f"/accounts/{cedar_id}", "/opportunities/new", "/meetings/new"))
    for offline, account_id, deal in ((False, t["birch"], "Birch depot 2"), (True, cedar_id, "Cedar silos")):
        phone.set_offline(offline)
        page.goto(f"{live_server.url}/meetings/new?account_id={account_id}")
        ready(page)
        page.get_by_label("Notes").fill(f"They want {deal}")
        page.locator("details.more summary").click()
        page.get_by_role("link", name="New opportunity").click()
        page.wait_for_url("**/opportunities/new?**")
        page.get_by_label("Name").fill(deal)
        page.get_by_role("button", name="Add opportunity").click()
        page.wait_for_url(f"**/meetings/new?account_id={account_id}#deal=*")
        ready(page)
        expect(page.get_by_label("Notes")).to_have_value(f"They want {deal}")
        about = page.get_by_label("About the opportunity")
        expect(about.locator("option:checked")).to_contain_text(deal)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.get_by_role("button", name="Save meeting").click()
        page.wait_for_url(f"**/accounts/{account_id}")
        ready(page)
    phone.set_offline(False)
    wait_until_synced(page)
    with live_server.ctx() as session:
        meetings = session.scalars(select(Meeting).order_by(Meeting.id)).all()
        deals = {o.id: (o.name, o.account_id) for o in session.scalars(select(Opportunity))}
        assert [(m.account_id, m.notes, *deals.get(m.opportunity_id, (None, None)))
                for m in meetings] == [
            (t["birch"], "They want Birch depot 2", "Birch depot 2", t["birch"]),
            (cedar_id, "They want Cedar silos", "Cedar silos", cedar_id)]


def test_a_deal_edit_comes_back_but_never_over_a_colleagues_newer_change(
        live_server, territory, phone):
    """On a deal's page, the amount and next step typed and not saved come back after a reload.
    A field someone else changed meanwhile shows their value, and the page says what the rep
    had typed there: an old edit never undoes a change the rep has not seen."""
    t = territory
    with live_server.ctx() as session:
        manager = live_server.make.user("manager", name="Mo Manager")
        session.get(User, t["rep"]).manager_id = manager.id
        session.commit()
        manager_id = manager.id
    page = phone.new_page()
    live_server.sign_in(page, t["email"])
    deal = f"{live_server.url}/opportunities/{t['opp_a']}"
    page.goto(deal)
    ready(page)
    page.get_by_label("Amount").fill("61000")
    page.get_by_label("Next step", exact=True).fill("Send the pilot plan to Priya")
    wait_for_draft(page, "Send the pilot plan to Priya")
    page.reload()
    ready(page)
    expect(page.get_by_label("Amount")).to_have_value("61000")
    expect(page.get_by_label("Next step", exact=True)).to_have_value("Send the pilot plan to Priya")
    expect(page.locator("[data-draft-notice]")).to_contain_text(RESTORED)

    with live_server.ctx() as session:
        with unit_of_work(session):
            update_opportunity(session, session.get(User, manager_id), session.get(Opportunity, t["opp_a"]),
                               {"next_step": "Manager: call the CFO first"}, based_on_version=1,
                               client_id=None)
    page.reload()
    ready(page)
    expect(page.get_by_label("Amount")).to_have_value("61000")
    expect(page.get_by_label("Next step", exact=True)).to_have_value("Manager: call the CFO first")
    expect(page.locator("[data-draft-notice]")).to_contain_text(
        "Next step changed since; it shows the new value (you had typed “Send the pilot plan to Priya”).")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_role("button", name="Save", exact=True).click()
    wait_until_synced(page)
    with live_server.ctx() as session:
        opp = session.get(Opportunity, t["opp_a"])
        assert (opp.amount, opp.next_step) == (Decimal("61000"), "Manager: call the CFO first")
