"""Offline writes in a real Chromium: queued in the outbox, shown as pending, replayed exactly
once when the network is back, whatever happens on the way (a closed browser, a connection cut
mid-replay, a colleague's newer change, a session that expired meanwhile)."""
from __future__ import annotations

import socket
import time
from decimal import Decimal

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect
from sqlalchemy import func, select

from webapp.models import ClientWrite, Meeting, Note, Opportunity, OpportunityChange, User
from webapp.database import unit_of_work
from webapp.services.opportunities import update_opportunity


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def outbox_count(page) -> int:
    """What the phone's outbox holds; a page that is navigating (a saved write reloads it) is
    asked again once the next one has loaded."""
    for _ in range(20):
        try:
            return page.evaluate("() => window.GroundworkOutbox.count()")
        except PlaywrightError as error:
            if "context was destroyed" not in str(error) and "navigat" not in str(error):
                raise
            page.wait_for_load_state()
    raise AssertionError("the page kept navigating")


def wait_until_synced(page, timeout=30.0) -> None:
    deadline = time.monotonic() + timeout
    while outbox_count(page):
        assert time.monotonic() < deadline, page.evaluate("() => window.GroundworkOutbox.all()")
        page.wait_for_timeout(200)


def ready(page) -> None:
    """The page's outbox code (pending_view.js) has rendered the outbox into this page."""
    page.wait_for_selector("html[data-outbox-ready]", state="attached")


def controlled(page) -> None:
    """The service worker controls the page, so what is fetched from now on is kept offline."""
    page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller",
                           timeout=60_000)


def without_background_sync(context) -> None:
    """Run as a browser without Background Sync (Safari, Firefox): Playwright's offline
    emulation does not reach requests the service worker starts by itself, so a sync event
    would replay "through" the emulated outage. Replays then come from the page (load,
    `online`, visible, "Sync now"), which the emulation does cut, as a real outage does."""
    context.add_init_script(
        "if (self.SyncManager) SyncManager.prototype.register = function () {"
        " return Promise.reject(new DOMException('Background Sync is off in this test',"
        " 'NotAllowedError')); };")


@pytest.fixture
def territory(live_server):
    """A rep with two accounts and an opportunity on each."""
    with live_server.ctx():
        make = live_server.make
        rep = make.user("rep", name="Dana Field")
        acme = make.account(owner=rep, name="Acme Robotics")
        birch = make.account(owner=rep, name="Birch Logistics")
        opp_a = make.opportunity(acme, name="Acme line 2", stage="qualified",
                                 amount=Decimal("50000"))
        opp_b = make.opportunity(birch, name="Birch fleet", stage="qualified",
                                 amount=Decimal("80000"))
        return {"email": rep.email, "rep": rep.id, "acme": acme.id, "birch": birch.id,
                "opp_a": opp_a.id, "opp_b": opp_b.id}


def open_online(live_server, page, t) -> None:
    """Sign in and open what the rep will need offline (the briefcase does this for a whole
    territory; here the pages are opened one by one so the test does not depend on it)."""
    live_server.sign_in(page, t["email"])
    controlled(page)
    # As the briefcase: one copy of each form serves every account (from its saved page).
    for path in ("/", f"/accounts/{t['acme']}", f"/accounts/{t['birch']}", "/meetings/new",
                 "/notes/new", f"/opportunities/{t['opp_a']}", f"/opportunities/{t['opp_b']}",
                 "/sync/pending"):
        page.goto(live_server.url + path)
    ready(page)


def log_meeting(live_server, page, account_id, notes) -> None:
    page.goto(f"{live_server.url}/meetings/new?account_id={account_id}")
    page.get_by_label("Notes").fill(notes)
    page.get_by_role("button", name="Save meeting").click()
    page.wait_for_url(f"**/accounts/{account_id}")
    ready(page)


def add_note(live_server, page, account_id, body) -> None:
    page.goto(f"{live_server.url}/notes/new?account_id={account_id}")
    page.get_by_label("Note", exact=True).fill(body)
    page.get_by_role("button", name="Save note").click()
    page.wait_for_url(f"**/accounts/{account_id}")
    ready(page)


def change_amount(live_server, page, opportunity_id, amount) -> None:
    page.goto(f"{live_server.url}/opportunities/{opportunity_id}")
    page.get_by_label("Amount").fill(amount)
    page.get_by_role("button", name="Save", exact=True).click()
    page.locator("#outbox-opportunity li.pending").wait_for()
    ready(page)


def test_ten_offline_writes_survive_a_browser_restart_and_reach_the_server_once_each(
        live_server, territory, launch_persistent, tmp_path):
    t = territory
    profile = tmp_path / "profile"
    browser = launch_persistent(profile)
    without_background_sync(browser)
    page = browser.new_page()
    open_online(live_server, page, t)

    browser.set_offline(True)
    for i in range(5):
        log_meeting(live_server, page, t["acme"] if i % 2 == 0 else t["birch"], f"Offline meeting {i}")
    for i in range(3):
        add_note(live_server, page, t["birch"], f"Offline note {i}")
    # Pending where the rep looks: on the account page, and counted in the header.
    assert page.locator("#notes li.pending").count() == 3
    assert page.locator("#meetings li.pending").count() == 2
    change_amount(live_server, page, t["opp_a"], "61000")
    change_amount(live_server, page, t["opp_b"], "82000")
    assert page.locator("#sync-status").inner_text() == "10 unsynced"
    browser.close()

    with live_server.ctx() as session:
        assert count(session, Meeting) == count(session, Note) == 0

    browser = launch_persistent(profile)
    without_background_sync(browser)
    browser.set_offline(True)
    page = browser.new_page()
    page.goto(f"{live_server.url}/sync/pending")
    ready(page)
    assert page.locator("#outbox-list [data-outbox-entry]").count() == 10
    assert page.locator("#outbox-list [data-state=pending]").count() == 10
    page.goto(f"{live_server.url}/accounts/{t['acme']}")
    ready(page)
    assert page.locator("#meetings li.pending").count() == 3
    assert "Offline meeting 4" in page.locator("#meetings").inner_text()

    browser.set_offline(False)  # the `online` event replays the queue
    wait_until_synced(page)
    # The page redraws a moment after the outbox empties (a few times a second while replaying).
    expect(page.locator("#meetings li.pending")).to_have_count(0)
    with live_server.ctx() as session:
        meetings = session.scalars(select(Meeting.notes).order_by(Meeting.notes)).all()
        notes = session.scalars(select(Note.body).order_by(Note.body)).all()
        assert meetings == [f"Offline meeting {i}" for i in range(5)]
        assert notes == [f"Offline note {i}" for i in range(3)]
        a, b = session.get(Opportunity, t["opp_a"]), session.get(Opportunity, t["opp_b"])
        assert (a.amount, a.version, b.amount, b.version) == (61000, 2, 82000, 2)
        assert count(session, OpportunityChange) == 2
        assert count(session, ClientWrite) == 10


class CutAfterCommit:
    """WSGI middleware: the server handles the request (and commits), then the connection
    drops before the answer reaches the phone, for the first `times` matching requests."""

    def __init__(self, app, path, times=1):
        self.app, self.path, self.left = app, path, times

    def __call__(self, environ, start_response):
        if environ["REQUEST_METHOD"] == "POST" and environ["PATH_INFO"] == self.path \
                and self.left > 0:
            self.left -= 1
            for _ in self.app(environ, lambda *a, **k: None):
                pass
            sock = environ.get("werkzeug.socket")
            if sock is not None:
                sock.shutdown(socket.SHUT_RDWR)
            raise ConnectionAbortedError("connection cut after commit (test)")
        return self.app(environ, start_response)


def test_a_queue_replayed_twice_and_a_connection_cut_mid_replay_still_store_each_write_once(
        live_server, territory, phone):
    t = territory
    without_background_sync(phone)
    page = phone.new_page()
    open_online(live_server, page, t)
    phone.set_offline(True)
    for i in range(3):
        add_note(live_server, page, t["acme"], f"Note {i}")
    queued = page.evaluate("() => window.GroundworkOutbox.all()")
    assert len(queued) == 3

    # The server stores the first note, and the phone never hears back.
    live_server.app.wsgi_app = CutAfterCommit(live_server.app.wsgi_app, "/notes/new")
    phone.set_offline(False)
    outcome = page.evaluate("() => window.GroundworkOutbox.replay({force: true})")
    assert outcome["status"] == "retry"
    with live_server.ctx() as session:
        assert count(session, Note) == 1
    assert outbox_count(page) == 3  # nothing leaves the outbox unconfirmed

    # Two replayers at once (two tabs): one waits for the other; then the same queue again.
    other = phone.new_page()
    other.goto(f"{live_server.url}/sync/pending")
    page.evaluate("() => window.GroundworkOutbox.replay({force: true})")
    other.evaluate("() => window.GroundworkOutbox.replay({force: true})")
    wait_until_synced(page)
    page.evaluate("""async (entries) => {
        for (const entry of entries) {
            entry.state = 'pending';
            delete entry.seq;
            await window.GroundworkOutbox.add(entry);
        }
        return window.GroundworkOutbox.replay({force: true});
    }""", queued)
    wait_until_synced(page)
    with live_server.ctx() as session:
        assert sorted(session.scalars(select(Note.body)).all()) == ["Note 0", "Note 1", "Note 2"]


def test_signal_back_while_a_replay_is_still_finding_it_has_none_sends_at_once(
        live_server, territory, phone):
    """A replay that began with no signal is still finding that out (a slow failure) when the
    signal comes back: the replay the 'online' event asks for meanwhile gets a pass of its own,
    so the queued note goes at once instead of waiting for the next trigger."""
    t = territory
    without_background_sync(phone)
    page = phone.new_page()
    open_online(live_server, page, t)
    phone.set_offline(True)
    add_note(live_server, page, t["acme"], "Back in signal")
    assert outbox_count(page) == 1
    # The next session-token request hangs until the test lets it fail as a request with no
    # signal fails; every replay asked for is counted.
    page.evaluate("""() => {
        const outbox = window.GroundworkOutbox;
        const replay = outbox.replay;
        window.replays = 0;
        outbox.replay = (options) => { window.replays += 1; return replay(options); };
        const realFetch = window.fetch;
        window.fetch = (url, init) => {
            if (!window.failToken && String(url).includes('/sync/token')) {
                return new Promise((resolve, reject) => {
                    window.failToken = () => reject(new TypeError('Failed to fetch'));
                });
            }
            return realFetch(url, init);
        };
        outbox.replay();
    }""")
    page.wait_for_function("() => !!window.failToken")
    phone.set_offline(False)  # the page's 'online' listener asks for a replay
    page.wait_for_function("() => window.replays >= 2")
    page.evaluate("() => window.failToken()")
    wait_until_synced(page, timeout=15.0)
    with live_server.ctx() as session:
        assert session.scalars(select(Note.body)).all() == ["Back in signal"]


def test_an_opportunity_changed_meanwhile_shows_both_values_and_the_choice_is_applied(
        live_server, territory, phone):
    t = territory
    without_background_sync(phone)
    page = phone.new_page()
    open_online(live_server, page, t)
    phone.set_offline(True)
    change_amount(live_server, page, t["opp_a"], "55000")
    with live_server.ctx() as session:  # a colleague changes the same deal meanwhile
        manager = live_server.make.user("manager")
        opp = session.get(Opportunity, t["opp_a"])
        with unit_of_work(session):  # a service never commits: its caller does
            update_opportunity(session, manager, opp, {"amount": Decimal("60000")},
                               based_on_version=1, client_id=None)

    phone.set_offline(False)
    page.wait_for_selector("#sync-status a.attention")
    page.locator("#sync-status a").click()
    page.wait_for_url("**/sync/pending")
    card = page.locator("#outbox-list [data-outbox-entry]")
    card.locator("[data-state=conflict]").wait_for()
    text = card.inner_text()
    assert "55,000" in text and "60,000" in text and "50,000" in text
    with live_server.ctx() as session:
        assert session.get(Opportunity, t["opp_a"]).amount == Decimal("60000")

    card.get_by_label("Keep mine").check()
    card.get_by_role("button", name="Save my choices").click()
    wait_until_synced(page)
    assert page.url.endswith("/sync/pending")  # the rep stays on the list of pending changes
    with live_server.ctx() as session:
        opp = session.get(Opportunity, t["opp_a"])
        assert (opp.amount, opp.version) == (Decimal("55000"), 3)
        history = session.scalars(select(OpportunityChange.new_value)
                                  .order_by(OpportunityChange.version)).all()
        assert history == ["60000.00", "55000.00"]  # the colleague's change is kept in history


def test_a_session_that_expired_offline_asks_to_sign_in_and_then_drains_the_queue(
        live_server, territory, phone):
    t = territory
    without_background_sync(phone)
    page = phone.new_page()
    open_online(live_server, page, t)
    phone.set_offline(True)
    add_note(live_server, page, t["birch"], "Ask about the depot in Joliet")
    log_meeting(live_server, page, t["birch"], "Depot walk-through")
    with live_server.ctx() as session:  # "sign out everywhere" while the phone was offline
        session.get(User, t["rep"]).session_version += 1
        session.commit()

    phone.set_offline(False)
    page.get_by_role("link", name="Sign in to sync").click()
    page.wait_for_url("**/login**")
    page.get_by_label("E-mail").fill(t["email"])
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**/accounts/{t['birch']}")
    wait_until_synced(page)
    with live_server.ctx() as session:
        assert session.scalars(select(Note.body)).all() == ["Ask about the depot in Joliet"]
        assert session.scalars(select(Meeting.notes)).all() == ["Depot walk-through"]


def test_a_write_the_server_refuses_stays_editable_with_the_reps_text_and_can_be_sent_again(
        live_server, territory, phone):
    t = territory
    without_background_sync(phone)
    page = phone.new_page()
    open_online(live_server, page, t)
    phone.set_offline(True)
    page.goto(f"{live_server.url}/meetings/new?account_id={t['acme']}")
    page.get_by_label("Notes").fill("Met the dock supervisor.")
    page.get_by_text("More: when, how long").click()  # the folded fields
    page.get_by_label("Where").fill("Plant 3, loading dock")
    # A due date with nothing committed: only the server knows to refuse it (later).
    page.locator("#their_due_on").fill("2026-12-01")
    page.get_by_role("button", name="Save meeting").click()
    page.wait_for_url(f"**/accounts/{t['acme']}")

    phone.set_offline(False)
    page.wait_for_selector("#sync-status a.attention")
    page.goto(f"{live_server.url}/sync/pending")
    card = page.locator("#outbox-list [data-outbox-entry]")
    card.locator("[data-state=needs-attention]").wait_for()
    assert "Say what they committed to, or clear the date." in card.inner_text()
    assert card.get_by_label("Where").input_value() == "Plant 3, loading dock"

    card.get_by_label("They committed to").fill("Send the dock plans")
    card.get_by_role("button", name="Save meeting").click()
    wait_until_synced(page)
    with live_server.ctx() as session:
        meeting = session.scalars(select(Meeting)).one()
        assert (meeting.notes, meeting.location) == ("Met the dock supervisor.", "Plant 3, loading dock")
