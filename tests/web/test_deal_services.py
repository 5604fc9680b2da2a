"""The services behind closing a deal and qualifying by the checklist, called without HTTP."""
from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from webapp.domain.checklists import checklist_for
from webapp.extensions import db
from webapp.models import DealClosure, Opportunity, OpportunityChange, QualificationAnswer
from webapp.services.deals import close_deal, latest_closure, reopen_deal
from webapp.services.opportunities import OpportunityError
from webapp.services.pipeline import requalify_open_deals, save_qualification


def test_close_and_reopen_write_one_history_version_each(make, clock):
    rep = make.user("rep")
    opp = make.opportunity(make.account(owner=rep), stage="proposal", amount=Decimal("1000"))
    closure = close_deal(db.session, rep, opp, outcome="won", amount=Decimal("1200"),
                         client_id=str(uuid.uuid4()))
    assert (opp.stage, opp.amount, opp.version, opp.closed_at) == ("won", Decimal("1200"), 2,
                                                                   clock.now)
    assert latest_closure(db.session, opp.id) is closure
    clock.advance(days=2)
    reopen_deal(db.session, rep, opp, client_id=str(uuid.uuid4()))
    assert (opp.stage, opp.amount, opp.version, opp.closed_at) == ("proposal", Decimal("1000"), 3,
                                                                   None)
    assert latest_closure(db.session, opp.id) is None
    versions = db.session.scalars(select(OpportunityChange.version)
                                  .where(OpportunityChange.opportunity_id == opp.id)).all()
    assert sorted(versions) == [2, 2, 3, 3]  # stage and amount, twice


def test_a_replayed_reopen_changes_nothing_more(make):
    rep = make.user("rep")
    opp = make.opportunity(make.account(owner=rep), stage="proposal")
    close_deal(db.session, rep, opp, outcome="lost", reason="timing")
    reopen_id = str(uuid.uuid4())
    reopen_deal(db.session, rep, opp, client_id=reopen_id)
    reopen_deal(db.session, rep, opp, client_id=reopen_id)
    assert opp.version == 3 and opp.stage == "proposal"
    with pytest.raises(OpportunityError, match="no recent close"):
        reopen_deal(db.session, rep, opp, client_id=str(uuid.uuid4()))


def test_a_refused_close_leaves_nothing_behind(make):
    rep = make.user("rep")
    opp = make.opportunity(make.account(owner=rep), stage="proposal")
    with pytest.raises(OpportunityError) as refused:
        close_deal(db.session, rep, opp, outcome="lost", reason="competitor", competitor="")
    assert refused.value.field == "competitor"
    with pytest.raises(OpportunityError):
        close_deal(db.session, rep, opp, outcome="won", amount=Decimal("-1"))
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(DealClosure)) == 0
    assert db.session.get(Opportunity, opp.id).version == 1


def test_qualification_follows_the_number_and_requalifying_touches_only_what_changed(make):
    manager = make.user("manager")
    rep = make.user("rep", manager=manager)
    account = make.account(owner=rep)
    items = checklist_for("bant")
    keys = [i.key for i in items]
    deal = make.opportunity(account, stage="first_meeting", qualified=False)
    status = save_qualification(db.session, rep, deal, items, {keys[0]: "100k", keys[1]: "CFO"},
                                needed=2)
    assert status.qualified and deal.qualified and deal.stage == "qualified"
    untouched = make.opportunity(account, stage="proposal", qualified=False)
    closed = make.opportunity(account, stage="won", qualified=True)
    assert requalify_open_deals(db.session, manager, items, 3) == (0, 1)
    db.session.expire_all()
    assert not db.session.get(Opportunity, deal.id).qualified
    assert not db.session.get(Opportunity, untouched.id).qualified
    assert db.session.get(Opportunity, closed.id).qualified  # closed deals keep their flag
    assert db.session.get(Opportunity, deal.id).version == 2  # not a new version
    assert requalify_open_deals(db.session, manager, items, 2) == (1, 0)
    assert db.session.scalar(select(func.count()).select_from(QualificationAnswer)) == 2
