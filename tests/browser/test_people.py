"""People across companies and old lists in a real Chromium at 360 px: record a contact's
move with no signal and see it reach the server once; open the old list from Today and log a
touch (offline too, through the outbox)."""
from __future__ import annotations

import time
from datetime import timedelta

from playwright.sync_api import Error
from sqlalchemy import func, select

from webapp.clock import utcnow
from webapp.models import ContactPosition, KeepInTouch, Touch


def _outbox_count(page) -> int:
    """The writes waiting on the phone. A queued form goes on to its saved page afterwards:
    read the count on the page that follows, not during that navigation."""
    page.wait_for_load_state()
    page.wait_for_function("() => window.GroundworkOutbox")
    try:
        return page.evaluate("() => window.GroundworkOutbox.count()")
    except Error as error:  # the page went on while the count was read: read it on the next
        if "context was destroyed" not in str(error):
            raise
        page.wait_for_load_state()
        return page.evaluate("() => window.GroundworkOutbox.count()")


def _wait_until_synced(page, timeout=30.0) -> None:
    deadline = time.monotonic() + timeout
    while _outbox_count(page):
        assert time.monotonic() < deadline, page.evaluate("() => window.GroundworkOutbox.all()")
        page.wait_for_timeout(200)


def _wait_until_queued(page, n, timeout=15.0) -> None:
    deadline = time.monotonic() + timeout
    while _outbox_count(page) < n:
        assert time.monotonic() < deadline, "the write was not queued"
        page.wait_for_timeout(100)


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360


def test_a_contact_who_moved_is_recorded_offline_in_two_taps_and_synced_once(live_server, page):
    with live_server.ctx():
        rep = live_server.make.user("rep", name="Dana Field")
        account = live_server.make.account(owner=rep, name="Prairie Foods")
        person = live_server.make.contact(account, name="Ana Ruiz", title="VP Operations")
        email, account_id, person_id = rep.email, account.id, person.id
    live_server.sign_in(page, email)
    page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller",
                           timeout=60_000)
    # Today too: the sign-in landed on it before the worker controlled the page, so it may not
    # be saved, and the form goes on to it after the move is queued.
    for path in ("/", f"/accounts/{account_id}", "/people/move", "/people/", "/sync/pending"):
        page.goto(live_server.url + path)

    page.context.set_offline(True)
    page.goto(f"{live_server.url}/accounts/{account_id}")
    page.get_by_role("link", name="Ana Ruiz moved to another company").click()  # tap 1
    page.wait_for_url("**/people/move?*")
    assert page.get_by_label("Who moved").input_value() == "Ana Ruiz"
    _no_sideways_scroll(page)
    page.get_by_label("New company (blank: none yet)").fill("Harbor Logistics")
    page.get_by_role("button", name="Record move").click()  # tap 2 (with the company typed)
    # Queued, the form goes on to the saved Today (reading the outbox meanwhile raced with it).
    page.wait_for_url(live_server.url + "/")
    _wait_until_queued(page, 1)

    page.context.set_offline(False)
    page.evaluate("() => window.GroundworkOutbox.replay({force: true})")
    _wait_until_synced(page)
    with live_server.ctx() as session:
        positions = session.scalars(select(ContactPosition).order_by(ContactPosition.id)).all()
        assert [(p.account_id, p.company_name, p.ended_on is None) for p in positions] == [
            (account_id, "", False), (None, "Harbor Logistics", True)]
        assert session.scalar(select(KeepInTouch.contact_id)) == person_id
    page.goto(live_server.url + "/people/")
    row = page.locator(f"#person-{person_id}")
    assert "Harbor Logistics" in row.inner_text()
    _no_sideways_scroll(page)


def test_the_old_list_opens_from_today_and_a_touch_is_logged_once(live_server, page):
    with live_server.ctx() as session:
        rep = live_server.make.user("rep", name="Dana Field")
        at = utcnow() - timedelta(days=240)
        account = live_server.make.account(owner=rep, name="Quiet Mills", potential=80,
                                           last_touch_at=at, phone="+1 312 555 0100")
        live_server.make.contact(account, name="Lee Park", phone="+1 312 555 0101")
        live_server.make.meeting(account, rep, started_at=at, engagement=5, attendees="Lee Park")
        email, account_id = rep.email, account.id
    live_server.sign_in(page, email)
    page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller",
                           timeout=60_000)
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="A good day to call an old list.").click()
    page.wait_for_url("**/people/old")
    entry = page.locator(f"#old-{account_id}")
    assert "Engaged meeting" in entry.inner_text() and "Lee Park" in entry.inner_text()
    assert entry.get_by_role("link", name="Call Lee Park").get_attribute("href").startswith("tel:")
    _no_sideways_scroll(page)

    page.context.set_offline(True)
    entry.get_by_role("button", name="Log a touch with Quiet Mills").click()
    _wait_until_queued(page, 1)
    page.context.set_offline(False)
    page.evaluate("() => window.GroundworkOutbox.replay({force: true})")
    _wait_until_synced(page)
    with live_server.ctx() as session:
        assert session.scalar(select(func.count(Touch.id))) == 1
        assert session.scalar(select(Touch.account_id)) == account_id
    page.goto(live_server.url + "/people/old")
    assert page.locator(f"#old-{account_id}").count() == 0  # reached today: off the list
