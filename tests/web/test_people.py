"""People across companies (keep in touch, moves) and old lists: access, moves, bad input."""
from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import ContactPosition, DealClosure, KeepInTouch, OldListMark, Touch


def _cid() -> str:
    return str(uuid.uuid4())


def _move(client, contact, **data):
    return client.post("/people/move", data={"contact_id": contact.id, "client_id": _cid(), **data})


def test_a_move_to_another_reps_account_keeps_the_person_and_shows_on_both_sides(client, make, login):
    ana_rep, bea = make.user("rep", name="Ana Rep"), make.user("rep", name="Bea Rep")
    old = make.account(owner=ana_rep, name="Prairie Foods")
    new = make.account(owner=bea, name="Harbor Logistics")
    person = make.contact(old, name="Ana Ruiz", title="VP Operations", phone="+1 312 555 0101")
    make.meeting(old, ana_rep, attendees="Ana Ruiz")
    login(ana_rep)
    form = client.get(f"/people/move?contact_id={person.id}").get_data(as_text=True)
    assert 'value="Ana Ruiz"' in form and 'data-outbox="move"' in form

    # Bea's account: Ana Rep cannot open it, but the person joins it (typed, exactly one).
    response = _move(client, person, company="harbor logistics", title="COO", champion="y")
    assert response.status_code == 303 and response.headers["Location"].startswith("/people/")
    page = client.get("/people/").get_data(as_text=True)
    assert "Ana Ruiz" in page and "Harbor Logistics" in page and "Champion" in page
    assert "Ana Ruiz" not in client.get(f"/accounts/{old.id}").get_data(as_text=True).split(
        'id="contacts-h"')[1].split("</section>")[0]
    assert f"/accounts/{new.id}" not in page
    db.session.expire_all()
    assert [(p.company_name, p.account_id, p.ended_on is None) for p in db.session.scalars(
        select(ContactPosition).order_by(ContactPosition.id))] == [
        ("", old.id, False), ("", new.id, True)]
    assert client.get(f"/accounts/{new.id}").status_code == 404
    login(bea)
    page = client.get(f"/accounts/{new.id}").get_data(as_text=True)
    assert "Ana Ruiz joined from Prairie Foods" in page and "Known to Ana Rep" in page
    # A company nobody has is kept as a name.
    login(ana_rep)
    assert _move(client, person, company="Nowhere Yet Ltd").status_code == 303
    assert "Nowhere Yet Ltd" in client.get("/people/").get_data(as_text=True)


def test_a_move_to_a_visible_account_is_seen_by_its_owner_with_who_knows_them(client, make, login):
    manager = make.user("manager", name="Mia Manager")
    rep = make.user("rep", manager=manager, name="Ray Rep")
    old, new = make.account(owner=rep, name="Old Co"), make.account(owner=rep, name="New Co")
    person = make.contact(old, name="Ana Ruiz")
    login(rep)
    choices = client.get("/people/companies?company=New").get_data(as_text=True)
    assert f'value="{new.id}"' in choices
    assert _move(client, person, company="", account_id=new.id).status_code == 303
    db.session.expire_all()
    assert db.session.get(type(person), person.id).account_id == new.id
    page = client.get(f"/accounts/{new.id}").get_data(as_text=True)
    assert "Ana Ruiz joined from Old Co" in page and "Known to Ray Rep" in page


def test_a_move_to_no_company_yet_and_a_replay_record_it_once(client, make, login):
    rep = make.user("rep")
    person = make.contact(make.account(owner=rep), name="Sam Lee")
    login(rep)
    data = {"contact_id": person.id, "client_id": _cid()}
    assert client.post("/people/move", data=data).status_code == 303
    assert client.post("/people/move", data=data).status_code == 303
    assert len(list(db.session.scalars(select(ContactPosition)))) == 2
    assert "No company yet" in client.get("/people/").get_data(as_text=True)


def test_bad_move_input_is_answered_next_to_the_field(client, make, login, clock):
    rep = make.user("rep")
    account = make.account(owner=rep, name="Same Co")
    person = make.contact(account)
    login(rep)
    future = (clock.now + timedelta(days=3)).date().isoformat()
    response = _move(client, person, left_on=future)
    assert response.status_code == 400 and "once it has happened" in response.get_data(as_text=True)
    response = _move(client, person, company="x" * 201)
    assert response.status_code == 400
    response = _move(client, person, account_id=account.id)
    assert response.status_code == 400 and "already works at Same Co" in response.get_data(as_text=True)
    assert _move(client, person, left_on="2026-02-30").status_code == 400
    assert client.post("/people/move", data={"contact_id": "abc"}).status_code == 404
    assert db.session.scalar(select(ContactPosition)) is None


def test_a_rep_never_sees_another_reps_keep_in_touch_list_or_their_people(client, make, login):
    ana, bea = make.user("rep"), make.user("rep")
    person = make.contact(make.account(owner=ana), name="Kept By Ana", phone="+1 555 0100")
    login(ana)
    assert _move(client, person, company="Elsewhere Inc").status_code == 303
    login(bea)
    assert "Kept By Ana" not in client.get("/people/").get_data(as_text=True)
    assert client.get(f"/people/move?contact_id={person.id}").status_code == 404
    assert client.post("/people/touch", data={"contact_id": person.id, "kind": "call"}).status_code == 404
    assert _move(client, person).status_code == 404
    assert db.session.scalar(select(Touch)) is None


def test_the_rep_still_reaches_a_person_who_moved_out_of_their_territory(client, make, login):
    ana, bea = make.user("rep"), make.user("rep")
    person = make.contact(make.account(owner=ana), name="Moved Away")
    other = make.account(owner=bea, name="Bea Co")
    login(bea)  # the new owner records it (say, the import did): Ana keeps in touch
    db.session.add(KeepInTouch(user_id=ana.id, contact_id=person.id))
    person.account_id = other.id
    db.session.commit()
    login(ana)
    assert "Moved Away" in client.get("/people/").get_data(as_text=True)
    assert client.post("/people/touch", data={"contact_id": person.id, "kind": "call",
                                              "client_id": _cid()}).status_code == 303
    assert "Last reached: not yet" not in client.get("/people/").get_data(as_text=True)
    assert client.get(f"/accounts/{other.id}").status_code == 404


def _old_interest(make, rep, clock, name, months, potential=50, **meeting):
    account = make.account(owner=rep, name=name, potential=potential,
                           last_touch_at=clock.now - timedelta(days=int(months * 30.5)))
    make.contact(account, name=f"{name} Person", phone="+1 555 0199")
    make.meeting(account, rep, started_at=clock.now - timedelta(days=int(months * 30.5)), **meeting)
    return account


def test_the_old_list_from_today_with_why_snooze_and_dismiss_remembered(client, make, login, clock):
    rep = make.user("rep")
    high = _old_interest(make, rep, clock, "High Potential", 8, potential=90, engagement=5)
    asked = _old_interest(make, rep, clock, "They Asked", 10, potential=60, initiated_by="them")
    _old_interest(make, rep, clock, "Too Recent", 2, engagement=5)
    _old_interest(make, rep, clock, "Lukewarm", 8, engagement=2)
    lost = make.account(owner=rep, name="Lost To Timing", potential=30)
    deal = make.opportunity(lost, stage="lost")
    db.session.add(DealClosure(opportunity_id=deal.id, outcome="lost", loss_reason="timing",
                               amount=1, previous_stage="proposal", previous_amount=1,
                               closed_at=clock.now - timedelta(days=300)))
    db.session.commit()
    login(rep)
    assert "/people/old" in client.get("/").get_data(as_text=True)
    page = client.get("/people/old").get_data(as_text=True)
    assert page.index("High Potential") < page.index("They Asked") < page.index("Lost To Timing")
    assert "Engaged meeting" in page and "They asked for a meeting" in page
    assert "Deal lost to timing" in page and "Too Recent" not in page and "Lukewarm" not in page

    assert client.post("/people/old/mark", data={"account_id": high.id, "action": "snooze",
                                                 "client_id": _cid()}).status_code == 303
    assert client.post("/people/old/mark", data={"account_id": asked.id, "action": "dismiss",
                                                 "client_id": _cid()}).status_code == 303
    assert client.post("/people/touch", data={"account_id": lost.id, "kind": "call", "from": "old",
                                              "client_id": _cid()}).headers["Location"] == "/people/old"
    page = client.get("/people/old").get_data(as_text=True).split("<h1>Old list</h1>")[1]
    assert "High Potential" not in page and "They Asked" not in page
    assert "Lost To Timing" not in page  # touched today: no longer quiet
    clock.advance(days=31)
    login(rep)  # a month later: signed in again
    page = client.get("/people/old").get_data(as_text=True).split("<h1>Old list</h1>")[1]
    assert "High Potential" in page and "They Asked" not in page


def test_a_rep_never_sees_or_marks_another_reps_old_list(client, make, login, clock):
    ana, bea = make.user("rep"), make.user("rep")
    account = _old_interest(make, ana, clock, "Anas Old Lead", 8, engagement=5)
    login(bea)
    assert "Anas Old Lead" not in client.get("/people/old").get_data(as_text=True)
    assert client.post("/people/old/mark", data={"account_id": account.id, "action": "dismiss",
                                                 "client_id": _cid()}).status_code == 404
    assert client.post("/people/touch", data={"account_id": account.id, "kind": "call"}).status_code == 404
    assert db.session.scalar(select(OldListMark)) is None
    assert client.post("/people/old/mark", data={"account_id": account.id, "action": "bogus"}).status_code == 400


def test_the_lists_read_a_few_queries_whatever_their_length(client, make, login, clock, count_queries):
    rep = make.user("rep")
    login(rep)

    def counts():
        with count_queries() as kit:
            assert client.get("/people/").status_code == 200
        with count_queries() as old:
            assert client.get("/people/old").status_code == 200
        return kit.count, old.count

    for i in range(2):
        _old_interest(make, rep, clock, f"Lead {i}", 8, engagement=5)
        db.session.add(KeepInTouch(user_id=rep.id, contact_id=make.contact(
            make.account(owner=rep), name=f"Kept {i}").id))
    db.session.commit()
    few = counts()
    for i in range(2, 8):
        _old_interest(make, rep, clock, f"Lead {i}", 8, engagement=5)
        db.session.add(KeepInTouch(user_id=rep.id, contact_id=make.contact(
            make.account(owner=rep), name=f"Kept {i}").id))
    db.session.commit()
    assert counts() == few


def test_a_touch_sent_twice_is_saved_once_and_another_reps_key_is_refused(client, make, login):
    ana, bea = make.user("rep"), make.user("rep")
    person = make.contact(make.account(owner=ana), name="Lee Park")
    bea_person = make.contact(make.account(owner=bea), name="Kim Lo")
    key = _cid()
    login(ana)
    for _ in range(2):
        assert client.post("/people/touch", data={"contact_id": person.id, "kind": "call",
                                                  "client_id": key}).status_code == 303
    assert len(db.session.scalars(select(Touch)).all()) == 1
    login(bea)  # the same key from someone else: refused, nothing filed under Bea
    assert client.post("/people/touch", data={"contact_id": bea_person.id, "kind": "call",
                                              "client_id": key}).status_code == 409
    assert [t.user_id for t in db.session.scalars(select(Touch))] == [ana.id]
