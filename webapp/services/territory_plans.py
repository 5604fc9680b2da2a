"""Writes for roll-forward change plans: draft, move accounts, schedule, apply.

A plan is drafted from the territory design (rules + manual overrides) and refined by moving
single accounts. Scheduling freezes each account's decision (moves on / protected until /
exempt / stays): that is what the reps are told. `apply_due_plans` then carries the plan out
day by day (the `groundwork territories apply-plans` cron command and the manager's button).
Until it starts, a scheduled plan can go back to draft (`unschedule_plan`); a draft can be
thrown away (`discard_plan`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from webapp.clock import utcnow
from webapp.domain import protection, territory_matching
from webapp.models import (
    OPEN_STAGES,
    Account,
    ChangePlan,
    Opportunity,
    PlanAssignment,
    Territory,
    TerritoryOverride,
    User,
)
from webapp.models import aggregates
from webapp.models.territories import MAJOR_FEDERAL_MODES, PROTECTION_MODES
from webapp.queries import access
from webapp.queries import territories as q
from webapp.queries.access import visible_accounts
from webapp.services import audit


class PlanError(ValueError):
    """A plan change was refused; the message says why, in plain words."""


def _check_settings(dates: protection.PlanDates, protection_mode: str, major_federal: str) -> None:
    problem = protection.plan_dates_problem(dates)
    if problem:
        raise PlanError(problem)
    if protection_mode not in PROTECTION_MODES:
        raise PlanError("Choose a protection window.")
    if major_federal not in MAJOR_FEDERAL_MODES:
        raise PlanError("Choose how Major and Federal accounts are handled.")


def draft_plan(session: Session, user: User, *, name: str, dates: protection.PlanDates,
               protection_mode: str = "quarters", major_federal: str = "exempt") -> ChangePlan:
    """A draft plan holding every account (of `user`'s scope) whose territory or owner the
    current design changes. Accounts already promised to another scheduled plan
    are left out."""
    name = " ".join(name.split())
    if not name:
        raise PlanError("Enter a name.")
    _check_settings(dates, protection_mode, major_federal)
    plan = ChangePlan(name=name, status="draft", announced_on=dates.announced_on,
                      cutoff_on=dates.cutoff_on, effective_on=dates.effective_on,
                      protection_mode=protection_mode, major_federal=major_federal,
                      created_by_id=user.id)
    session.add(plan)
    session.flush()
    owners = {t.id: t.owner_id for t in q.territories(session, user)}
    design = territory_matching.assign_territories(q.account_facts(session, user), q.design_rules(session, user),
                                  q.overrides(session, user))
    current = dict((aid, (owner, territory)) for aid, owner, territory in session.execute(
        select(Account.id, Account.owner_id, Account.territory_id)
        .where(Account.id.in_(list(design)))))
    pending = q.pending_account_ids(session)
    for account_id, match in design.items():
        # A plan hands accounts only to territories its author designs: an override (or an
        # unmatched account's current territory) outside that scope has no owner to read here.
        if match.territory_id not in owners or account_id in pending:
            continue
        owner_id, territory_id = current[account_id]
        new_owner = owners.get(match.territory_id)
        if match.territory_id == territory_id and new_owner == owner_id:
            continue
        session.add(PlanAssignment(plan_id=plan.id, account_id=account_id,
                                   from_owner_id=owner_id, from_territory_id=territory_id,
                                   to_territory_id=match.territory_id, to_owner_id=new_owner))
    session.flush()
    return plan


def _require_draft(plan: ChangePlan) -> None:
    if plan.status != "draft":
        raise PlanError("This plan is scheduled already; its decisions were announced.")


def update_plan(session: Session, plan: ChangePlan, *, name: str, dates: protection.PlanDates,
                protection_mode: str, major_federal: str) -> None:
    """Change a draft's name, dates and settings; the caller commits."""
    _require_draft(plan)
    _check_settings(dates, protection_mode, major_federal)
    plan.name = " ".join(name.split()) or plan.name
    plan.announced_on, plan.cutoff_on, plan.effective_on = (
        dates.announced_on, dates.cutoff_on, dates.effective_on)
    plan.protection_mode, plan.major_federal = protection_mode, major_federal
    session.flush()


def move_account(session: Session, user: User, plan: ChangePlan, *, account_id: int,
                 territory_id: int) -> PlanAssignment | None:
    """Put one account in another territory in a draft plan, and remember it as a manual
    override (it wins over the rules in later designs). Moving it back where it is
    today takes it out of the plan (returns None)."""
    _require_draft(plan)
    account = session.scalar(visible_accounts(user).where(Account.id == account_id))
    territory = session.scalar(select(Territory).where(Territory.id == territory_id,
                                                       access.territory_scope(user)))
    if account is None or territory is None:
        raise PlanError("Choose one of your accounts and one of your territories.")
    if account.id in q.pending_account_ids(session, exclude_plan_id=plan.id):
        raise PlanError("This account already changes hands under another scheduled plan.")
    override = session.scalar(select(TerritoryOverride)
                              .where(TerritoryOverride.account_id == account.id))
    if override is None:
        session.add(TerritoryOverride(account_id=account.id, territory_id=territory.id,
                                      created_by_id=user.id))
    else:
        override.territory_id, override.created_by_id = territory.id, user.id
    assignment = session.scalar(select(PlanAssignment).where(
        PlanAssignment.plan_id == plan.id, PlanAssignment.account_id == account.id))
    unchanged = territory.id == account.territory_id and territory.owner_id == account.owner_id
    if unchanged:
        if assignment is not None:
            session.delete(assignment)
        session.flush()
        return None
    if assignment is None:
        assignment = PlanAssignment(plan_id=plan.id, account_id=account.id)
        session.add(assignment)
    assignment.from_owner_id, assignment.from_territory_id = account.owner_id, account.territory_id
    assignment.to_territory_id, assignment.to_owner_id = territory.id, territory.owner_id
    session.flush()
    return assignment


def schedule_plan(session: Session, plan: ChangePlan, actor: User) -> None:
    """Freeze every account's decision and schedule the plan. From here on the
    reps see it (from the announcement date) and `apply_due_plans` carries it out. Refused
    (PlanError) while another scheduled plan still has to carry out one of its accounts."""
    _require_draft(plan)
    rows = q.plan_decisions(session, plan)
    # Two drafts can hold the same account (or a plan went back to draft and another was
    # scheduled meanwhile): an account must never be promised to two reps at once.
    taken = q.pending_account_ids(session, exclude_plan_id=plan.id)
    clashes = [row.account_name for row in rows
               if row.assignment.account_id in taken and row.decision.kind != protection.EXEMPT]
    if clashes:
        shown = ", ".join(clashes[:5]) + (f" and {len(clashes) - 5} more" if len(clashes) > 5
                                          else "")
        raise PlanError(f"{len(clashes)} account{'s' if len(clashes) != 1 else ''} of this draft "
                        f"already change hands under another scheduled plan: {shown}. Discard "
                        "this draft and draft it again: the new draft leaves them out.")
    for row in rows:
        a, d = row.assignment, row.decision
        a.decision, a.moves_on, a.protected_until = d.kind, d.moves_on, d.protected_until
        a.protecting_opportunity_id = d.opportunity_id
    plan.status, plan.scheduled_at = "scheduled", utcnow()
    audit.record(session, actor, "territory_plan.scheduled", "territory_plan", plan.id,
                 plan_id=plan.id, name=plan.name)
    session.flush()


def unschedule_plan(session: Session, plan: ChangePlan, actor: User, *, today: date) -> None:
    """Take a scheduled plan back to draft. The frozen decisions are dropped (a draft
    is decided live again) and the reps no longer see it. Refused (PlanError, nothing changed)
    once the plan has started: anything applied, or its effective date come (`today`)."""
    if plan.status == "draft":
        raise PlanError("This plan is a draft already.")
    started = PlanError("This plan has started: accounts have changed territory or rep under "
                        "it already, so it can no longer go back to draft.")
    if plan.status != "scheduled" or q.plan_has_started(session, plan):
        raise started
    if today >= plan.effective_on:
        raise PlanError("The effective date has come: the plan is being applied, so it can no "
                        "longer go back to draft.")
    # Only untouched rows are cleared: should `apply_due_plans` get to one meanwhile (its
    # rows are locked until it commits), fewer rows match and nothing is changed.
    savepoint = session.begin_nested()  # undone alone if the apply got there first
    cleared = session.execute(
        update(PlanAssignment)
        .where(PlanAssignment.plan_id == plan.id,
               PlanAssignment.territory_applied_at.is_(None), PlanAssignment.applied_at.is_(None))
        .values(decision=None, moves_on=None, protected_until=None,
                protecting_opportunity_id=None)
        .execution_options(synchronize_session=False)).rowcount
    if cleared != q.plan_size(session, plan):
        savepoint.rollback()
        raise started
    savepoint.commit()
    plan.status, plan.scheduled_at = "draft", None
    audit.record(session, actor, "territory_plan.unscheduled", "territory_plan", plan.id,
                 plan_id=plan.id, name=plan.name)
    session.flush()


def discard_plan(session: Session, plan: ChangePlan, actor: User) -> None:
    """Delete a draft plan and its accounts. Nobody was told about a draft, so
    nothing else changes: accounts moved by hand in it stay pinned to their territory
    (manual overrides belong to the design, not to the plan)."""
    if plan.status != "draft":
        raise PlanError("Only a draft can be discarded. Take the plan back to draft first.")
    removed = session.execute(delete(PlanAssignment).where(PlanAssignment.plan_id == plan.id)
                              .execution_options(synchronize_session=False)).rowcount
    audit.record(session, actor, "territory_plan.discarded", "territory_plan", plan.id,
                 plan_id=plan.id, name=plan.name, accounts=removed)
    session.delete(plan)
    session.flush()


@dataclass
class ApplyResult:
    moved: int = 0  # owner changed on the effective date
    rolled: int = 0  # owner changed when a protection window ended
    territory_only: int = 0  # territory recorded, owner unchanged (protected, or same rep)

    def __str__(self) -> str:
        return (f"{self.moved} accounts moved, {self.rolled} rolled after protection, "
                f"{self.territory_only} territory changes recorded")


def apply_due_plans(session: Session, today: date, *, actor_id: int | None = None,
                    plan_ids: list[int] | None = None) -> ApplyResult:
    """Carry out every scheduled plan whose effective date has come (one transaction:
    the caller commits it).

    Idempotent: each step is stamped, so running it twice a day (cron and a manager's
    button) changes nothing the second time. On the effective date an account that moves
    gets its new territory and owner (and its open opportunities follow it); a protected
    account gets its new territory but keeps its owner until the day after its protection
    ends, when it rolls. Every change is an audit event naming the plan.
    """
    now = utcnow()
    result = ApplyResult()
    stmt = (select(PlanAssignment, ChangePlan, Account)
            .join(ChangePlan, ChangePlan.id == PlanAssignment.plan_id)
            .join(Account, Account.id == PlanAssignment.account_id)
            .where(ChangePlan.status.in_(("scheduled", "applied")),
                   ChangePlan.effective_on <= today,
                   PlanAssignment.applied_at.is_(None),
                   PlanAssignment.decision.in_((protection.MOVES, protection.PROTECTED, protection.STAYS)))
            .order_by(PlanAssignment.id)
            .with_for_update(of=PlanAssignment))
    if plan_ids is not None:
        stmt = stmt.where(ChangePlan.id.in_(plan_ids))
    for assignment, plan, account in session.execute(stmt).all():
        if plan.status == "scheduled":
            plan.status, plan.applied_at = "applied", now
        if assignment.territory_applied_at is None:
            if account.territory_id != assignment.to_territory_id:
                _audit(session, actor_id, "account.territory_changed_by_plan", plan, account,
                       from_territory=account.territory_id, to_territory=assignment.to_territory_id,
                       owner=account.owner_id)
                account.territory_id = assignment.to_territory_id
                result.territory_only += assignment.decision != protection.MOVES
            assignment.territory_applied_at = now
        owner_changes = assignment.decision in (protection.MOVES, protection.PROTECTED)
        if not owner_changes:
            assignment.applied_at = now
            continue
        if assignment.moves_on is None or assignment.moves_on > today:
            continue
        rolled = assignment.decision == protection.PROTECTED
        _audit(session, actor_id, "account.rolled_by_plan" if rolled else "account.moved_by_plan",
               plan, account, from_owner=account.owner_id, to_owner=assignment.to_owner_id,
               territory=assignment.to_territory_id,
               protecting_opportunity=assignment.protecting_opportunity_id)
        # The account's open pipeline follows it; closed deals keep their owner (credit).
        aggregates.note_owners(session, [account.owner_id, assignment.to_owner_id])
        session.execute(update(Opportunity)
                        .where(Opportunity.account_id == account.id,
                               Opportunity.stage.in_(OPEN_STAGES),
                               or_(Opportunity.owner_id.is_(None),
                                   Opportunity.owner_id == account.owner_id))
                        .values(owner_id=assignment.to_owner_id, updated_at=now)
                        .execution_options(synchronize_session=False))
        account.owner_id = assignment.to_owner_id
        assignment.applied_at = now
        if rolled:
            result.rolled += 1
        else:
            result.moved += 1
    session.flush()
    return result


def _audit(session: Session, actor_id: int | None, action: str, plan: ChangePlan,
           account: Account, **detail) -> None:
    audit.record(session, actor_id, action, "account", account.id, plan_id=plan.id,
                 plan=plan.name, **detail)
