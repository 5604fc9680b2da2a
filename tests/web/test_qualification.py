""""Qualified" follows the team's checklist: the manager sets how many answers qualify a deal;
an override is possible, shown on the deal with who made it, and audited; with an empty
checklist only the override can qualify. The qualified pipeline counts exactly these deals."""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from webapp.domain.pipeline_metrics import fiscal_quarter
from webapp.extensions import db
from webapp.models import (
    AuditEvent,
    Opportunity,
    OpportunityChange,
    PipelineSettings,
    QualificationAnswer,
)
from webapp.queries.pipeline import qualified_pipeline_by_rep

SETTINGS = {"methodology": "meddic", "slip_pushes": 2, "quiet_weeks": 4, "stuck_days": 60,
            "forecast_lock_days": 30, "history_months": 12, "min_history": 5}
Q4 = fiscal_quarter(date(2026, 11, 23))


def _fresh(opp) -> Opportunity:
    db.session.expire_all()
    return db.session.get(Opportunity, opp.id)


def _answer(opp, *keys):
    for key in keys:
        db.session.add(QualificationAnswer(opportunity_id=opp.id, item_key=key, answer="Yes: named"))
    db.session.commit()


def _qualify(client, opp, **data):
    return client.post(f"/pipeline/opportunities/{opp.id}/qualify", data=data)


def test_the_managers_number_of_answers_qualifies_and_moves_every_open_deal(client, make, login):
    manager = make.user("manager", name="Mia Boss")
    rep = make.user("rep", manager=manager)
    account = make.account(owner=rep)
    two = make.opportunity(account, stage="proposal", qualified=False, close_on=date(2026, 12, 1),
                           amount=Decimal("40000"))
    one = make.opportunity(account, stage="proposal", qualified=True, close_on=date(2026, 12, 1),
                           amount=Decimal("9000"))
    _answer(two, "meddic-metrics", "meddic-pain")
    _answer(one, "meddic-champion")
    login(manager)
    page = client.get("/pipeline/settings").get_data(as_text=True)
    assert 'name="qualify_answers"' in page and "Answers that qualify a deal" in page

    response = client.post("/pipeline/settings", data={**SETTINGS, "qualify_answers": "2"})
    assert response.status_code == 303
    assert db.session.scalar(select(PipelineSettings.qualify_answers)) == 2
    assert (_fresh(two).qualified, _fresh(one).qualified) == (True, False)
    # Each flip is in the deal's history under the manager's name, and the change is audited.
    change = db.session.scalar(select(OpportunityChange).where(
        OpportunityChange.opportunity_id == one.id, OpportunityChange.field == "qualified"))
    assert (change.user_id, change.old_value, change.new_value) == (manager.id, "true", "false")
    [event] = db.session.scalars(select(AuditEvent)
                                 .where(AuditEvent.action == "qualification.rule_changed"))
    assert json.loads(event.detail)["answers_needed"] == 2
    # The qualified pipeline is exactly the deals the checklist qualifies.
    assert qualified_pipeline_by_rep(db.session, [rep.id], [Q4])[rep.id] \
        == {"USD": [Decimal("40000.00")]}

    bad = client.post("/pipeline/settings", data={**SETTINGS, "qualify_answers": "0"})
    assert bad.status_code == 400 and "Enter a number from 1 to 50." in bad.get_data(as_text=True)


def test_a_deal_qualifies_when_its_answers_reach_the_number_and_not_before(client, make, login):
    rep = make.user("rep")
    opp = make.opportunity(make.account(owner=rep), stage="first_meeting", qualified=False)
    login(rep)  # the default is 3 answers
    page = client.get(f"/pipeline/opportunities/{opp.id}/qualify").get_data(as_text=True)
    assert "3 answers qualify a deal" in page
    _qualify(client, opp, meddic_metrics="Cut stock-outs", meddic_pain="Manual counts")
    assert not _fresh(opp).qualified
    deal = client.get(f"/opportunities/{opp.id}").get_data(as_text=True)
    assert "Not qualified · 2 of 3 answers" in deal
    _qualify(client, opp, meddic_metrics="Cut stock-outs", meddic_pain="Manual counts",
             meddic_champion="Lee")
    opp = _fresh(opp)
    assert opp.qualified and opp.stage == "qualified"
    assert "Qualified by the checklist · 3 of 6 answered" in client.get(
        f"/opportunities/{opp.id}").get_data(as_text=True)
    # Taking an answer away takes the qualification away.
    _qualify(client, opp, meddic_metrics="Cut stock-outs", meddic_pain="", meddic_champion="Lee")
    assert not _fresh(opp).qualified


def test_the_qualified_flag_is_no_longer_a_tap_on_the_deal(client, make, login):
    rep = make.user("rep")
    opp = make.opportunity(make.account(owner=rep), qualified=False)
    login(rep)
    page = client.get(f"/opportunities/{opp.id}").get_data(as_text=True)
    assert 'name="qualified"' not in page
    client.post(f"/opportunities/{opp.id}", data={"version": "1", "qualified": "y"})
    assert not _fresh(opp).qualified


def test_an_override_is_shown_with_who_made_it_and_audited(client, make, login):
    rep = make.user("rep", name="Dana Cole")
    opp = make.opportunity(make.account(owner=rep), stage="proposal", qualified=False)
    login(rep)
    assert _qualify(client, opp, qualified_anyway="y", reason="Board approved").status_code == 303
    assert _fresh(opp).qualified
    page = client.get(f"/opportunities/{opp.id}").get_data(as_text=True)
    assert "Qualified by override, by Dana Cole" in page
    [event] = db.session.scalars(select(AuditEvent)
                                 .where(AuditEvent.action == "qualification.override_set"))
    assert event.actor_id == rep.id and json.loads(event.detail)["reason"] == "Board approved"
    _qualify(client, opp, reason="")
    assert not _fresh(opp).qualified
    assert db.session.scalar(select(AuditEvent.actor_id).where(
        AuditEvent.action == "qualification.override_removed")) == rep.id


def test_an_empty_checklist_is_explained_and_only_the_override_qualifies(client, make, login):
    manager = make.user("manager")
    rep = make.user("rep", manager=manager)
    opp = make.opportunity(make.account(owner=rep), stage="proposal", qualified=False)
    login(manager)
    client.post("/pipeline/settings", data={**SETTINGS, "methodology": "custom",
                                            "qualify_answers": "1"})
    client.post("/logout")
    login(rep)
    page = client.get(f"/pipeline/opportunities/{opp.id}/qualify").get_data(as_text=True)
    assert "checklist is empty" in page and 'name="meddic_metrics"' not in page
    assert 'name="qualified_anyway"' in page
    assert "the team's checklist is empty" in client.get(
        f"/opportunities/{opp.id}").get_data(as_text=True)
    _qualify(client, opp, meddic_metrics="Sneaked in")
    assert not _fresh(opp).qualified
    assert db.session.scalar(select(QualificationAnswer.id)) is None
    _qualify(client, opp, qualified_anyway="y", reason="CFO said yes")
    assert _fresh(opp).qualified


def test_a_new_deal_is_not_qualified_by_its_stage_alone(client, make, login):
    rep = make.user("rep")
    account = make.account(owner=rep)
    login(rep)
    response = client.post("/opportunities/new", data={
        "account_id": account.id, "name": "Second site", "amount": "30000",
        "close_on": "2027-03-31", "stage": "proposal"})
    assert response.status_code == 303
    opp = db.session.scalar(select(Opportunity).where(Opportunity.name == "Second site"))
    assert opp.stage == "proposal" and not opp.qualified


def test_the_demos_qualified_deals_have_the_answers_that_qualify_them(app, clock):
    from webapp.demo import load_demo_data
    from webapp.queries.opportunity_page import qualification

    with app.app_context():
        load_demo_data(db.session)
        qualified = db.session.scalars(select(Opportunity.id).where(
            Opportunity.qualified, Opportunity.stage.in_(("qualified", "proposal")))
            .limit(5)).all()
        assert qualified
        assert all(qualification(db.session, i).status.complete for i in qualified)
