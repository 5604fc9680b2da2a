"""A person's history across companies, written by the services: each move closes where they
were and opens where they went; the contact stays one row; a replay writes nothing twice."""
from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import func, select

from tests.services.conftest import fresh
from webapp.database import unit_of_work
from webapp.models import AuditEvent, ContactPosition, KeepInTouch, Touch
from webapp.queries.relationships import history
from webapp.services.relationships import MoveError, log_touch, record_move


def _positions(session, contact):
    return [(p.company, p.title, p.started_on, p.ended_on) for p in history(session, contact)]


def test_two_moves_make_a_history_newest_first_on_the_same_person(session, make, rep, clock):
    old = make.account(owner=rep, name="Prairie Foods")
    new = make.account(owner=rep, name="Harbor Logistics")
    person = make.contact(old, name="Ana Ruiz", title="VP Operations",
                          created_at=clock.now.replace(year=2025))
    with unit_of_work(session):
        record_move(session, rep, person, client_id=str(uuid.uuid4()), company="Startup Co",
                    title="COO", left_on=date(2026, 6, 1), champion=True)
    with unit_of_work(session):
        record_move(session, rep, fresh(person), client_id=str(uuid.uuid4()), account=new,
                    title="CEO", left_on=date(2026, 11, 1))
    person = fresh(person)
    assert (person.account_id, person.title, person.left_on, person.champion) == (
        new.id, "CEO", None, True)
    assert _positions(session, person) == [
        ("Harbor Logistics", "CEO", date(2026, 11, 1), None),
        ("Startup Co", "COO", date(2026, 6, 1), date(2026, 11, 1)),
        ("Prairie Foods", "VP Operations", clock.now.replace(year=2025).date(), date(2026, 6, 1))]
    assert session.scalar(select(func.count(KeepInTouch.id))) == 1
    assert session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "contact.moved")) == 2


def test_a_replayed_move_or_touch_is_written_once(session, make, rep):
    person = make.contact(make.account(owner=rep))
    key, touch_key = str(uuid.uuid4()), str(uuid.uuid4())
    for _ in range(2):
        with unit_of_work(session):
            record_move(session, rep, fresh(person), client_id=key)
            log_touch(session, rep, client_id=touch_key, kind="call", contact=fresh(person))
    assert session.scalar(select(func.count(ContactPosition.id))) == 2
    assert session.scalar(select(func.count(Touch.id))) == 1
    assert fresh(person).left_on is not None


def test_a_refused_move_leaves_nothing_behind(session, make, rep, clock):
    account = make.account(owner=rep, name="Same Co")
    person = make.contact(account)
    with pytest.raises(MoveError, match="already works at Same Co"):
        with unit_of_work(session):
            record_move(session, rep, person, client_id=str(uuid.uuid4()), account=account)
    with pytest.raises(MoveError):
        with unit_of_work(session):
            record_move(session, rep, fresh(person), client_id=str(uuid.uuid4()),
                        left_on=date(2027, 1, 1))
    assert session.scalar(select(func.count(ContactPosition.id))) == 0
    assert session.scalar(select(func.count(KeepInTouch.id))) == 0
