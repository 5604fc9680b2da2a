"""The meeting's own page (Chromium at 360 px): reached from the account's recent meetings and
from Today's promises, it closes what was promised at the meeting, offline too."""
from __future__ import annotations

import time

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Commitment


def test_a_promise_is_marked_kept_on_its_meeting_offline_and_syncs_once(live_server, page):
    with live_server.ctx():
        make = live_server.make
        rep = make.user("rep", name="Dana Field")
        account = make.account(owner=rep, name="Acme Robotics")
        meeting = make.meeting(account, rep, notes="They want a pilot in March",
                               attendees="Cleo Park")
        promise = Commitment(account_id=account.id, meeting_id=meeting.id, party="theirs",
                             description="Send usage data")
        db.session.add(promise)
        db.session.commit()
        email, account_id, meeting_id, promise_id = rep.email, account.id, meeting.id, promise.id
    live_server.sign_in(page, email)
    page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller",
                           timeout=60_000)
    # Today's promise leads to the meeting it was made at.
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Send usage data").click()
    page.wait_for_url(f"**/meetings/{meeting_id}")
    # So does the account page's list of recent meetings.
    page.goto(f"{live_server.url}/accounts/{account_id}")
    page.locator("#meetings a", has_text="They want a pilot in March").click()
    page.wait_for_url(f"**/meetings/{meeting_id}")
    page.get_by_text("With Cleo Park").wait_for()
    page.wait_for_selector("html[data-outbox-ready]", state="attached")

    page.context.set_offline(True)
    page.reload()
    page.get_by_role("heading", name="They promised").wait_for()
    kept = page.get_by_role("button", name="Kept: Send usage data", exact=True)
    box = kept.bounding_box()
    assert box["height"] >= 44
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    with page.expect_navigation():  # queued, then this meeting's page again (its saved copy)
        kept.click()
    page.wait_for_selector("html[data-outbox-ready]", state="attached")
    page.get_by_text("Kept · waiting to sync").wait_for()
    assert page.evaluate("() => window.GroundworkOutbox.count()") == 1
    with live_server.ctx() as session:
        assert session.get(Commitment, promise_id).kept is None

    page.context.set_offline(False)
    deadline = time.monotonic() + 30
    while page.evaluate("() => window.GroundworkOutbox.count()"):
        assert time.monotonic() < deadline
        page.wait_for_timeout(200)
    with live_server.ctx() as session:
        [row] = session.scalars(select(Commitment)).all()
        assert row.kept is True and row.resolved_at is not None
    page.goto(f"{live_server.url}/meetings/{meeting_id}")
    page.get_by_role("button", name="Undo").wait_for()
