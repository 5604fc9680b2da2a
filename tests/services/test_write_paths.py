"""The write paths a rep and a manager use, called as services (no HTTP): what they save, that
a replay saves nothing twice, that a refused write leaves nothing behind.

Each write runs as a request runs it: a service called inside `unit_of_work`, which commits
what it added when the block ends, or rolls it all back when the service refuses."""
from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.services.conftest import fresh
from webapp.database import unit_of_work
from webapp.domain.checklists import checklist_for
from webapp.domain.protection import PlanDates
from webapp.models import (
    Account,
    AuditEvent,
    Commitment,
    Contact,
    Meeting,
    Opportunity,
    OpportunityChange,
    QualificationAnswer,
    Territory,
)
from webapp.services import capture, deals, meetings, opportunities, territories, territory_plans
from webapp.services.pipeline import save_qualification


def _count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def _id() -> str:
    return str(uuid.uuid4())


# --- log a meeting ----------------------------------------------------------------------------

def test_a_logged_meeting_is_saved_once_with_its_commitment_and_touches_the_account(
        session, make, rep, clock):
    account = make.account(rep, name="Acme Tool")
    client_id = _id()
    with unit_of_work(session):
        first = meetings.log_meeting(session, rep, account, client_id=client_id,
                                     notes="Walked the plant.", kind="in_person",
                                     ours=meetings.Promise("Send the quote", date(2026, 11, 30)))
    with unit_of_work(session):
        again = meetings.log_meeting(session, rep, account, client_id=client_id,
                                     notes="Walked the plant.", kind="in_person",
                                     ours=meetings.Promise("Send the quote", date(2026, 11, 30)))

    assert again.id == first.id
    assert _count(session, Meeting, Meeting.account_id == account.id) == 1
    assert _count(session, Commitment, Commitment.account_id == account.id) == 1
    assert fresh(first).notes == "Walked the plant."
    assert fresh(account).last_touch_at == clock()


def test_a_meeting_without_notes_is_refused_and_nothing_is_saved(session, make, rep):
    account = make.account(rep)
    with pytest.raises(meetings.MeetingError) as refused, unit_of_work(session):
        meetings.log_meeting(session, rep, account, client_id=_id(), notes="   ")
    assert refused.value.field == "notes"
    assert _count(session, Meeting) == 0


# --- capture a new account, contact and deal --------------------------------------------------

def test_a_new_account_contact_and_deal_are_made_once_each(session, make, rep):
    account_id, contact_id, deal_id = _id(), _id(), _id()
    with unit_of_work(session):
        account, created = capture.create_account(
            session, rep, capture.NewAccount(name="  Blue   Harbor Foods ", city="Madison"),
            client_id=account_id)
    with unit_of_work(session):
        replayed, created_again = capture.create_account(
            session, rep, capture.NewAccount(name="Blue Harbor Foods", city="Madison"),
            client_id=account_id)
    assert created and not created_again and replayed.id == account.id
    assert fresh(account).owner_id == rep.id

    for _ in range(2):  # the write and its replay
        with unit_of_work(session):
            contact, _ = capture.create_contact(
                session, rep, account, capture.ContactDetails(name="Dana Park", title="Buyer"),
                client_id=contact_id)
        with unit_of_work(session):
            deal = opportunities.create_opportunity(
                session, rep, account, client_id=deal_id, name="Cold storage",
                amount=Decimal("42000"), close_on=date(2027, 2, 28))

    assert _count(session, Account, Account.uuid == account_id) == 1
    assert _count(session, Contact, Contact.account_id == account.id) == 1
    assert fresh(contact).title == "Buyer"
    assert _count(session, Opportunity, Opportunity.account_id == account.id) == 1
    saved = fresh(deal)
    assert (saved.name, saved.amount, saved.owner_id) == ("Cold storage", Decimal("42000.00"),
                                                          rep.id)


def test_a_client_id_of_another_reps_account_is_refused(session, make, rep):
    other = make.user("rep", name="Ben Brooks")
    client_id = _id()
    with unit_of_work(session):
        capture.create_account(session, other, capture.NewAccount(name="Theirs"),
                               client_id=client_id)
    with pytest.raises(capture.ClientIdTaken), unit_of_work(session):
        capture.create_account(session, rep, capture.NewAccount(name="Mine"), client_id=client_id)
    assert _count(session, Account, Account.name == "Mine") == 0


# --- update an opportunity: merge and conflict ------------------------------------------------

def test_an_edit_on_an_older_version_merges_a_field_nobody_else_changed(session, make, rep):
    manager = session.get(type(rep), rep.manager_id)
    deal = make.opportunity(make.account(rep), stage="qualified", amount=Decimal("10000"))
    with unit_of_work(session):
        opportunities.update_opportunity(session, manager, deal, {"amount": Decimal("12000")},
                                         based_on_version=1, client_id=_id())
    # The rep's phone still shows version 1 and moves the stage.
    with unit_of_work(session):
        opportunities.update_opportunity(session, rep, fresh(deal), {"stage": "proposal"},
                                         based_on_version=1, client_id=_id())
    saved = fresh(deal)
    assert (saved.stage, saved.amount, saved.version) == ("proposal", Decimal("12000.00"), 3)
    assert _count(session, OpportunityChange, OpportunityChange.opportunity_id == deal.id) == 2


def test_an_edit_of_a_field_someone_else_changed_meanwhile_is_a_conflict_and_saves_nothing(
        session, make, rep):
    manager = session.get(type(rep), rep.manager_id)
    deal = make.opportunity(make.account(rep), amount=Decimal("10000"))
    with unit_of_work(session):
        opportunities.update_opportunity(session, manager, deal, {"amount": Decimal("12000")},
                                         based_on_version=1, client_id=_id())
    with pytest.raises(opportunities.VersionConflict) as conflict, unit_of_work(session):
        opportunities.update_opportunity(session, rep, fresh(deal),
                                         {"amount": Decimal("9000"), "next_step": "Call"},
                                         based_on_version=1, client_id=_id())
    assert [c.field for c in conflict.value.conflicts] == ["amount"]
    assert conflict.value.keep == {"next_step": "Call"}
    assert conflict.value.changed_by == ["Maya Manager"]
    saved = fresh(deal)
    assert (saved.amount, saved.next_step, saved.version) == (Decimal("12000.00"), "", 2)


def test_a_replayed_update_changes_nothing_the_second_time(session, make, rep):
    deal = make.opportunity(make.account(rep))
    client_id = _id()
    for _ in range(2):
        with unit_of_work(session):
            opportunities.update_opportunity(session, rep, fresh(deal), {"next_step": "Demo"},
                                             based_on_version=1, client_id=client_id)
    assert fresh(deal).version == 2
    assert _count(session, OpportunityChange, OpportunityChange.opportunity_id == deal.id) == 1


# --- close and reopen a deal ------------------------------------------------------------------

def test_a_won_deal_reopened_goes_back_to_its_stage_and_amount(session, make, rep, clock):
    deal = make.opportunity(make.account(rep), stage="proposal", amount=Decimal("50000"))
    with unit_of_work(session):
        closure = deals.close_deal(session, rep, deal, outcome="won", amount=Decimal("47500"),
                                   client_id=_id())
    won = fresh(deal)
    assert (won.stage, won.amount, won.closed_at) == ("won", Decimal("47500.00"), clock())
    assert closure.outcome == "won"

    clock.advance(days=2)
    with unit_of_work(session):
        deals.reopen_deal(session, rep, fresh(deal), client_id=_id())
    reopened = fresh(deal)
    assert (reopened.stage, reopened.amount, reopened.closed_at) == (
        "proposal", Decimal("50000.00"), None)


def test_a_lost_deal_needs_a_reason(session, make, rep):
    deal = make.opportunity(make.account(rep), stage="proposal")
    with pytest.raises(opportunities.OpportunityError), unit_of_work(session):
        deals.close_deal(session, rep, deal, outcome="lost", client_id=_id())
    assert fresh(deal).stage == "proposal"


# --- qualification: answers and the flag they set, together -----------------------------------

def test_enough_answers_qualify_the_deal_in_the_same_save(session, make, rep):
    deal = make.opportunity(make.account(rep), stage="first_meeting")
    items = checklist_for("meddicc", [])
    answers = {item.key: f"Answer {n}" for n, item in enumerate(items[:3])}
    with unit_of_work(session):
        status = save_qualification(session, rep, deal, items, answers, needed=3)
    assert status.qualified
    saved = fresh(deal)
    assert (saved.qualified, saved.stage) == (True, "qualified")
    assert _count(session, QualificationAnswer,
                  QualificationAnswer.opportunity_id == deal.id) == 3


# --- territory plan: draft, schedule, apply on the effective date ----------------------------

def test_a_scheduled_plan_moves_an_unprotected_account_on_its_effective_date(session, make, clock):
    manager = make.user("manager", name="Maya Manager")
    ana = make.user("rep", manager=manager, name="Ana Alvarez")
    ben = make.user("rep", manager=manager, name="Ben Brooks")
    north, south = Territory(name="Illinois", owner_id=ana.id), Territory(name="Wisconsin",
                                                                           owner_id=ben.id)
    session.add_all([north, south])
    session.commit()
    quiet = make.account(ana, name="Quiet Dairy", region="WI", territory_id=north.id)
    home = make.account(ana, name="Home Steel", region="IL", territory_id=north.id)
    clock.set(datetime(2026, 10, 24, 15))
    with unit_of_work(session):
        territories.save_rules(session, north, {"regions": "IL"}, ana, actor=manager)
        territories.save_rules(session, south, {"regions": "WI"}, ben, actor=manager)
    with unit_of_work(session):
        plan = territory_plans.draft_plan(
            session, manager, name="Wisconsin to Ben",
            dates=PlanDates(date(2026, 10, 24), date(2026, 10, 23), date(2026, 11, 9)))
    with unit_of_work(session):
        territory_plans.schedule_plan(session, plan, manager)
    with unit_of_work(session):
        assert territory_plans.apply_due_plans(session, date(2026, 11, 8)).moved == 0
    assert fresh(quiet).owner_id == ana.id

    with unit_of_work(session):
        result = territory_plans.apply_due_plans(session, date(2026, 11, 9))
    with unit_of_work(session):
        again = territory_plans.apply_due_plans(session, date(2026, 11, 9))
    assert (result.moved, again.moved) == (1, 0)
    assert (fresh(quiet).owner_id, fresh(quiet).territory_id) == (ben.id, south.id)
    assert (fresh(home).owner_id, fresh(home).territory_id) == (ana.id, north.id)
    assert _count(session, AuditEvent, AuditEvent.target_id == str(quiet.id)) >= 1


def test_an_audit_action_missing_from_the_one_list_is_refused(session, make, rep):
    from webapp.services import audit

    with pytest.raises(ValueError, match="audit_actions"):
        audit.record(session, rep, "territory.plan_scheduled", "territory_plan", 1)
