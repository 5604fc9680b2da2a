"""Customer success services called directly: a refused change leaves nothing behind, the
renewal deal is made once per renewal date, and an ask is counted once per client id."""
from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import func, select

from webapp.database import unit_of_work
from webapp.models import AccountSuccess, AuditEvent, Opportunity, ReferenceAsk
from webapp.services.success import (
    SuccessChange,
    SuccessError,
    create_due_renewal_opportunities,
    record_reference_ask,
    update_success,
)

TODAY = date(2026, 11, 23)


def _change(**kw) -> SuccessChange:
    values = dict(goal="", outcome="", renewal_on=None, health="", health_reason="", willing=False)
    values.update(kw)
    return SuccessChange(**values)


def _count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_refused_health_change_leaves_nothing_behind(session, make, rep):
    account = make.account(owner=rep, status="customer")
    with pytest.raises(SuccessError) as refused:
        with unit_of_work(session):
            update_success(session, rep, account, _change(health="watch", goal="Grow"), TODAY)
    assert refused.value.field == "health_reason"
    session.expire_all()
    assert session.get(AccountSuccess, account.id) is None
    assert _count(session, AuditEvent) == 0


def test_the_renewal_deal_is_made_once_per_renewal_date(session, make, rep):
    account = make.account(owner=rep, name="Lakeside", status="customer",
                           renewal_on=date(2027, 2, 1))
    make.account(owner=rep, status="customer", renewal_on=date(2027, 9, 1))  # too far off
    make.account(owner=rep, status="prospect", renewal_on=date(2027, 1, 1))  # not a customer
    with unit_of_work(session):
        assert create_due_renewal_opportunities(session, TODAY) == 1
    with unit_of_work(session):
        assert create_due_renewal_opportunities(session, TODAY) == 0
        update_success(session, rep, account, _change(renewal_on=date(2027, 2, 1)), TODAY)
    assert _count(session, Opportunity) == 1
    # Next year's renewal (the date moved on) gets its own deal.
    with unit_of_work(session):
        update_success(session, rep, account, _change(renewal_on=date(2027, 3, 1)), TODAY)
    assert session.scalars(select(Opportunity.close_on).order_by(Opportunity.close_on)).all() == [
        date(2027, 2, 1), date(2027, 3, 1)]


def test_an_ask_is_counted_once_per_client_id(session, make, rep):
    prospect = make.account(owner=rep)
    reference = make.account(owner=rep, status="customer")
    client_id = str(uuid.uuid4())
    for _ in range(2):
        with unit_of_work(session):
            record_reference_ask(session, rep, prospect, reference, client_id)
    assert _count(session, ReferenceAsk) == 1
    with pytest.raises(SuccessError), unit_of_work(session):
        record_reference_ask(session, rep, prospect, prospect, str(uuid.uuid4()))
