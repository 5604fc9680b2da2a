"""Check-in / check-out on an account: two taps make a visit, the meeting form opens with its
time and length, an open check-in is asked about (never closed by guessing), and a check-in
is its rep's alone."""
from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import CheckIn


def _checkins() -> list[CheckIn]:
    db.session.expire_all()
    return list(db.session.scalars(select(CheckIn).order_by(CheckIn.id)))


def _iso(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def test_check_in_then_out_opens_the_meeting_form_with_the_visit_filled_in(client, make, login, clock):
    rep = make.user("rep", timezone="UTC")
    account = make.account(owner=rep)
    login(rep)
    page = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert "Check in</button>" in page

    visit = str(uuid.uuid4())
    arrived = clock.now - timedelta(minutes=50)
    response = client.post("/checkins/in", data={
        "client_id": visit, "account_id": account.id, "at": _iso(arrived),
        "latitude": "41.8781", "longitude": "-87.6298"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/accounts/{account.id}#checkin"
    page = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert f'data-open-id="{visit}"' in page and "Check out</button>" in page

    response = client.post("/checkins/out", data={"client_id": str(uuid.uuid4()), "checkin": visit,
                                                  "at": _iso(clock.now)})
    assert response.status_code == 303
    assert response.headers["Location"] == (
        f"/meetings/new?account_id={account.id}#checkin={visit}"
        f"&start={arrived:%Y-%m-%dT%H:%M}&minutes=50")
    [checkin] = _checkins()
    assert (checkin.in_at, checkin.out_at, checkin.latitude) == (arrived, clock.now, 41.8781)

    # The meeting logged from the visit names it.
    client.post("/meetings/new", data={"account_id": account.id, "notes": "Demo went well",
                                       "checkin": visit, "duration_minutes": 50})
    assert _checkins()[0].meeting_id is not None


def test_a_replayed_check_in_is_one_visit(client, make, login):
    rep = make.user("rep")
    account = make.account(owner=rep)
    login(rep)
    data = {"client_id": str(uuid.uuid4()), "account_id": account.id, "at": ""}
    assert client.post("/checkins/in", data=data).status_code == 303
    assert client.post("/checkins/in", data=data).status_code == 303
    assert len(_checkins()) == 1


def test_an_open_check_in_is_asked_about_and_never_closed_by_guessing(client, make, login, clock):
    rep = make.user("rep", timezone="UTC")
    first, second = make.account(owner=rep, name="Acme"), make.account(owner=rep, name="Globex")
    login(rep)
    visit = str(uuid.uuid4())
    client.post("/checkins/in", data={"client_id": visit, "account_id": first.id})
    clock.advance(hours=3)
    page = client.get(f"/accounts/{second.id}").get_data(as_text=True)
    assert "did not check out. What happened?" in page and "<b data-open-name>Acme</b>" in page
    # Another check-in does not close the open one.
    client.post("/checkins/in", data={"client_id": str(uuid.uuid4()), "account_id": second.id})
    assert [c.out_at for c in _checkins()] == [None, None]

    left = clock.now - timedelta(hours=2)
    response = client.post("/checkins/resolve", data={
        "client_id": str(uuid.uuid4()), "checkin": visit, "outcome": "left",
        "left_at": f"{left:%Y-%m-%dT%H:%M}"})
    assert response.status_code == 303 and "minutes=60" in response.headers["Location"]
    assert _checkins()[0].out_at == left

    other = _checkins()[1].uuid
    response = client.post("/checkins/resolve", data={
        "client_id": str(uuid.uuid4()), "checkin": other, "outcome": "discard",
        "next": f"/accounts/{second.id}"})
    assert response.status_code == 303 and response.headers["Location"] == f"/accounts/{second.id}"
    assert _checkins()[1].discarded_at is not None and _checkins()[1].out_at is None


def test_a_check_in_twelve_hours_old_is_asked_about_on_its_own_account(client, make, login, clock):
    rep = make.user("rep")
    account = make.account(owner=rep)
    login(rep)
    client.post("/checkins/in", data={"client_id": str(uuid.uuid4()), "account_id": account.id})
    clock.advance(hours=13)
    page = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert 'data-checkin-out hidden' in page and "What happened?" in page


def test_another_reps_account_and_check_in_are_not_found(client, make, login):
    rep, other = make.user("rep"), make.user("rep")
    theirs = make.account(owner=other)
    login(other)
    visit = str(uuid.uuid4())
    client.post("/checkins/in", data={"client_id": visit, "account_id": theirs.id})
    login(rep)
    assert client.post("/checkins/in", data={"client_id": str(uuid.uuid4()),
                                             "account_id": theirs.id}).status_code == 404
    assert client.post("/checkins/out", data={"client_id": str(uuid.uuid4()),
                                              "checkin": visit}).status_code == 404
    assert client.post("/checkins/resolve", data={"client_id": str(uuid.uuid4()), "checkin": visit,
                                                  "outcome": "discard"}).status_code == 404
    assert _checkins()[0].discarded_at is None


def test_bad_taps_get_a_clear_message_never_a_500(client, make, login, clock):
    rep = make.user("rep", timezone="UTC")
    account = make.account(owner=rep)
    login(rep)
    cases = [
        {"account_id": account.id, "at": "yesterday-ish"},
        {"account_id": account.id, "at": _iso(clock.now + timedelta(days=2))},
        {"account_id": account.id, "latitude": "91", "longitude": "0"},
        {"account_id": account.id, "latitude": "nan", "longitude": "0"},
        {"account_id": account.id, "latitude": "45"},
        {"account_id": ""},
    ]
    for data in cases:
        response = client.post("/checkins/in", data={"client_id": str(uuid.uuid4()), **data})
        assert response.status_code == 400, data
        assert "Check-in not saved" in response.get_data(as_text=True)
    assert client.post("/checkins/in", data={"account_id": "x" * 36}).status_code == 404
    assert _checkins() == []

    visit = str(uuid.uuid4())
    client.post("/checkins/in", data={"client_id": visit, "account_id": account.id})
    early = clock.now - timedelta(hours=1)
    response = client.post("/checkins/resolve", data={
        "checkin": visit, "outcome": "left", "left_at": f"{early:%Y-%m-%dT%H:%M}"})
    assert response.status_code == 400
    assert "Leaving comes after arriving" in response.get_data(as_text=True)
    response = client.post("/checkins/resolve", data={"checkin": visit, "outcome": "left"})
    assert response.status_code == 400 and "When did you leave?" in response.get_data(as_text=True)
    assert _checkins()[0].out_at is None
