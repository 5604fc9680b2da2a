"""The account page: everything a rep needs 60 seconds before walking in, and who may see it."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest

from webapp.extensions import db
from webapp.models import Commitment

TODAY = date(2026, 11, 23)  # the clock fixture's day in Chicago


def commitment(account, party, description, due_on=None, kept=None):
    db.session.add(Commitment(account_id=account.id, party=party, description=description,
                              due_on=due_on, kept=kept))
    db.session.commit()


def section(html: str, section_id: str) -> str:
    match = re.search(rf'<section id="{section_id}"[^>]*>(.*?)</section>', html, re.S)
    assert match, section_id
    return match.group(1)


@pytest.fixture
def rep(make):
    return make.user("rep", name="Maya Okafor")


@pytest.fixture
def account(make, rep):
    return make.account(rep, name="Lakeshore Precision", industry="Manufacturing",
                        segment="Enterprise", potential=82, street="233 S Wacker Dr",
                        city="Chicago", region="IL", postal_code="60606",
                        latitude=41.87888, longitude=-87.63592,
                        last_touch_at=datetime(2026, 11, 20, 20, 0))


def test_key_facts_and_directions_to_the_phones_maps_app(client, login, rep, account):
    login(rep)
    html = client.get(f"/accounts/{account.id}").get_data(as_text=True)

    assert "<h1>Lakeshore Precision</h1>" in html
    for fact in ("Prospect", "Manufacturing · Enterprise", "82 / 100", "Maya Okafor",
                 "233 S Wacker Dr, Chicago, IL, 60606", "Fri Nov 20, 2:00 PM"):
        assert fact in html, fact
    assert ('href="https://www.google.com/maps/dir/?api=1&amp;destination=41.87888,-87.63592"'
            in html)


def test_customer_shows_their_goal_and_renewal(client, make, login, rep):
    customer = make.account(rep, status="customer", renewal_on=date(2027, 3, 1),
                            customer_goal="Cut unplanned downtime by 20%")
    login(rep)
    html = client.get(f"/accounts/{customer.id}").get_data(as_text=True)
    assert "Customer · renews Mon Mar 1 2027" in html
    assert "Cut unplanned downtime by 20%" in html


def test_contacts_can_be_called_and_mailed_with_one_tap(client, make, login, rep, account):
    make.contact(account, name="Derek Haddad", title="CFO", phone="(312) 555-0154",
                 email="derek.haddad@lakeshore.example", attention="Peer references",
                 previous_companies="Prairie Foods")
    make.contact(account, name="No Phone", email="")
    login(rep)

    contacts = section(client.get(f"/accounts/{account.id}").get_data(as_text=True), "contacts")

    assert 'href="tel:+13125550154"' in contacts
    assert 'href="mailto:derek.haddad@lakeshore.example"' in contacts
    assert 'aria-label="Call Derek Haddad, (312) 555-0154"' in contacts
    assert "CFO" in contacts and "Peer references" in contacts
    assert "Before: Prairie Foods" in contacts
    assert contacts.count('href="tel:') == 1  # no empty tap targets


def test_open_opportunities_with_next_steps_link_to_the_opportunity(client, make, login, rep,
                                                                     account):
    open_deal = make.opportunity(account, name="Line 3 Pilot", stage="proposal", qualified=True,
                                 amount=120000, close_on=date(2027, 1, 31),
                                 next_step="Send the revised proposal",
                                 next_step_on=TODAY - timedelta(days=1))
    make.opportunity(account, name="Old Win", stage="won")
    make.opportunity(account, name="Old Loss", stage="lost")
    login(rep)

    opps = section(client.get(f"/accounts/{account.id}").get_data(as_text=True), "opportunities")

    assert f'href="/opportunities/{open_deal.id}"' in opps
    assert "Proposal · $120,000 · closes Sun Jan 31 2027 · qualified" in opps
    assert "Next: Send the revised proposal · Sun Nov 22" in opps and "Next step overdue" in opps
    assert "Old Win" not in opps and "Old Loss" not in opps


def test_recent_meetings_in_the_users_time_zone_and_notes(client, make, login, rep, account):
    make.meeting(account, rep, started_at=datetime(2026, 11, 20, 15, 30), kind="lunch",
                 duration_minutes=90, engagement=4, attendees="Derek Haddad, Ana Ruiz",
                 notes="They track downtime on a whiteboard.", is_first_meeting=True)
    make.meeting(account, rep, started_at=datetime(2026, 10, 1, 14, 0), notes="Earlier chat")
    make.note(rep, account, body="Parking garage on the east side")
    login(rep)

    html = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    meetings, notes = section(html, "meetings"), section(html, "notes")

    assert meetings.index("They track downtime") < meetings.index("Earlier chat")
    assert "Lunch · Fri Nov 20, 9:30 AM" in meetings  # 15:30 UTC is 09:30 in Chicago
    assert "90 min · engagement 4/5 · first meeting" in meetings
    assert "With Derek Haddad, Ana Ruiz" in meetings
    assert "Parking garage on the east side" in notes


def test_open_commitments_of_both_sides(client, login, rep, account):
    commitment(account, "theirs", "Send the downtime numbers", TODAY - timedelta(days=2))
    commitment(account, "ours", "Send the ROI model", TODAY + timedelta(days=3))
    commitment(account, "theirs", "Already done", TODAY - timedelta(days=9), kept=True)
    login(rep)

    open_ = section(client.get(f"/accounts/{account.id}").get_data(as_text=True), "commitments")

    assert open_.index("They promised") < open_.index("Send the downtime numbers") \
        < open_.index("We promised") < open_.index("Send the ROI model")
    assert "Overdue · Sat Nov 21" in open_ and "Due Thu Nov 26" in open_
    assert "Already done" not in open_


def test_log_meeting_and_quick_note_start_from_this_account(client, login, rep, account):
    login(rep)
    html = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert f'href="/meetings/new?account_id={account.id}"' in html
    assert f'href="/notes/new?account_id={account.id}"' in html


def test_rep_cannot_open_another_reps_account(client, make, login, rep):
    other = make.account(make.user("rep"), name="Not Yours")
    login(rep)
    response = client.get(f"/accounts/{other.id}")
    assert response.status_code == 404
    assert b"Not Yours" not in response.data
    assert client.get("/accounts/999999").status_code == 404


def test_manager_opens_their_reps_accounts_but_not_another_teams(client, make, login):
    manager = make.user("manager")
    team_account = make.account(make.user("rep", manager=manager), name="Team")
    other_account = make.account(make.user("rep", manager=make.user("manager")), name="Other")
    login(manager)
    assert client.get(f"/accounts/{team_account.id}").status_code == 200
    assert client.get(f"/accounts/{other_account.id}").status_code == 404


def test_admin_opens_any_account(client, make, login):
    accounts = [make.account(make.user("rep")), make.account(None)]
    login(make.user("admin"))
    for account in accounts:
        assert client.get(f"/accounts/{account.id}").status_code == 200


def _fill_account(make, account, rep, n):
    for i in range(n):
        make.contact(account, phone=f"(312) 555-01{i:02d}", email=f"c{i}@x.example")
        make.opportunity(account, next_step=f"Step {i}", next_step_on=TODAY)
        make.meeting(account, rep, started_at=datetime(2026, 11, 1, 15, i))
        make.note(rep, account, body=f"Note {i}")
        commitment(account, "theirs" if i % 2 else "ours", f"Promise {i}", TODAY)


def test_account_page_runs_the_same_number_of_queries_with_five_times_the_data(
        client, make, login, count_queries, rep, account):
    login(rep)
    _fill_account(make, account, rep, 3)
    with count_queries() as small:
        assert client.get(f"/accounts/{account.id}").status_code == 200
    _fill_account(make, account, rep, 12)
    with count_queries() as large:
        assert client.get(f"/accounts/{account.id}").status_code == 200
    assert large.count == small.count, large.statements


def test_an_account_id_too_large_for_the_database_is_a_404_not_a_500(client, make, login):
    rep = make.user("rep")
    login(rep)
    assert client.get("/accounts/1099511627776").status_code == 404
    assert client.get("/opportunities/99999999999").status_code == 404
