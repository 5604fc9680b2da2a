"""The offline replay protocol at the request level: a write carries its client UUID, a repeat
gets the original answer and changes nothing (also when two replays race), a stale opportunity
update is refused with a conflict, and CSRF accepts a replay days later in the same session
while still refusing a forgery."""
from __future__ import annotations

import re
import threading
import uuid
from decimal import Decimal

import pytest
from flask import g
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import ClientWrite, Meeting, Note, Opportunity, OpportunityChange


@pytest.fixture
def rep(make):
    return make.user("rep", name="Dana Field")


@pytest.fixture
def account(make, rep):
    return make.account(owner=rep, name="Acme Robotics")


@pytest.fixture
def check_csrf(app):
    """Call to check CSRF as in production from then on (the shared app fixture switches it
    off, and the `login` fixture signs in without a token)."""
    def _on():
        app.config["WTF_CSRF_ENABLED"] = True
    yield _on
    app.config["WTF_CSRF_ENABLED"] = False


def meeting_form(account, client_id, **extra):
    return {"account_id": str(account.id), "notes": "Walked the plant floor with ops.",
            "kind": "in_person", "duration_minutes": "30", "client_id": client_id, **extra}


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def forget_cached_token() -> None:
    """Requests made while a test holds an app context share its `g`, where Flask-WTF caches
    the last token it generated; drop it so each session gets its own, as in production."""
    g.pop("csrf_token", None)


def csrf_token(client) -> str:
    forget_cached_token()
    response = client.get("/sync/token")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    return response.get_json()["csrf_token"]


# --- idempotency ------------------------------------------------------------------------------

def test_a_replayed_meeting_is_stored_once_and_answered_like_the_first_time(client, login, rep,
                                                                            account):
    login(rep)
    key = str(uuid.uuid4())
    first = client.post("/meetings/new", data=meeting_form(account, key))
    again = client.post("/meetings/new", data=meeting_form(account, key),
                        headers={"X-Groundwork-Outbox": "1"})
    assert first.status_code == again.status_code == 303
    assert again.headers["Location"] == first.headers["Location"]
    assert f"/accounts/{account.id}" in first.headers["Location"]
    assert count(Meeting) == 1
    assert db.session.get(ClientWrite, key).kind == "meetings.new"


def test_a_replayed_note_is_stored_once(client, login, rep, account):
    login(rep)
    key = str(uuid.uuid4())
    form = {"body": "Parking is behind the loading dock.", "account_id": str(account.id),
            "client_id": key}
    answers = [client.post("/notes/new", data=form) for _ in range(3)]
    assert {a.status_code for a in answers} == {303}
    assert len({a.headers["Location"] for a in answers}) == 1
    assert count(Note) == 1


def test_two_different_writes_with_different_ids_are_both_stored(client, login, rep, account):
    login(rep)
    client.post("/meetings/new", data=meeting_form(account, str(uuid.uuid4())))
    client.post("/meetings/new", data=meeting_form(account, str(uuid.uuid4())))
    assert count(Meeting) == 2


def test_a_replayed_opportunity_update_answers_success_not_a_conflict(client, login, rep,
                                                                       account, make):
    opp = make.opportunity(account, stage="qualified")
    login(rep)
    key = str(uuid.uuid4())
    form = {"version": "1", "stage": "proposal", "client_id": key}
    first = client.post(f"/opportunities/{opp.id}", data=form)
    # By now the opportunity is at version 2: without the key this would be a stale edit.
    again = client.post(f"/opportunities/{opp.id}", data=form)
    assert first.status_code == again.status_code == 303
    assert again.headers["Location"] == first.headers["Location"]
    db.session.expire_all()
    opp = db.session.get(Opportunity, opp.id)
    assert (opp.stage, opp.version) == ("proposal", 2)
    assert count(OpportunityChange) == 1


def test_a_repeat_is_answered_even_after_the_opportunity_moved_on(client, login, rep, account,
                                                                  make):
    """The rep's update was applied, then a colleague changed the deal; the phone never got the
    answer and replays: it is told "saved", not shown a conflict with its own change."""
    opp = make.opportunity(account, stage="qualified")
    login(rep)
    key = str(uuid.uuid4())
    client.post(f"/opportunities/{opp.id}", data={"version": "1", "amount": "75000",
                                                  "client_id": key})
    client.post(f"/opportunities/{opp.id}", data={"version": "2", "amount": "90000",
                                                  "client_id": str(uuid.uuid4())})
    again = client.post(f"/opportunities/{opp.id}", data={"version": "1", "amount": "75000",
                                                          "client_id": key})
    assert again.status_code == 303
    db.session.expire_all()
    assert db.session.get(Opportunity, opp.id).amount == Decimal("90000")


def test_a_stale_opportunity_update_is_refused_with_both_values_and_not_applied(
        client, app, login, rep, account, make):
    opp = make.opportunity(account, stage="qualified", amount=Decimal("50000"))
    manager = make.user("manager")
    rep.manager_id = manager.id
    db.session.commit()
    # A colleague changed the same field while this phone was offline (the rep's own earlier
    # changes never count against them: tests/web/test_opportunities.py).
    colleague = login(manager, client=app.test_client())
    assert colleague.post(f"/opportunities/{opp.id}", data={
        "version": "1", "amount": "60000", "client_id": str(uuid.uuid4())}).status_code == 303
    login(rep)
    stale = client.post(f"/opportunities/{opp.id}", data={"version": "1", "amount": "55000",
                                                          "client_id": str(uuid.uuid4())})
    assert stale.status_code == 409
    page = stale.get_data(as_text=True)
    assert "55,000" in page and "60,000" in page and "50,000" in page
    db.session.expire_all()
    assert db.session.get(Opportunity, opp.id).amount == Decimal("60000")


def test_a_write_key_answers_only_for_the_user_who_sent_it(client, app, login, make, rep,
                                                           account):
    other = make.user("rep")
    other_account = make.account(owner=other)
    login(rep)
    key = str(uuid.uuid4())
    client.post("/meetings/new", data=meeting_form(account, key))
    thief = app.test_client()
    login(other, client=thief)
    answer = thief.post("/meetings/new", data=meeting_form(other_account, key))
    assert answer.headers.get("Location", "").find(f"/accounts/{account.id}") < 0
    assert answer.headers.get("X-Groundwork-Replay") is None
    assert count(Meeting) == 1


# --- concurrent replays (two tabs, or a tab and the service worker) ----------------------------

def _race(app, login, rep, path, data, n=2):
    clients = []
    for _ in range(n):
        c = app.test_client()
        login(rep, client=c)
        clients.append(c)
    db.session.commit()  # the test's own session holds no lock while the replays race
    barrier = threading.Barrier(n)
    answers = [None] * n

    def post(i):
        barrier.wait()
        answers[i] = clients[i].post(path, data=data)

    threads = [threading.Thread(target=post, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return answers


def test_two_concurrent_replays_of_a_meeting_store_exactly_one(app, login, rep, account):
    key = str(uuid.uuid4())
    answers = _race(app, login, rep, "/meetings/new", meeting_form(account, key), n=4)
    assert [a.status_code for a in answers] == [303] * 4
    assert len({a.headers["Location"] for a in answers}) == 1
    assert count(Meeting) == 1


def test_two_concurrent_replays_of_an_opportunity_update_apply_it_once(app, login, rep, account,
                                                                        make):
    opp = make.opportunity(account, stage="qualified")
    key = str(uuid.uuid4())
    answers = _race(app, login, rep, f"/opportunities/{opp.id}",
                    {"version": "1", "stage": "negotiation", "client_id": key}, n=4)
    assert [a.status_code for a in answers] == [303] * 4
    db.session.expire_all()
    assert db.session.get(Opportunity, opp.id).version == 2
    assert count(OpportunityChange) == 1


# --- sessions and CSRF ------------------------------------------------------------------------

def test_the_sync_token_needs_a_session_and_says_so_with_401(client):
    response = client.get("/sync/token")
    assert response.status_code == 401
    assert response.headers["Cache-Control"] == "no-store"


def test_a_replay_ten_days_later_in_the_same_session_is_accepted(client, login, rep, account,
                                                                 clock, check_csrf):
    login(rep)
    check_csrf()
    token = csrf_token(client)  # what the page had when the rep went offline
    clock.advance(days=10)
    answer = client.post("/meetings/new", data=meeting_form(account, str(uuid.uuid4()),
                                                            csrf_token=token))
    assert answer.status_code == 303
    assert count(Meeting) == 1


def test_a_forged_cross_site_write_is_refused(client, app, login, rep, account, make,
                                             check_csrf):
    login(rep)
    attacker = app.test_client()
    login(make.user("rep"), client=attacker)
    check_csrf()
    no_token = client.post("/meetings/new", data=meeting_form(account, str(uuid.uuid4())))
    foreign = client.post("/meetings/new", data=meeting_form(
        account, str(uuid.uuid4()), csrf_token=csrf_token(attacker)))
    assert no_token.status_code == foreign.status_code == 400
    assert count(Meeting) == 0


@pytest.mark.parametrize("ended_by", ["no cookie", "signed out", "signed out everywhere",
                                      "idle timeout"])
def test_a_write_from_an_ended_session_asks_to_sign_in_whatever_its_token(
        client, app, login, rep, account, clock, check_csrf, ended_by):
    """The outbox sends its queue after the session ended: 401 (sign in, then continue), not
    400 (which would park the writes as needing attention), and nothing is stored."""
    login(rep)
    other = app.test_client()
    login(rep, client=other)  # the laptop, where the rep signs out everywhere
    check_csrf()
    token = csrf_token(client)
    if ended_by == "no cookie":
        client = app.test_client()
    elif ended_by == "signed out":
        client.post("/logout", data={"csrf_token": token})
    elif ended_by == "signed out everywhere":
        other.post("/logout/everywhere", data={"csrf_token": csrf_token(other)})
    else:
        clock.advance(minutes=app.config["SESSION_IDLE_MINUTES"] + 1)
    forget_cached_token()
    for extra in ({"csrf_token": token}, {}, {"csrf_token": "forged"}):
        answer = client.post("/meetings/new", data=meeting_form(account, str(uuid.uuid4()),
                                                                **extra),
                             headers={"X-Groundwork-Outbox": "1"})
        assert answer.status_code == 401, (ended_by, extra, answer.status_code)
    assert count(Meeting) == 0


def test_a_sign_in_form_without_its_token_is_still_a_form_error(client, rep, check_csrf):
    check_csrf()
    answer = client.post("/login", data={"email": rep.email, "password": "x"})
    assert answer.status_code == 400


def test_a_repeat_without_a_valid_token_learns_nothing(client, login, rep, account, check_csrf):
    login(rep)
    check_csrf()
    key = str(uuid.uuid4())
    client.post("/meetings/new", data=meeting_form(account, key, csrf_token=csrf_token(client)))
    forged = client.post("/meetings/new", data=meeting_form(account, key))
    assert forged.status_code == 400
    assert "Location" not in forged.headers


def test_after_signing_in_again_the_replay_uses_the_new_sessions_token(client, login, rep,
                                                                       account, check_csrf):
    login(rep)
    check_csrf()
    old_token = csrf_token(client)
    client.post("/logout", data={"csrf_token": old_token})
    assert client.post("/meetings/new", data=meeting_form(
        account, str(uuid.uuid4()), csrf_token=old_token)).status_code == 401
    forget_cached_token()
    page = client.get("/login").get_data(as_text=True)
    login_token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    relogin = client.post("/login", data={"email": rep.email, "password": "correct-horse-battery",
                                "csrf_token": login_token})
    assert relogin.status_code == 303, relogin.get_data(as_text=True)[-1500:]
    stale = client.post("/meetings/new", data=meeting_form(
        account, str(uuid.uuid4()), csrf_token=old_token))
    fresh = client.post("/meetings/new", data=meeting_form(
        account, str(uuid.uuid4()), csrf_token=csrf_token(client)))
    assert stale.status_code == 400
    assert fresh.status_code == 303
    assert count(Meeting) == 1


def test_a_replayed_write_answered_with_a_screen_leaves_messages_for_the_rep(
        client, app, login, rep, account, make):
    opp = make.opportunity(account, amount=Decimal("50000"))
    manager = make.user("manager")
    rep.manager_id = manager.id
    db.session.commit()
    colleague = login(manager, client=app.test_client())
    colleague.post(f"/opportunities/{opp.id}", data={"version": "1", "amount": "60000"})
    login(rep)
    outbox = {"X-Groundwork-Outbox": "1"}
    # The outbox replays a note (its answer flashes "Note saved."), then a stale deal change.
    client.post("/notes/new", data={"body": "Replayed", "account_id": account.id,
                                    "client_id": str(uuid.uuid4())}, headers=outbox)
    conflict = client.post(f"/opportunities/{opp.id}", data={
        "version": "1", "amount": "55000", "client_id": str(uuid.uuid4())}, headers=outbox)
    assert conflict.status_code == 409
    assert "Note saved." not in conflict.get_data(as_text=True)  # not in the stored screen
    assert "Note saved." in client.get("/").get_data(as_text=True)  # the rep still sees it
