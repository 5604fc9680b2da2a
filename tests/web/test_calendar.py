"""Calendar in and out (issue 15): a rep's calendar, read from its private address (a local
HTTP server here) or an uploaded file, makes meeting drafts on Today that are theirs alone;
one tap confirms (the meeting form, prefilled), one dismisses for good; the address is never
shown back; bad and huge files get a clear message."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.support.calendar_feed import feed_app, sample_calendar
from tests.support.server import serving
from webapp.extensions import db
from webapp.models import CalendarFeed, Meeting, MeetingDraft

HX = {"HX-Request": "true"}
SECRET_PATH = "/calendar/ical/rep.ourco.com/private-5e3c7a9d1f/basic.ics"


@pytest.fixture
def team(make, clock):
    rep = make.user("rep", email="rep@ourco.com", timezone="America/Chicago")
    other = make.user("rep", email="other@ourco.com")
    globex = make.account(owner=rep, name="Globex")
    make.contact(globex, name="Kim Ødegård", email="kim@globex.io")
    acme = make.account(owner=rep, name="Acme Corp", website="https://www.acme.com")
    initech = make.account(owner=rep, name="Initech")
    text = sample_calendar(clock.now, contact_email="kim@globex.io", domain="acme.com",
                           account_name="Initech", own_email="rep@ourco.com")
    return {"rep": rep, "other": other, "globex": globex, "acme": acme, "initech": initech,
            "ics": text.encode()}


@pytest.fixture
def feed_server(team):
    files = {SECRET_PATH: team["ics"], "/huge.ics": b"BEGIN:VCALENDAR\r\n" + b"X" * (2 * 1024 * 1024)}
    with serving(feed_app(files)) as base:
        yield base


def _drafts() -> list[MeetingDraft]:
    db.session.expire_all()
    return list(db.session.scalars(select(MeetingDraft).order_by(MeetingDraft.starts_at)))


def _connect(client, address):
    return client.post("/calendar/address", data={"address": address})


def test_a_connected_calendar_becomes_drafts_on_today_matched_to_accounts(
        client, login, team, feed_server, clock):
    login(team["rep"])
    response = _connect(client, feed_server + SECRET_PATH)
    assert response.status_code == 303
    drafts = _drafts()
    # the weekly sync three times (with Kim), the intro call (acme.com), the site visit (name)
    assert [(d.account_id, d.matched_by) for d in drafts] == [
        (team["initech"].id, "account name"), (team["globex"].id, "attendee e-mail"),
        (team["acme"].id, "e-mail domain"), (team["globex"].id, "attendee e-mail"),
        (team["globex"].id, "attendee e-mail")]
    assert drafts[1].attendees == "Kim Ødegård" and drafts[1].duration_minutes == 45
    today = client.get("/calendar/drafts", headers=HX).get_data(as_text=True)
    assert "From your calendar" in today
    assert today.count("Confirm</a>") == 3  # what already happened (or today), not next week
    assert "Weekly sync" in today and "Intro call" in today and "Site visit" in today
    assert "Dentist" not in today
    assert 'hx-get="/calendar/drafts"' in client.get("/").get_data(as_text=True)
    assert db.session.scalar(select(func.count(Meeting.id))) == 0  # nothing logged by itself


def test_the_calendar_address_is_stored_encrypted_and_never_shown(
        client, login, team, feed_server):
    login(team["rep"])
    _connect(client, feed_server + SECRET_PATH)
    [feed] = db.session.scalars(select(CalendarFeed))
    assert "private-5e3c7a9d1f" not in feed.url_encrypted
    assert feed.url_hint == "127.0.0.1…"
    pages = ["/", "/calendar", "/more", f"/accounts/{team['globex'].id}"]
    for path in pages:
        body = client.get(path).get_data(as_text=True)
        assert "private-5e3c7a9d1f" not in body, path
    assert "127.0.0.1…" in client.get("/calendar").get_data(as_text=True)
    client.post("/calendar/disconnect")
    db.session.expire_all()
    assert db.session.scalar(select(CalendarFeed.url_encrypted)) is None


def test_a_rep_confirms_a_draft_in_the_prefilled_meeting_form_once(
        client, login, team, feed_server):
    login(team["rep"])
    _connect(client, feed_server + SECRET_PATH)
    weekly = _drafts()[1]
    form = client.get(f"/meetings/new?draft={weekly.id}").get_data(as_text=True)
    assert f'name="account_id" value="{team["globex"].id}"' in form
    assert f'value="{weekly.meeting_uuid}"' in form
    assert 'value="Kim Ødegård"' in form
    assert "data-now" not in form  # the calendar's time, not moved to "now" by the page
    local = (weekly.starts_at - timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M")  # Chicago, CST
    assert local in form
    data = {"account_id": team["globex"].id, "client_id": weekly.meeting_uuid,
            "notes": "Went through the roll-out plan.", "started_at": local,
            "duration_minutes": 45, "attendees": "Kim Ødegård", "kind": "in_person"}
    assert client.post("/meetings/new", data=data).status_code == 303
    assert client.post("/meetings/new", data=data).status_code == 303  # sent twice
    [meeting] = db.session.scalars(select(Meeting))
    assert (meeting.started_at, meeting.duration_minutes) == (weekly.starts_at, 45)
    today = client.get("/calendar/drafts", headers=HX).get_data(as_text=True)
    assert "Weekly sync" not in today and today.count("Confirm</a>") == 2
    client.post("/calendar/sync")
    assert len(_drafts()) == 5  # the same occurrences are never drafted again


def test_a_dismissed_draft_never_comes_back(client, login, team, feed_server):
    login(team["rep"])
    _connect(client, feed_server + SECRET_PATH)
    site_visit = _drafts()[0]
    answer = client.post(f"/calendar/drafts/{site_visit.id}/dismiss", headers=HX)
    assert answer.status_code == 200 and "Site visit" not in answer.get_data(as_text=True)
    assert client.post("/calendar/sync").status_code == 303
    assert "Site visit" not in client.get("/calendar/drafts", headers=HX).get_data(as_text=True)
    assert [d.status for d in _drafts()].count("dismissed") == 1


def test_a_reps_calendar_and_drafts_are_theirs_alone(client, login, team, feed_server, make):
    login(team["rep"])
    _connect(client, feed_server + SECRET_PATH)
    draft = _drafts()[1]
    manager = make.user("manager")
    for intruder in (team["other"], manager):
        client.post("/logout")
        login(intruder)
        assert "Weekly sync" not in client.get("/calendar/drafts", headers=HX).get_data(as_text=True)
        assert "127.0.0.1" not in client.get("/calendar").get_data(as_text=True)
        assert client.get(f"/meetings/new?draft={draft.id}").status_code == 404
        assert client.get(f"/calendar/drafts/{draft.id}.ics").status_code == 404
        assert client.post(f"/calendar/drafts/{draft.id}/dismiss").status_code == 404
        assert client.post("/calendar/sync").status_code == 303  # their own (none): a message
    assert _drafts()[1].status == "open"


def test_an_uploaded_ics_file_makes_drafts_too(client, login, team):
    login(team["rep"])
    from io import BytesIO
    answer = client.post("/calendar/upload", data={
        "calendar_file": (BytesIO(team["ics"]), "calendar.ics")},
        content_type="multipart/form-data")
    assert answer.status_code == 303
    assert "5 new meeting drafts" in client.get("/calendar").get_data(as_text=True)


@pytest.mark.parametrize("body, status, message", [
    (b"this is not a calendar", 400, "not an iCalendar (.ics) file"),
    (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:notadate\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
     400, "calendar"),
    (b"BEGIN:VCALENDAR\r\n" + b"X" * (2 * 1024 * 1024), 413, "larger than 2 MB"),
])
def test_a_bad_or_huge_ics_upload_gets_a_clear_message_next_to_the_field(
        client, login, team, body, status, message):
    login(team["rep"])
    from io import BytesIO
    answer = client.post("/calendar/upload", data={"calendar_file": (BytesIO(body), "x.ics")},
                         content_type="multipart/form-data")
    page = answer.get_data(as_text=True)
    assert answer.status_code == status
    assert 'class="error" id="calendar_file-error"' in page and message in page
    assert _drafts() == []


def test_a_huge_or_missing_calendar_address_is_refused_with_a_message(
        client, login, team, feed_server):
    login(team["rep"])
    _connect(client, feed_server + "/huge.ics")
    page = client.get("/calendar").get_data(as_text=True)
    assert "larger than 2 MB" in page
    _connect(client, feed_server + "/gone.ics")
    assert "refused the address" in client.get("/calendar").get_data(as_text=True)
    answer = _connect(client, "ftp://example.com/x.ics")
    assert answer.status_code == 400 and "starting with https://" in answer.get_data(as_text=True)
    assert _drafts() == []


def test_cron_reads_every_connected_calendar(app, client, login, team, feed_server):
    login(team["rep"])
    _connect(client, feed_server + SECRET_PATH)
    db.session.execute(MeetingDraft.__table__.delete())
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["calendars", "sync"])
    assert result.exit_code == 0, result.output
    assert "Read 1 calendar, 0 failed; 5 new meeting drafts." in result.output
    again = app.test_cli_runner().invoke(args=["calendars", "sync"])
    assert "0 new meeting drafts" in again.output


def test_add_to_my_calendar_for_a_meeting_and_a_next_step(client, login, make, team):
    from datetime import date, datetime
    rep = team["rep"]
    meeting = make.meeting(team["globex"], rep, started_at=datetime(2026, 11, 20, 14, 0),
                           duration_minutes=60, attendees="Kim Ødegård")
    deal = make.opportunity(team["globex"], next_step="Send the quote",
                            next_step_on=date(2026, 11, 26))
    login(rep)
    answer = client.get(f"/calendar/meetings/{meeting.id}.ics")
    body = answer.get_data(as_text=True)
    assert answer.mimetype == "text/calendar" and "attachment" in answer.headers["Content-Disposition"]
    assert "DTSTART:20261120T140000Z" in body and "DTEND:20261120T150000Z" in body
    assert "Kim Ødegård" in body
    step = client.get(f"/calendar/opportunities/{deal.id}/next-step.ics").get_data(as_text=True)
    assert "DTSTART;VALUE=DATE:20261126" in step and "Send the quote (Globex)" in step
    page = client.get(f"/accounts/{team['globex'].id}").get_data(as_text=True)
    assert f"/calendar/opportunities/{deal.id}/next-step.ics" in page
    client.post("/logout")
    login(team["other"])
    assert client.get(f"/calendar/meetings/{meeting.id}.ics").status_code == 404
    assert client.get(f"/calendar/opportunities/{deal.id}/next-step.ics").status_code == 404


def test_the_demo_rep_has_two_meeting_drafts_from_an_uploaded_calendar(app, client):
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    client.post("/login", data={"email": "rep1@example.com", "password": "groundwork-demo"})
    today = client.get("/calendar/drafts", headers=HX).get_data(as_text=True)
    assert today.count("Confirm</a>") == 2
    assert "Quarterly review" in today and "Site visit" in today and "Dentist" not in today


def test_a_meeting_logged_at_the_events_time_from_the_plain_form_retires_its_draft(
        client, login, team, feed_server, make):
    login(team["rep"])
    _connect(client, feed_server + SECRET_PATH)
    site_visit = _drafts()[0]
    make.meeting(team["initech"], team["rep"], started_at=site_visit.starts_at)
    assert "Site visit" not in client.get("/calendar/drafts", headers=HX).get_data(as_text=True)
