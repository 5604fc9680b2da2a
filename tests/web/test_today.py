"""Today: next steps due, what prospects owe, our promises, recent accounts, notes to file."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest

from webapp.extensions import db
from webapp.models import Commitment

# The clock fixture says 2026-11-23 15:00 UTC: 09:00 in Chicago, the reps' default zone.
TODAY = date(2026, 11, 23)


def commitment(account, party, description, due_on=None, kept=None):
    row = Commitment(account_id=account.id, party=party, description=description,
                     due_on=due_on, kept=kept)
    db.session.add(row)
    db.session.commit()
    return row


def section(html: str, heading_id: str) -> str:
    """The HTML of one section of the page, by its heading's id."""
    match = re.search(rf'<section aria-labelledby="{heading_id}">(.*?)</section>', html, re.S)
    assert match, heading_id
    return match.group(1)


def test_today_offers_log_meeting_and_quick_note_first(client, make, login):
    login(make.user("rep"))
    html = client.get("/").get_data(as_text=True)
    main = html[html.index("<main"):]
    assert main.index('href="/meetings/new"') < main.index("Next steps due")
    assert main.index('href="/notes/new"') < main.index("Next steps due")


def test_next_steps_due_today_and_overdue_show_overdue_first(client, make, login):
    rep = make.user("rep")
    account = make.account(rep, name="Lakeshore Precision")
    make.opportunity(account, name="Pilot", next_step="Call the plant manager", next_step_on=TODAY)
    make.opportunity(account, name="Roll-out", next_step="Send the revised proposal",
                     next_step_on=TODAY - timedelta(days=3))
    make.opportunity(account, name="Later", next_step="Book the site visit",
                     next_step_on=TODAY + timedelta(days=1))
    make.opportunity(account, name="Won one", stage="won", next_step="Old step",
                     next_step_on=TODAY - timedelta(days=9))
    login(rep)

    due = section(client.get("/").get_data(as_text=True), "due-h")

    assert due.index("Send the revised proposal") < due.index("Call the plant manager")
    assert "Overdue · Fri Nov 20" in due
    assert "Book the site visit" not in due  # tomorrow
    assert "Old step" not in due  # closed deals have no next steps to chase
    assert "Lakeshore Precision" in due


def test_today_is_the_day_in_the_users_time_zone(client, make, login, clock):
    # 03:00 UTC on Nov 24: still Nov 23 in Chicago, already Nov 24 in Berlin.
    clock.set(datetime(2026, 11, 24, 3, 0))
    chicago = make.user("rep", timezone="America/Chicago")
    berlin = make.user("rep", timezone="Europe/Berlin")
    for rep in (chicago, berlin):
        make.opportunity(make.account(rep), next_step="Confirm the pilot site",
                         next_step_on=date(2026, 11, 24))

    login(chicago)
    assert "Confirm the pilot site" not in section(client.get("/").get_data(as_text=True), "due-h")
    login(berlin)
    assert "Confirm the pilot site" in section(client.get("/").get_data(as_text=True), "due-h")


def test_what_prospects_owe_is_listed_with_overdue_flagged(client, make, login):
    rep = make.user("rep")
    account = make.account(rep, name="Prairie Foods")
    commitment(account, "theirs", "Send last quarter's downtime numbers", TODAY - timedelta(days=2))
    commitment(account, "theirs", "Bring the CFO", TODAY + timedelta(days=4))
    commitment(account, "theirs", "Share the org chart", TODAY - timedelta(days=20), kept=True)
    commitment(account, "theirs", "Confirm the budget", TODAY - timedelta(days=20), kept=False)
    commitment(account, "ours", "Send the ROI model", TODAY)
    login(rep)

    html = client.get("/").get_data(as_text=True)
    theirs, ours = section(html, "theirs-h"), section(html, "ours-h")

    assert "Send last quarter&#39;s downtime numbers" in theirs
    assert "Overdue · Sat Nov 21" in theirs
    assert "Bring the CFO" in theirs and "Due Fri Nov 27" in theirs
    assert "Share the org chart" not in html and "Confirm the budget" not in html  # resolved
    assert "Send the ROI model" in ours and "Due today" in ours
    assert "Send the ROI model" not in theirs


def test_recently_touched_accounts_and_unfiled_notes(client, make, login):
    rep = make.user("rep")
    old = make.account(rep, name="Old Touch", last_touch_at=datetime(2026, 9, 1, 15, 0))
    new = make.account(rep, name="New Touch", last_touch_at=datetime(2026, 11, 22, 15, 0))
    make.account(rep, name="Never Touched")
    make.note(rep, body="Chamber breakfast: ops lead at a logistics firm")
    make.note(rep, new, body="Parking on the east side")
    make.note(make.user("rep"), body="Someone else's jotting")
    login(rep)

    html = client.get("/").get_data(as_text=True)
    recent, notes = section(html, "recent-h"), section(html, "notes-h")

    assert recent.index("New Touch") < recent.index("Old Touch")
    assert "Never Touched" not in recent
    assert f'href="/accounts/{old.id}"' in recent
    assert "Chamber breakfast" in notes
    assert "Parking on the east side" not in notes  # filed under an account already
    assert "Someone else" not in html


def test_rep_sees_nothing_of_another_reps_day(client, make, login):
    rep, other = make.user("rep"), make.user("rep")
    theirs = make.account(other, name="Not Yours Inc", last_touch_at=datetime(2026, 11, 23, 14, 0))
    make.opportunity(theirs, next_step="Their next step", next_step_on=TODAY)
    commitment(theirs, "theirs", "Their prospect's promise", TODAY)
    login(rep)

    html = client.get("/").get_data(as_text=True)

    assert "Not Yours Inc" not in html
    assert "Their next step" not in html
    assert "Their prospect&#39;s promise" not in html


def test_manager_sees_the_teams_day_labelled_by_rep(client, make, login):
    manager = make.user("manager")
    maya = make.user("rep", manager=manager, name="Maya Okafor")
    outsider = make.user("rep", manager=make.user("manager"), name="Other Team")
    make.opportunity(make.account(maya, name="Team Account"), next_step="Team step",
                     next_step_on=TODAY)
    make.opportunity(make.account(outsider, name="Other Team Account"), next_step="Outside step",
                     next_step_on=TODAY)
    login(manager)

    due = section(client.get("/").get_data(as_text=True), "due-h")

    assert "Team step" in due and "Maya Okafor" in due
    assert "Outside step" not in due


def test_today_answers_htmx_with_the_sections_only(client, make, login):
    login(make.user("rep"))
    response = client.get("/", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert "<html" not in html and 'id="today"' in html
    assert "HX-Request" in response.headers["Vary"]


def _fill_today(make, rep, n, today=TODAY):
    for i in range(n):
        account = make.account(rep, last_touch_at=datetime(2026, 11, 20, 12, i))
        make.opportunity(account, next_step=f"Step {i}", next_step_on=today - timedelta(days=i % 3))
        commitment(account, "theirs", f"Promise {i}", today - timedelta(days=i % 2))
        commitment(account, "ours", f"Ours {i}", today + timedelta(days=1))
        make.note(rep, body=f"Unfiled {i}")


@pytest.mark.parametrize("role", ["rep", "manager"])
def test_today_runs_the_same_number_of_queries_with_five_times_the_data(
        client, make, login, count_queries, role):
    manager = make.user("manager")
    rep = make.user("rep", manager=manager)
    login(rep if role == "rep" else manager)
    _fill_today(make, rep, 3)
    with count_queries() as small:
        assert client.get("/").status_code == 200
    _fill_today(make, rep, 12)
    with count_queries() as large:
        assert client.get("/").status_code == 200
    assert large.count == small.count, large.statements
