"""Check-in and check-out in a real Chromium at 360 px, offline: two taps, then the meeting
form opens with the visit's start and length; the pending list warns that a browser tab may
lose unsent changes; back online everything reaches the server exactly once, the meeting
naming its visit."""
from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import PHONE
from tests.browser.test_offline_writes import controlled, wait_until_synced, without_background_sync
from webapp.models import CheckIn, Meeting

RESULT = re.compile(r"\d+ accounts? available offline")


@pytest.mark.briefcase
def test_check_in_and_out_offline_open_the_prefilled_meeting_and_sync_once(live_server, browser):
    # The server's clock is the phone's: the taps carry the phone's time.
    live_server.clock.set(datetime.now(UTC).replace(tzinfo=None, microsecond=0))
    with live_server.ctx():
        rep = live_server.make.user("rep", name="Dana Field", timezone="America/Chicago")
        acme = live_server.make.account(owner=rep, name="Acme Robotics", latitude=41.88,
                                        longitude=-87.63)
        email, acme_id = rep.email, acme.id
    context = browser.new_context(**PHONE, geolocation={"latitude": 41.8801, "longitude": -87.6301})
    context.set_default_timeout(15_000)
    context.grant_permissions(["geolocation"], origin=live_server.url)
    without_background_sync(context)
    page = context.new_page()
    try:
        live_server.sign_in(page, email)
        page.goto(live_server.url + "/")
        expect(page.locator("[data-briefcase-result]")).to_have_text(RESULT, timeout=60_000)
        page.goto(f"{live_server.url}/accounts/{acme_id}")
        controlled(page)

        context.set_offline(True)
        page.get_by_role("button", name="Check in").click()
        expect(page.get_by_role("button", name="Check out")).to_be_visible()
        expect(page.locator(".checked-in")).to_contain_text("Checked in")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360

        # Unsent, in a browser tab: the pending list says what could be lost.
        page.goto(live_server.url + "/sync/pending")
        expect(page.locator("[data-evict-warning]")).to_contain_text("kept only by this browser tab")
        page.goto(f"{live_server.url}/accounts/{acme_id}")  # the saved copy knows the tap
        page.get_by_role("button", name="Check out").click()

        page.wait_for_url(re.compile(r"/meetings/new\?account_id=\d+#checkin="))
        start = page.input_value("input[name=started_at]")
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d", start)
        expect(page.locator("input[name=duration_minutes]:checked")).to_have_value(re.compile(r"^[12]$"))
        expect(page.locator("[data-from-visit]")).to_contain_text("From your visit")
        page.get_by_label("Notes").fill("Walked the line with their ops lead")
        page.get_by_role("button", name="Save").first.click()
        page.wait_for_url(re.compile(rf"/accounts/{acme_id}"))

        context.set_offline(False)
        page.reload()
        wait_until_synced(page)
    finally:
        context.close()

    with live_server.ctx() as session:
        [visit] = session.scalars(select(CheckIn)).all()
        [meeting] = session.scalars(select(Meeting)).all()
        assert visit.account_id == acme_id and visit.out_at is not None and visit.out_at >= visit.in_at
        assert (round(visit.latitude, 4), round(visit.longitude, 4)) == (41.8801, -87.6301)
        assert visit.meeting_id == meeting.id
        assert meeting.notes == "Walked the line with their ops lead"
        assert meeting.duration_minutes in (1, 2)


def test_a_check_in_left_open_is_asked_about_and_left_at_opens_the_meeting(live_server, page):
    now = datetime.now(UTC).replace(tzinfo=None, second=0, microsecond=0)
    live_server.clock.set(now)
    arrived = now - timedelta(hours=2)
    with live_server.ctx() as session:
        rep = live_server.make.user("rep", name="Dana Field", timezone="UTC")
        acme = live_server.make.account(owner=rep, name="Acme Robotics")
        birch = live_server.make.account(owner=rep, name="Birch Logistics")
        session.add(CheckIn(uuid=str(uuid.uuid4()), user_id=rep.id, account_id=acme.id,
                            in_at=arrived))
        session.commit()
        email, acme_id, birch_id = rep.email, acme.id, birch.id
    live_server.sign_in(page, email)
    page.goto(f"{live_server.url}/accounts/{birch_id}")
    ask = page.locator("[data-checkin-resolve]")
    expect(ask).to_contain_text("You checked in at Acme Robotics")
    expect(page.get_by_role("button", name="Check in")).to_be_hidden()  # nothing guessed
    page.get_by_label("Left at").fill(f"{arrived + timedelta(minutes=45):%Y-%m-%dT%H:%M}")
    ask.get_by_role("button", name="Save").click()

    page.wait_for_url(re.compile(rf"/meetings/new\?account_id={acme_id}#checkin="))
    assert page.input_value("input[name=started_at]") == f"{arrived:%Y-%m-%dT%H:%M}"
    expect(page.locator("input[name=duration_minutes]:checked")).to_have_value("45")
    page.get_by_label("Notes").fill("Pricing walk-through")
    page.get_by_role("button", name="Save").first.click()
    page.wait_for_url(re.compile(rf"/accounts/{acme_id}"))
    expect(page.get_by_role("button", name="Check in")).to_be_visible()

    with live_server.ctx() as session:
        [visit] = session.scalars(select(CheckIn)).all()
        [meeting] = session.scalars(select(Meeting)).all()
        assert visit.out_at == arrived + timedelta(minutes=45) and visit.meeting_id == meeting.id
        assert meeting.duration_minutes == 45 and meeting.started_at == arrived
