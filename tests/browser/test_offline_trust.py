"""What a rep typed lands where they meant, once (issue 10): a form opened for an account keeps
it offline, Back after saving does not save twice, a rep's own queued edits of a deal never
conflict, the conflict screen says who and when, bad input is caught before anything is
queued, long text is never cut, pending changes read in the rep's words and time zone, and
the pending count shows at once after a restart without signal. 360 px phone, real Chromium,
real service worker, network really cut."""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.test_offline_writes import (add_note, change_amount, controlled, count,
                                               open_online, outbox_count, ready, territory,
                                               wait_until_synced, without_background_sync)
from webapp.models import Account, Contact, Meeting, Note, Opportunity, User
from webapp.database import unit_of_work
from webapp.services.opportunities import update_opportunity

__all__ = ["territory"]  # the fixture, shared with test_offline_writes


def badge(page) -> str:
    return page.locator("#sync-status").inner_text()


def in_view(page, selector) -> bool:
    return page.evaluate("""(sel) => { const r = document.querySelector(sel).getBoundingClientRect();
        return r.top >= 0 && r.bottom <= window.innerHeight; }""", selector)


def opened_with(live_server, phone, email, paths):
    """A page of the rep's phone, signed in, with only `paths` opened (so saved); the signal
    can then be cut for real (no Background Sync replaying through the emulated outage)."""
    without_background_sync(phone)
    page = phone.new_page()
    live_server.sign_in(page, email)
    controlled(page)
    for path in paths:
        page.goto(live_server.url + path)
    ready(page)
    return page


def offline_with(live_server, phone, email, paths):
    """A page of the rep's phone, with only `paths` opened (so saved) before the signal goes."""
    page = opened_with(live_server, phone, email, paths)
    phone.set_offline(True)
    return page


def test_a_note_started_for_an_account_offline_is_filed_under_that_account(
        live_server, territory, phone):
    t = territory
    # Only the one generic copy of the form is on the phone (no per-account copy).
    page = offline_with(live_server, phone, t["email"], ("/", f"/accounts/{t['acme']}", "/notes/new"))
    page.goto(f"{live_server.url}/notes/new?account_id={t['acme']}")
    page.locator("main h1", has_text="Acme Robotics").wait_for()
    assert page.locator("[data-unfiled]").count() == 0
    page.get_by_label("Note", exact=True).fill("Gate code is 4411")
    page.get_by_role("button", name="Save note").click()
    page.wait_for_url(f"**/accounts/{t['acme']}")
    ready(page)
    assert page.locator("#notes li.pending").count() == 1

    phone.set_offline(False)
    wait_until_synced(page)
    with live_server.ctx() as session:
        assert [(n.body, n.account_id) for n in session.scalars(select(Note))] == [
            ("Gate code is 4411", t["acme"])]


def test_a_meeting_logged_offline_from_an_account_page_has_its_people_and_deals(
        live_server, territory, phone):
    """The phone keeps one copy of the log-meeting form for every account; offline, opened from
    an account's page, it shows that account's people, open deals and first-meeting tick as the
    form does online, and the meeting lands on that account with who was there and the deal."""
    t = territory
    with live_server.ctx() as session:
        acme = session.get(Account, t["acme"])
        live_server.make.contact(acme, name="Sam Okafor")
        live_server.make.contact(acme, name="Lee Park")
    # What the briefcase keeps of these: the account's page and the one form.
    page = offline_with(live_server, phone, t["email"], ("/", f"/accounts/{t['acme']}", "/meetings/new"))
    page.goto(f"{live_server.url}/accounts/{t['acme']}")
    page.locator("main").get_by_role("link", name="Log meeting").click()
    page.wait_for_url(f"**/meetings/new?account_id={t['acme']}")
    expect(page.locator("main .picked")).to_contain_text("Acme Robotics")
    expect(page.locator("#account-choices")).to_have_count(0)  # no picker: the account is set
    expect(page.get_by_text("could not be loaded")).to_have_count(0)
    page.get_by_label("Notes").fill("Walked the line with Sam")
    page.get_by_label("Sam Okafor").check()
    expect(page.get_by_label("Lee Park")).not_to_be_checked()
    page.locator("details.more summary").click()
    expect(page.get_by_label("First meeting with this account")).to_be_checked()
    page.get_by_label("About the opportunity").select_option(label="Acme line 2 · Qualified")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    page.get_by_role("button", name="Save meeting").click()
    page.wait_for_url(f"**/accounts/{t['acme']}")
    ready(page)
    expect(page.locator("#meetings li.pending")).to_have_count(1)

    phone.set_offline(False)
    wait_until_synced(page)
    with live_server.ctx() as session:
        [meeting] = session.scalars(select(Meeting)).all()
        assert (meeting.account_id, meeting.opportunity_id, meeting.is_first_meeting,
                meeting.notes, meeting.attendees) == (
            t["acme"], t["opp_a"], True, "Walked the line with Sam", "Sam Okafor")


# On a form opened for an account, each saved account page the page's scripts read is held
# until the test releases it (window.releaseAccountPage(path)): the rep acts first.
HOLD_ACCOUNT_PAGES = """(() => {
  if (!/account_id=/.test(location.search)) return;
  const held = {};
  const real = window.fetch;
  window.fetch = (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input.url, location.href);
    if (!/^\\/accounts\\/\\d+$/.test(url.pathname)) return real(input, init);
    return new Promise(resolve => {
      (held[url.pathname] = held[url.pathname] || []).push(() => resolve(real(input, init)));
    });
  };
  window.heldAccountPages = () => Object.keys(held);
  window.releaseAccountPage = path => { (held[path] || []).forEach(go => go()); held[path] = []; };
})();"""


def test_another_account_picked_before_the_saved_page_is_read_is_where_the_meeting_goes(
        live_server, territory, phone):
    """Offline, the one saved log-meeting form opened for Acme takes Acme's parts from its saved
    page; a rep who picks Birch before that page is read keeps Birch: the meeting, its deal
    choices and the form stay Birch's."""
    t = territory
    phone.add_init_script(HOLD_ACCOUNT_PAGES)
    page = offline_with(live_server, phone, t["email"], (
        "/", f"/accounts/{t['acme']}", f"/accounts/{t['birch']}", "/meetings/new"))
    page.goto(f"{live_server.url}/meetings/new?account_id={t['acme']}")
    acme, birch = f"/accounts/{t['acme']}", f"/accounts/{t['birch']}"
    page.wait_for_function(f"() => window.heldAccountPages().includes('{acme}')")
    page.locator(f'#account-choices input[value="{t["birch"]}"]').check()
    page.wait_for_function(f"() => window.heldAccountPages().includes('{birch}')")
    page.evaluate(f"window.releaseAccountPage('{acme}')")
    page.evaluate(f"window.releaseAccountPage('{birch}')")
    expect(page.get_by_label("About the opportunity", exact=True)).to_contain_text("Birch fleet")
    expect(page.locator(f'#account-choices input[value="{t["birch"]}"]')).to_be_checked()
    expect(page.locator("main .picked")).to_have_count(0)
    page.get_by_label("Notes").fill("Met at the Birch depot")
    page.get_by_role("button", name="Save meeting").click()
    page.wait_for_url(f"**/accounts/{t['birch']}")
    ready(page)

    phone.set_offline(False)
    wait_until_synced(page)
    with live_server.ctx() as session:
        assert [(m.account_id, m.notes) for m in session.scalars(select(Meeting))] == [
            (t["birch"], "Met at the Birch depot")]


def test_a_deal_and_a_contact_added_offline_from_an_account_page_land_on_that_account(
        live_server, territory, phone):
    """The one saved copy of the new-deal and new-contact forms, opened from an account's page
    offline, is fixed to that account (named, no picker) and files what was typed there."""
    t = territory
    page = offline_with(live_server, phone, t["email"],
                        ("/", f"/accounts/{t['birch']}", "/opportunities/new", "/contacts/new"))
    page.goto(f"{live_server.url}/accounts/{t['birch']}")
    page.get_by_role("link", name="New opportunity").click()
    expect(page.locator("main .picked")).to_contain_text("Birch Logistics")
    expect(page.locator("#account-q")).to_have_count(0)
    page.get_by_label("Name").fill("Birch depot 2")
    page.get_by_role("button", name="Add opportunity").click()
    page.wait_for_url(f"**/accounts/{t['birch']}")
    ready(page)
    page.get_by_role("link", name="Add contact").click()
    expect(page.locator("main .picked")).to_contain_text("Birch Logistics")
    page.get_by_label("Name").fill("Rosa Diaz")
    page.get_by_role("button", name="Add contact").click()
    page.wait_for_url(f"**/accounts/{t['birch']}**")
    ready(page)
    assert outbox_count(page) == 2

    phone.set_offline(False)
    wait_until_synced(page)
    with live_server.ctx() as session:
        deals = session.scalars(select(Opportunity).where(Opportunity.name == "Birch depot 2")).all()
        assert [d.account_id for d in deals] == [t["birch"]]
        assert [c.account_id for c in session.scalars(select(Contact))] == [t["birch"]]


def test_an_unfiled_note_is_filed_under_an_account_offline(live_server, territory, phone):
    t = territory
    with live_server.ctx() as session:
        rep = session.get(User, t["rep"])
        note = live_server.make.note(rep, body="Ask Sam about the Q1 event")
        note_id = note.id
    without_background_sync(phone)
    page = phone.new_page()
    live_server.sign_in(page, t["email"])
    controlled(page)
    page.goto(f"{live_server.url}/accounts/{t['birch']}")
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Ask Sam about the Q1 event").click()
    page.wait_for_url(f"**/notes/{note_id}/file")
    ready(page)

    phone.set_offline(True)
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Ask Sam about the Q1 event").click()
    page.wait_for_url(f"**/notes/{note_id}/file")
    # The one account picker: type, then pick (offline, from the saved territory index).
    page.get_by_label("Account").fill("birch")
    page.get_by_role("radio", name="Birch Logistics · Chicago").check()
    page.get_by_role("button", name="File note").click()
    page.wait_for_url(f"**/accounts/{t['birch']}")
    ready(page)
    assert badge(page) == "1 unsynced"

    phone.set_offline(False)
    wait_until_synced(page)
    with live_server.ctx() as session:
        assert session.get(Note, note_id).account_id == t["birch"]


def test_back_after_saving_a_meeting_and_saving_again_makes_one_meeting(
        live_server, territory, phone):
    t = territory
    page = phone.new_page()
    live_server.sign_in(page, t["email"])
    controlled(page)
    page.goto(f"{live_server.url}/meetings/new?account_id={t['acme']}")
    ready(page)
    page.get_by_label("Notes").fill("Walked the new line with Priya")
    page.get_by_role("button", name="Save meeting").click()
    page.wait_for_url(f"**/accounts/{t['acme']}")

    page.go_back()
    page.wait_for_url("**/meetings/new?account_id=*")
    ready(page)
    if not page.get_by_label("Notes").input_value():  # the browser did not keep the text
        page.get_by_label("Notes").fill("Walked the new line with Priya")
    page.get_by_role("button", name="Save meeting").click()
    page.get_by_text("Already saved.").wait_for()
    assert page.get_by_role("button", name="Start a new one").is_visible()
    with live_server.ctx() as session:
        assert count(session, Meeting) == 1
    assert outbox_count(page) == 0


def test_offline_back_to_the_saved_copy_of_a_form_and_saving_again_makes_one_meeting(
        live_server, territory, phone):
    """The one saved copy of the form, filled from the account's page offline, keeps its id
    across Back: saved, then Back, then saved again queues and sends one meeting."""
    t = territory
    page = offline_with(live_server, phone, t["email"], ("/", f"/accounts/{t['acme']}", "/meetings/new"))
    page.goto(f"{live_server.url}/accounts/{t['acme']}")
    page.locator("main").get_by_role("link", name="Log meeting").click()
    expect(page.locator("main .picked")).to_contain_text("Acme Robotics")
    page.get_by_label("Notes").fill("Walked the new line with Priya")
    page.get_by_role("button", name="Save meeting").click()
    page.wait_for_url(f"**/accounts/{t['acme']}")
    ready(page)

    page.go_back()
    page.wait_for_url("**/meetings/new?account_id=*")
    ready(page)
    expect(page.locator("main .picked")).to_contain_text("Acme Robotics")
    if not page.get_by_label("Notes").input_value():  # the browser did not keep the text
        page.get_by_label("Notes").fill("Walked the new line with Priya")
    page.get_by_role("button", name="Save meeting").click()
    page.get_by_text("Already saved.").wait_for()
    assert outbox_count(page) == 1

    phone.set_offline(False)
    wait_until_synced(page)
    with live_server.ctx() as session:
        assert [(m.account_id, m.notes) for m in session.scalars(select(Meeting))] == [
            (t["acme"], "Walked the new line with Priya")]


def test_a_reps_two_offline_changes_to_a_deal_read_as_the_rep_made_them_and_arrive_without_conflict(
        live_server, territory, browser):
    t = territory
    with live_server.ctx() as session:
        session.get(User, t["rep"]).timezone = "Asia/Tokyo"
        session.commit()
    phone = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2,
                                is_mobile=True, has_touch=True, timezone_id="America/Chicago")
    phone.set_default_timeout(10_000)
    without_background_sync(phone)
    page = phone.new_page()
    open_online(live_server, page, t)
    phone.set_offline(True)
    change_amount(live_server, page, t["opp_a"], "61000")
    page.get_by_role("button", name="Proposal").click()
    page.wait_for_function("() => document.querySelectorAll('#outbox-opportunity li').length === 2")
    # The page shows the stage the rep set, and the pending changes in the rep's words.
    pressed = page.locator("form.stages button[aria-pressed=true]")
    assert pressed.count() == 1 and pressed.inner_text() == "Proposal"
    expect(page.locator("#pending-stage")).to_have_text("waiting to sync")
    expect(page.locator("#pending-amount")).to_have_text("waiting to sync")
    pending = page.locator("#outbox-opportunity").inner_text()
    assert "Amount: $50,000 → $61,000" in pending
    assert "Stage: Qualified → Proposal" in pending
    assert "Yes: y" not in pending and "Opportunity update" not in pending
    # Times in the rep's time zone (Tokyo), not the phone's (Chicago).
    now = datetime.now(ZoneInfo("Asia/Tokyo"))
    stamps = {f"{(now + timedelta(minutes=d)):%-I:%M %p}" for d in (-1, 0, 1)}
    assert any(stamp in pending for stamp in stamps), (pending, stamps)

    phone.set_offline(False)
    wait_until_synced(page)
    with live_server.ctx() as session:
        opp = session.get(Opportunity, t["opp_a"])
        assert (opp.amount, opp.stage, opp.version) == (Decimal("61000"), "proposal", 3)
    expect(page.locator("[data-pending-mark]")).to_have_count(0)
    phone.close()


def test_the_conflict_screen_says_who_and_when_and_the_rep_stays_on_the_list(
        live_server, territory, phone):
    t = territory
    without_background_sync(phone)
    page = phone.new_page()
    open_online(live_server, page, t)
    phone.set_offline(True)
    add_note(live_server, page, t["acme"], "Before the deal change")
    change_amount(live_server, page, t["opp_a"], "55000")
    with live_server.ctx() as session:
        manager = live_server.make.user("manager", name="Morgan Lead")
        rep = session.get(User, t["rep"])
        rep.manager_id = manager.id
        session.commit()
        with unit_of_work(session):  # a service never commits: its caller does
            update_opportunity(session, manager, session.get(Opportunity, t["opp_a"]),
                               {"amount": Decimal("60000")}, based_on_version=1,
                               client_id=None)

    page.goto(f"{live_server.url}/sync/pending")
    ready(page)
    phone.set_offline(False)
    card = page.locator("#outbox-list [data-outbox-entry]").first
    card.locator("[data-state=conflict]").wait_for()
    text = card.inner_text()
    assert "Morgan Lead changed this opportunity on" in text
    # No "Note saved." from the note replayed just before it leaks into the conflict card.
    assert "Note saved" not in text and card.locator(".screen .flash").count() == 0
    discard = card.get_by_role("button", name="Discard this change")
    assert discard.bounding_box()["height"] >= 44

    card.get_by_label("Keep mine").check()
    card.get_by_role("button", name="Save my choices").click()
    page.wait_for_function("() => !document.querySelector('#outbox-list [data-outbox-entry]')")
    assert page.url.endswith("/sync/pending")
    with live_server.ctx() as session:
        assert session.get(Opportunity, t["opp_a"]).amount == Decimal("55000")


def test_a_meeting_with_no_notes_is_caught_on_the_phone_and_nothing_is_queued(
        live_server, territory, phone):
    t = territory
    without_background_sync(phone)
    page = phone.new_page()
    open_online(live_server, page, t)
    phone.set_offline(True)
    page.goto(f"{live_server.url}/meetings/new?account_id={t['acme']}")
    ready(page)
    page.get_by_text("More: when, how long").click()  # the folded fields
    page.get_by_label("Where").fill("Plant 3")
    page.get_by_role("button", name="Save meeting").click()
    error = page.locator("#notes-error")
    error.wait_for()
    assert "Notes" in error.inner_text()
    assert page.evaluate("() => document.activeElement.name") == "notes"
    assert in_view(page, "#notes-error") and in_view(page, "#notes")
    assert outbox_count(page) == 0 and badge(page) == ""
    assert page.get_by_label("Where").input_value() == "Plant 3"  # input kept
    page.get_by_label("Notes").fill("Met the dock supervisor")
    assert page.locator("#notes-error").count() == 0
    page.get_by_role("button", name="Save meeting").click()
    page.wait_for_url(f"**/accounts/{t['acme']}")
    ready(page)
    assert badge(page) == "1 unsynced"


def test_a_form_the_server_refuses_online_shows_its_errors_and_counts_nothing_unsynced(
        live_server, territory, phone):
    t = territory
    page = phone.new_page()
    open_online(live_server, page, t)
    page.goto(f"{live_server.url}/meetings/new?account_id={t['acme']}")
    ready(page)
    page.get_by_label("Notes").fill("Talked about the spring order")
    page.get_by_text("More: when, how long").click()  # the folded fields
    page.locator("#their_due_on").fill("2026-12-01")  # a date with no commitment: server says no
    page.get_by_role("button", name="Save meeting").click()
    page.get_by_text("Say what they committed to, or clear the date.").wait_for()
    assert page.get_by_label("Notes").input_value() == "Talked about the spring order"
    assert outbox_count(page) == 0
    page.wait_for_function("() => document.querySelector('#sync-status').textContent === ''")
    page.get_by_label("They committed to").fill("Send the forecast")
    page.get_by_role("button", name="Save meeting").click()
    page.wait_for_url(f"**/accounts/{t['acme']}")
    with live_server.ctx() as session:
        assert count(session, Meeting) == 1


def test_a_long_paste_is_kept_whole_and_the_limit_is_said_before_saving(
        live_server, territory, phone):
    t = territory
    without_background_sync(phone)
    page = phone.new_page()
    open_online(live_server, page, t)
    phone.set_offline(True)
    page.goto(f"{live_server.url}/notes/new?account_id={t['acme']}")
    ready(page)
    assert page.get_by_text("Up to 50,000 characters.").is_visible()
    box = page.get_by_label("Note", exact=True)
    box.fill("a" * 60_000)
    assert len(box.input_value()) == 60_000  # nothing cut
    assert "10,000 over the limit of 50,000" in page.locator("#body-count").inner_text()
    page.get_by_role("button", name="Save note").click()
    page.locator("#body-error").wait_for()
    assert outbox_count(page) == 0 and len(box.input_value()) == 60_000
    box.fill("b" * 45_000)
    page.get_by_role("button", name="Save note").click()
    page.wait_for_url(f"**/accounts/{t['acme']}")
    phone.set_offline(False)
    wait_until_synced(page)
    with live_server.ctx() as session:
        assert [len(n.body) for n in session.scalars(select(Note))] == [45_000]


def test_after_a_restart_without_signal_the_first_page_shows_the_pending_count_at_once(
        live_server, territory, launch_persistent, tmp_path):
    t = territory
    profile = tmp_path / "profile"
    context = launch_persistent(profile)
    without_background_sync(context)
    page = context.new_page()
    open_online(live_server, page, t)
    context.set_offline(True)
    for i in range(4):
        add_note(live_server, page, t["acme"], f"Offline note {i}")
    assert badge(page) == "4 unsynced"
    context.close()

    context = launch_persistent(profile)
    without_background_sync(context)
    context.set_offline(True)
    page = context.pages[0] if context.pages else context.new_page()
    page.goto(live_server.url + "/")
    page.locator("#sync-status [data-outbox-count='4']").wait_for(timeout=3000)
    context.set_offline(False)
    wait_until_synced(page)
    with live_server.ctx() as session:
        assert count(session, Note) == 4


def test_a_deal_changed_offline_shows_the_reps_values_marked_pending_when_reopened(
        live_server, territory, phone):
    t = territory
    without_background_sync(phone)
    page = phone.new_page()
    open_online(live_server, page, t)
    phone.set_offline(True)
    opp_page = f"{live_server.url}/opportunities/{t['opp_a']}"
    page.goto(opp_page)
    ready(page)
    page.get_by_label("Amount").fill("61000")
    page.get_by_label("Next step", exact=True).fill("Send the pilot plan to Priya")
    page.get_by_label("Forecast").select_option(label="Commit")
    page.get_by_role("button", name="Save", exact=True).click()
    page.locator("#outbox-opportunity li.pending").wait_for()

    # Opened again offline: the briefcase's copy holds the old values, the page the rep's.
    page.goto(live_server.url + "/")
    page.goto(opp_page)
    ready(page)
    expect(page.get_by_label("Amount")).to_have_value("61000")
    expect(page.get_by_label("Next step", exact=True)).to_have_value("Send the pilot plan to Priya")
    expect(page.get_by_label("Forecast")).to_have_value("commit")
    expect(page.locator("[data-shows=amount]")).to_have_text("$61,000")
    marks = page.locator("[data-pending-mark]")
    expect(marks).to_have_count(3)
    expect(marks).to_have_text(["waiting to sync"] * 3)
    for name in ("amount", "next_step", "forecast_category"):
        field = page.locator(f"form.editor [name={name}]")
        assert "waiting to sync" in page.evaluate(
            "(el) => el.getAttribute('aria-describedby').split(' ').map("
            "id => document.getElementById(id).textContent).join(' ')", field.element_handle())
    assert page.get_by_label("Close date").evaluate("(el) => el.getAttribute('aria-describedby')") is None
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # A second change is described from the pending value, not the copy's old one.
    page.get_by_label("Amount").fill("65000")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_function("() => document.querySelectorAll('#outbox-opportunity li').length === 2")
    expect(page.locator("#outbox-opportunity li").nth(1)).to_contain_text("Amount: $61,000 → $65,000")
    expect(page.get_by_label("Amount")).to_have_value("65000")
    expect(page.get_by_label("Next step", exact=True)).to_have_value("Send the pilot plan to Priya")

    phone.set_offline(False)
    wait_until_synced(page)
    expect(marks).to_have_count(0)
    page.reload()
    ready(page)
    expect(page.get_by_label("Amount")).to_have_value("65000.00")
    expect(page.get_by_label("Next step", exact=True)).to_have_value("Send the pilot plan to Priya")
    expect(page.get_by_label("Forecast")).to_have_value("commit")
    expect(marks).to_have_count(0)
    with live_server.ctx() as session:
        opp = session.get(Opportunity, t["opp_a"])
        assert (opp.amount, opp.next_step, opp.forecast_category) == (
            Decimal("65000"), "Send the pilot plan to Priya", "commit")
