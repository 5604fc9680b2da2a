"""Reads for Web Push reminders: a user's settings and devices, the users to remind, and the
reminders due for one user on their local day (three queries, whatever the data size).

Reminders are personal: they cover the records the user owns (their accounts' commitments,
their deals, the plans that move their accounts), not a manager's whole team.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from webapp.domain import protection
from webapp.domain import reminders as rules
from webapp.models import (
    OPEN_STAGES,
    Account,
    ChangePlan,
    Commitment,
    Opportunity,
    PlanAssignment,
    PushSubscription,
    ReminderSent,
    ReminderSettings,
    User,
)

# endpoint name, keyword arguments -> the page's address (url_for, passed in by the caller).
Link = Callable[..., str]


def reminder_settings(session: Session, user: User) -> ReminderSettings:
    """The user's settings; an unsaved row with the defaults when they never changed them."""
    row = session.scalar(select(ReminderSettings).where(ReminderSettings.user_id == user.id))
    if row is None:
        row = ReminderSettings(user_id=user.id, commitments=True, slipping=True, territory=True,
                               queued=True, slip_days=rules.DEFAULT_SLIP_DAYS,
                               quiet_start=rules.DEFAULT_QUIET_START,
                               quiet_end=rules.DEFAULT_QUIET_END)
    return row


def enabled_kinds(settings: ReminderSettings) -> set[str]:
    return {kind for kind in rules.KINDS if getattr(settings, kind)}


def device_count(session: Session, user: User) -> int:
    """How many devices (browsers) of the user take notifications."""
    return len(session.scalars(select(PushSubscription.id)
                               .where(PushSubscription.user_id == user.id)).all())


def subscriptions(session: Session, user: User) -> list[PushSubscription]:
    """The user's devices that take notifications, oldest first."""
    return list(session.scalars(select(PushSubscription)
                                .where(PushSubscription.user_id == user.id)
                                .order_by(PushSubscription.id)))


def subscription_by_hash(session: Session, endpoint_hash: str) -> PushSubscription | None:
    return session.scalar(select(PushSubscription)
                          .where(PushSubscription.endpoint_hash == endpoint_hash))


def users_with_devices(session: Session) -> list[User]:
    """Active users with at least one device that takes notifications, by id."""
    has_device = exists().where(PushSubscription.user_id == User.id)
    return list(session.scalars(select(User).where(User.active.is_(True), has_device)
                                .order_by(User.id)))


def already_sent(session: Session, user: User, keys: list[tuple]) -> set[tuple]:
    """Which of these sent-log keys (domain.reminders.sent_key) are in the log."""
    if not keys:
        return set()
    days = {key[3] for key in keys}
    rows = session.execute(select(ReminderSent.kind, ReminderSent.subject, ReminderSent.key_day)
                           .where(ReminderSent.user_id == user.id,
                                  ReminderSent.key_day.in_(days))).all()
    return {(user.id, kind, subject, day) for kind, subject, day in rows}


def due_reminders(session: Session, user: User, today: date, settings: ReminderSettings,
                  link: Link, kinds: set[str] | None = None) -> list[rules.Reminder]:
    """The reminders due for `user` on their local `today`, of the kinds they want (`kinds`
    narrows further). At most one query per kind."""
    wanted = enabled_kinds(settings) if kinds is None else enabled_kinds(settings) & kinds
    found: list[rules.Reminder] = []
    if rules.COMMITMENTS in wanted:
        found += _commitments_due(session, user, today, link)
    if rules.SLIPPING in wanted:
        found += _deals_slipping(session, user, today, settings.slip_days, link)
    if rules.TERRITORY in wanted:
        found += _territory_changes(session, user, today, link)
    return found


def _commitments_due(session: Session, user: User, today: date, link: Link):
    rows = session.execute(
        select(Commitment.id, Commitment.party, Commitment.description, Commitment.due_on,
               Commitment.kept, Commitment.meeting_id, Account.id, Account.name)
        .join(Account, Account.id == Commitment.account_id)
        .where(Account.owner_id == user.id, Commitment.kept.is_(None), Commitment.due_on == today)
        .order_by(Commitment.id)).all()
    return [rules.commitment_reminder(
                cid, party, description, account_name, due_on,
                link("meetings.detail", meeting_id=meeting_id) if meeting_id
                else link("accounts.detail", account_id=account_id))
            for cid, party, description, due_on, kept, meeting_id, account_id, account_name in rows
            if rules.commitment_due(due_on, kept, today)]


def _deals_slipping(session: Session, user: User, today: date, within_days: int, link: Link):
    rows = session.execute(
        select(Opportunity.id, Opportunity.name, Opportunity.close_on, Opportunity.next_step,
               Opportunity.next_step_on, Opportunity.updated_at)
        .where(Opportunity.owner_id == user.id, Opportunity.stage.in_(OPEN_STAGES),
               Opportunity.close_on <= today + timedelta(days=within_days))
        .order_by(Opportunity.close_on, Opportunity.id)).all()
    found = []
    for oid, name, close_on, next_step, next_step_on, updated_at in rows:
        reason = rules.slip_reason(close_on, next_step or "", next_step_on, updated_at.date(),
                                   today, within_days)
        if reason:
            found.append(rules.slipping_reminder(
                oid, name, close_on, reason, today,
                link("opportunities.detail", opportunity_id=oid)))
    return found


def _territory_changes(session: Session, user: User, today: date, link: Link):
    rows = session.execute(
        select(ChangePlan.id, ChangePlan.name, ChangePlan.announced_on, ChangePlan.effective_on,
               PlanAssignment.to_owner_id, PlanAssignment.from_owner_id)
        .join(PlanAssignment, PlanAssignment.plan_id == ChangePlan.id)
        .where(ChangePlan.status.in_(("scheduled", "applied")), ChangePlan.announced_on <= today,
               ChangePlan.effective_on >= today,
               (PlanAssignment.to_owner_id == user.id) | (PlanAssignment.from_owner_id == user.id),
               PlanAssignment.decision.in_((protection.MOVES, protection.PROTECTED)))
        .order_by(ChangePlan.id)).all()
    plans: dict[int, list] = {}
    for plan_id, name, announced_on, effective_on, to_owner, from_owner in rows:
        if to_owner == from_owner or not rules.territory_due(announced_on, effective_on, today):
            continue
        entry = plans.setdefault(plan_id, [name, announced_on, effective_on, 0, 0])
        entry[3 if to_owner == user.id else 4] += 1
    return [rules.territory_reminder(plan_id, name, gaining, losing, announced_on, effective_on,
                                     link("territories.my_changes"))
            for plan_id, (name, announced_on, effective_on, gaining, losing) in plans.items()]
