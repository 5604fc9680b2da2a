"""Logging a meeting: two required fields, sensible defaults, never a duplicate."""
from __future__ import annotations

import gzip
import threading
import uuid
from datetime import date, datetime

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Account, Commitment, Meeting


def _count(model, **where) -> int:
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    db.session.expire_all()
    return db.session.scalar(query)


def test_rep_logs_a_meeting_with_only_account_and_notes_and_gets_the_defaults(client, make, login, clock):
    rep = make.user("rep", timezone="America/Chicago")
    account = make.account(owner=rep)
    login(rep)

    response = client.post("/meetings/new", data={"account_id": account.id,
                                                  "notes": "They want a pilot in March."})

    assert response.status_code == 303
    assert response.headers["Location"] == f"/accounts/{account.id}#meetings"
    meeting = db.session.scalar(select(Meeting))
    assert meeting.notes == "They want a pilot in March."
    assert meeting.started_at == clock.now  # now, stored in UTC
    assert (meeting.kind, meeting.duration_minutes, meeting.engagement) == ("in_person", 30, None)
    assert meeting.user_id == rep.id
    db.session.refresh(account)
    assert account.last_touch_at == clock.now
    account_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Meeting saved." in account_page
    assert "They want a pilot in March." in account_page  # the rep sees it where they landed


def test_form_defaults_to_now_in_the_reps_time_zone_and_names_the_account(client, make, login):
    rep = make.user("rep", timezone="America/Chicago")
    account = make.account(owner=rep, name="Acme Rail")
    login(rep)

    page = client.get(f"/meetings/new?account_id={account.id}").get_data(as_text=True)

    # The clock says 15:00 UTC on Nov 23: 09:00 in Chicago.
    assert 'value="2026-11-23T09:00"' in page
    assert "Acme Rail" in page
    assert f'name="account_id" value="{account.id}"' in page
    assert 'value="in_person" checked' in page and 'value="30" checked' in page
    # Nobody met them yet: this is a first meeting.
    assert 'id="is_first_meeting" name="is_first_meeting" type="checkbox" value="y"' in page
    assert "checked" in page.split('id="is_first_meeting"')[1].split(">")[0] or \
        'checked id="is_first_meeting"' in page


def test_typed_local_time_is_stored_in_utc(client, make, login):
    rep = make.user("rep", timezone="Europe/Berlin")
    account = make.account(owner=rep)
    login(rep)
    client.post("/meetings/new", data={"account_id": account.id, "notes": "Coffee",
                                       "started_at": "2026-11-20T10:30"})
    assert db.session.scalar(select(Meeting.started_at)) == datetime(2026, 11, 20, 9, 30)


def test_full_meeting_records_commitments_attendees_and_opportunity(client, make, login):
    rep = make.user("rep")
    account = make.account(owner=rep)
    ana = make.contact(account, name="Ana Ruiz")
    opp = make.opportunity(account)
    login(rep)

    response = client.post("/meetings/new", data={
        "client_id": str(uuid.uuid4()), "account_id": account.id, "notes": "Demo went well",
        "started_at": "2026-11-23T08:00", "kind": "lunch", "duration_minutes": "90",
        "location": "Café Lou", "contact_ids": [str(ana.id)], "attendees": "their CFO",
        "engagement": "4", "their_commitment": "Send usage data", "their_due_on": "2026-12-01",
        "our_commitment": "Draft the pilot plan", "our_due_on": "2026-12-03",
        "is_first_meeting": "y", "opportunity_id": str(opp.id), "initiated_by": "them",
    })

    assert response.status_code == 303
    meeting = db.session.scalar(select(Meeting))
    assert (meeting.kind, meeting.duration_minutes, meeting.engagement) == ("lunch", 90, 4)
    assert meeting.initiated_by == "them"
    assert "they asked" in client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert meeting.attendees == "Ana Ruiz, their CFO"
    assert meeting.location == "Café Lou" and meeting.is_first_meeting
    assert meeting.opportunity_id == opp.id
    promises = {c.party: c for c in db.session.scalars(select(Commitment))}
    assert promises["theirs"].description == "Send usage data"
    assert promises["theirs"].due_on == date(2026, 12, 1)
    assert promises["ours"].due_on == date(2026, 12, 3)
    assert promises["ours"].meeting_id == meeting.id and promises["ours"].kept is None


def test_replaying_the_same_meeting_creates_it_once(client, make, login):
    rep = make.user("rep")
    account = make.account(owner=rep)
    login(rep)
    data = {"client_id": str(uuid.uuid4()), "account_id": account.id, "notes": "Once",
            "their_commitment": "Intro to the CIO"}

    first = client.post("/meetings/new", data=data)
    second = client.post("/meetings/new", data=data)

    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert _count(Meeting) == 1
    assert _count(Commitment) == 1


def test_concurrent_replays_create_one_meeting(app, make, login):
    rep = make.user("rep")
    account = make.account(owner=rep)
    clients = [login(rep, client=app.test_client()) for _ in range(4)]
    data = {"client_id": str(uuid.uuid4()), "account_id": account.id, "notes": "Race"}
    # This thread's session (the sign-ins ran in it) must not hold SQLite's write lock.
    db.session.rollback()
    statuses = []
    barrier = threading.Barrier(len(clients))

    def post(c):
        barrier.wait()
        statuses.append(c.post("/meetings/new", data=data).status_code)

    threads = [threading.Thread(target=post, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert statuses == [303] * len(clients)
    assert _count(Meeting) == 1


def test_a_lost_insert_race_returns_the_winners_meeting(app, make, monkeypatch):
    """The unique client id refuses the second of two inserts that both saw no meeting."""
    from webapp.services import meetings as service

    rep = make.user("rep")
    account = make.account(owner=rep)
    client_id = str(uuid.uuid4())
    winner = make.meeting(account, rep, uuid=client_id, notes="Winner")
    real_find = service.find_logged_meeting
    calls = []

    def find_after_the_race(session, user, cid):
        calls.append(cid)
        return None if len(calls) == 1 else real_find(session, user, cid)

    monkeypatch.setattr(service, "find_logged_meeting", find_after_the_race)
    with app.test_request_context(method="POST"):
        result = service.log_meeting(db.session, rep, account, client_id=client_id, notes="Loser")
        assert result.id == winner.id
    assert _count(Meeting) == 1


def test_client_id_of_another_users_meeting_is_refused(client, make, login):
    rep, other = make.user("rep"), make.user("rep")
    account = make.account(owner=rep)
    theirs = make.meeting(make.account(owner=other), other)
    login(rep)
    response = client.post("/meetings/new", data={"client_id": theirs.uuid,
                                                  "account_id": account.id, "notes": "x"})
    assert response.status_code == 409
    assert _count(Meeting) == 1


def test_rep_cannot_log_a_meeting_on_another_reps_account(client, make, login):
    rep, other = make.user("rep"), make.user("rep")
    theirs = make.account(owner=other)
    login(rep)
    assert client.get(f"/meetings/new?account_id={theirs.id}").status_code == 404
    assert client.get("/meetings/new?account_id=nope").status_code == 404
    response = client.post("/meetings/new", data={"account_id": theirs.id, "notes": "sneaky"})
    assert response.status_code == 404
    assert _count(Meeting) == 0


def test_manager_logs_a_meeting_on_their_reps_account(client, make, login):
    manager = make.user("manager")
    rep = make.user("rep", manager=manager)
    account = make.account(owner=rep)
    login(manager)
    response = client.post("/meetings/new", data={"account_id": account.id, "notes": "Ride-along"})
    assert response.status_code == 303
    assert _count(Meeting, user_id=manager.id) == 1


def test_bad_commitment_date_saves_nothing_and_keeps_the_input(client, make, login):
    rep = make.user("rep")
    account = make.account(owner=rep)
    login(rep)

    response = client.post("/meetings/new", data={
        "account_id": account.id, "notes": "Keep this text", "their_commitment": "Send data",
        "their_due_on": "2026-02-30"})

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Enter a real date" in page
    assert "Keep this text" in page and 'value="Send data"' in page
    assert _count(Meeting) == 0 and _count(Commitment) == 0
    db.session.refresh(account)
    assert account.last_touch_at is None


def test_missing_notes_and_account_are_explained(client, make, login):
    rep = make.user("rep")
    make.account(owner=rep, name="Zenith Labs")
    login(rep)
    response = client.post("/meetings/new", data={"notes": "   "})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Choose the account." in page
    assert "Write a few words about the meeting." in page
    assert "Zenith Labs" in page  # the picker is back


def test_meeting_in_the_future_is_refused(client, make, login):
    rep = make.user("rep", timezone="America/Chicago")
    account = make.account(owner=rep)
    login(rep)
    response = client.post("/meetings/new", data={"account_id": account.id, "notes": "Later",
                                                  "started_at": "2026-12-24T10:00"})
    assert response.status_code == 400
    assert b"log a meeting after it happened" in response.data
    assert _count(Meeting) == 0


def test_opportunity_and_contacts_must_belong_to_the_account(client, make, login):
    rep = make.user("rep")
    account, elsewhere = make.account(owner=rep), make.account(owner=rep)
    other_opp = make.opportunity(elsewhere)
    stranger = make.contact(elsewhere)
    login(rep)
    bad_opp = client.post("/meetings/new", data={"account_id": account.id, "notes": "x",
                                                 "opportunity_id": other_opp.id})
    bad_contact = client.post("/meetings/new", data={"account_id": account.id, "notes": "x",
                                                     "contact_ids": stranger.id})
    assert bad_opp.status_code == bad_contact.status_code == 400
    assert _count(Meeting) == 0


def test_rep_marks_what_they_committed_to_as_kept(client, make, login):
    rep = make.user("rep")
    account = make.account(owner=rep)
    meeting = make.meeting(account, rep)
    promise = Commitment(account_id=account.id, meeting_id=meeting.id, party="theirs",
                         description="Send usage data")
    db.session.add(promise)
    db.session.commit()
    login(rep)

    response = client.post(f"/meetings/commitments/{promise.id}",
                           data={"kept": "yes", "next": f"/accounts/{account.id}"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/accounts/{account.id}"
    db.session.refresh(promise)
    assert promise.kept is True and promise.resolved_at is not None

    # With htmx the buttons swap in place.
    fragment = client.post(f"/meetings/commitments/{promise.id}", data={"kept": "open"},
                           headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert b'class="commit-actions"' in fragment.data and b"<html" not in fragment.data
    assert b'value="yes"' in fragment.data
    db.session.refresh(promise)
    assert promise.kept is None and promise.resolved_at is None


def test_commitment_actions_never_redirect_off_site_and_hide_other_reps(client, make, login):
    rep, other = make.user("rep"), make.user("rep")
    mine = make.account(owner=rep)
    theirs = make.account(owner=other)
    for account in (mine, theirs):
        db.session.add(Commitment(account_id=account.id, party="ours", description="Call back"))
    db.session.commit()
    ours_id, theirs_id = db.session.scalars(select(Commitment.id).order_by(Commitment.id)).all()
    login(rep)
    response = client.post(f"/meetings/commitments/{ours_id}",
                           data={"kept": "no", "next": "//evil.example/"})
    assert response.headers["Location"] == f"/accounts/{mine.id}#commitments"
    assert client.post(f"/meetings/commitments/{theirs_id}", data={"kept": "no"}).status_code == 404
    assert client.post(f"/meetings/commitments/{ours_id}", data={"kept": "maybe"}).status_code == 400


def test_log_meeting_page_runs_the_same_queries_whatever_the_territory_size(client, make, login,
                                                                            count_queries):
    rep = make.user("rep")
    first = make.account(owner=rep)
    with_account = f"/meetings/new?account_id={first.id}"
    login(rep)
    with count_queries() as small:
        client.get("/meetings/new")
    with count_queries() as small_with_account:
        client.get(with_account)
    for _ in range(30):
        account = make.account(owner=rep)
        make.contact(account)
        make.opportunity(account)
    for _ in range(5):
        make.contact(first)
        make.opportunity(first)
    with count_queries() as large:
        client.get("/meetings/new")
    with count_queries() as large_with_account:
        client.get(with_account)
    assert large.count == small.count <= 4
    assert large_with_account.count == small_with_account.count <= 6


def test_log_meeting_page_stays_small_for_an_admin_with_300_accounts(client, make, login):
    admin = make.user("admin")
    rep = make.user("rep")
    db.session.add_all(Account(name=f"Northwind Logistics Holdings {n:03d}", city="Minneapolis",
                               owner_id=rep.id) for n in range(300))
    db.session.commit()
    login(admin)
    response = client.get("/meetings/new")
    assert response.status_code == 200
    assert len(gzip.compress(response.data)) <= 14 * 1024


def test_the_meeting_page_shows_what_was_said_and_closes_its_promises(client, make, login,
                                                                       count_queries):
    rep = make.user("rep", name="Dana Field")
    account = make.account(owner=rep, name="Acme Robotics")
    deal = make.opportunity(account, name="Platform deal")
    meeting = make.meeting(account, rep, notes="They want a pilot in March",
                           attendees="Cleo Park", opportunity_id=deal.id)
    few = [Commitment(account_id=account.id, meeting_id=meeting.id, party=party,
                      description=f"{party} promise {n}") for n, party in
           enumerate(("theirs", "ours"))]
    db.session.add_all(few)
    db.session.commit()
    login(rep)
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    for text in ("They want a pilot in March", "With Cleo Park", "Platform deal",
                 "They promised", "theirs promise 0", "We promised", "ours promise 1",
                 "Acme Robotics", "logged by Dana Field"):
        assert text in page, text
    assert page.count('data-outbox="commitment"') == 2
    # Linked from the account page's recent meetings.
    assert f'href="/meetings/{meeting.id}"' in client.get(f"/accounts/{account.id}").get_data(
        as_text=True)

    # Kept from the meeting page: back to it, the promise shown as kept.
    response = client.post(f"/meetings/commitments/{few[0].id}",
                           data={"kept": "yes", "next": f"/meetings/{meeting.id}"})
    assert response.headers["Location"] == f"/meetings/{meeting.id}"
    db.session.refresh(few[0])
    assert few[0].kept is True
    assert "Undo" in client.get(f"/meetings/{meeting.id}").get_data(as_text=True)

    # Bounded: the same queries with 3 promises or 60, and small.
    db.session.add_all(Commitment(account_id=account.id, meeting_id=meeting.id, party="theirs",
                                  description=f"Promise {n} " + "x" * 80) for n in range(58))
    db.session.commit()
    with count_queries() as many:
        response = client.get(f"/meetings/{meeting.id}")
    assert response.status_code == 200
    assert len(gzip.compress(response.data)) <= 14 * 1024
    with count_queries() as few_queries:
        client.get(f"/meetings/{make.meeting(account, rep).id}")
    assert many.count <= few_queries.count + 1 <= 12  # + at most the deal it was about


def test_another_reps_meeting_page_is_not_found(client, make, login):
    rep, other = make.user("rep"), make.user("rep")
    theirs = make.meeting(make.account(owner=other), other, notes="Secret")
    login(rep)
    assert client.get(f"/meetings/{theirs.id}").status_code == 404
    assert client.get("/meetings/99999999999").status_code == 404


def test_the_briefcase_keeps_meetings_with_open_promises(client, make, login):
    rep = make.user("rep")
    account = make.account(owner=rep)
    open_one, closed_one = make.meeting(account, rep), make.meeting(account, rep)
    db.session.add_all([
        Commitment(account_id=account.id, meeting_id=open_one.id, party="ours", description="A"),
        Commitment(account_id=account.id, meeting_id=closed_one.id, party="ours",
                   description="B", kept=True)])
    db.session.commit()
    login(rep)
    pages = client.get("/offline/manifest.json").get_json()["pages"]
    assert f"/meetings/{open_one.id}" in pages and f"/meetings/{closed_one.id}" not in pages


def test_who_asked_for_the_meeting_is_optional_and_checked(client, make, login):
    rep = make.user("rep")
    account = make.account(owner=rep)
    login(rep)

    page = client.get(f"/meetings/new?account_id={account.id}").get_data(as_text=True)
    assert "Who asked for it" in page and 'value="them"' in page
    plain = client.post("/meetings/new", data={
        "client_id": str(uuid.uuid4()), "account_id": account.id, "notes": "Quick coffee"})
    assert plain.status_code == 303
    assert db.session.scalar(select(Meeting)).initiated_by is None

    bad = client.post("/meetings/new", data={
        "client_id": str(uuid.uuid4()), "account_id": account.id, "notes": "Kept text",
        "initiated_by": "nobody"})
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert "Choose who asked for the meeting." in text and "Kept text" in text
    assert db.session.scalar(select(func.count(Meeting.id))) == 1
