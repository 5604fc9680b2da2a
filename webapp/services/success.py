"""Customer success writes: a customer's goal, outcome, renewal date and health (set by the rep,
with a reason), the renewal opportunity made ahead of time, and a reference asked to host.

Services add and flush; the request (or `unit_of_work` in a command) commits."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.clock import utcnow
from webapp.domain.success import (
    HEALTHS,
    RENEWAL_LEAD_DAYS,
    renewal_needs_opportunity,
    renewal_opportunity_name,
)
from webapp.models import Account, AccountSuccess, Opportunity, ReferenceAsk, User
from webapp.services import audit
from webapp.services.idempotency import add_once, existing_for

MAX_GOAL_LENGTH = 2000
MAX_REASON_LENGTH = 500


class SuccessError(ValueError):
    """The change cannot be saved: `field` says which input, the message says why."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class SuccessChange:
    goal: str
    outcome: str
    renewal_on: date | None
    health: str            # "" when the rep has not said
    health_reason: str
    willing: bool


def success_row(session: Session, account: Account) -> AccountSuccess:
    """The account's success row, made (not yet flushed) when it has none."""
    row = session.get(AccountSuccess, account.id)
    if row is None:
        row = AccountSuccess(account_id=account.id, outcome="", health=None, health_reason="",
                             reference_willing=False, updated_at=utcnow())
        session.add(row)
    return row


def update_success(session: Session, user: User, account: Account, change: SuccessChange,
                   today: date) -> AccountSuccess:
    """Save what the rep says about a customer; a renewal date within RENEWAL_LEAD_DAYS makes
    its renewal opportunity now (once). Saving the same values again changes nothing (a replay).
    The caller has checked that `user` may see `account`."""
    if account.status != "customer":
        raise SuccessError("health", "Only a customer has health, goals and renewals.")
    health = change.health or None
    if health is not None and health not in HEALTHS:
        raise SuccessError("health", "Choose good, watch or at risk.")
    reason = change.health_reason.strip()
    if health in ("watch", "at_risk") and not reason:
        raise SuccessError("health_reason", "Say why, in a few words.")
    if len(reason) > MAX_REASON_LENGTH:
        raise SuccessError("health_reason", f"At most {MAX_REASON_LENGTH} characters.")
    goal, outcome = change.goal.strip(), change.outcome.strip()
    for field, text in (("goal", goal), ("outcome", outcome)):
        if len(text) > MAX_GOAL_LENGTH:
            raise SuccessError(field, f"At most {MAX_GOAL_LENGTH:,} characters.")
    row = success_row(session, account)
    now = utcnow()
    changed = []
    if (health, reason) != (row.health, row.health_reason):
        row.health, row.health_reason = health, reason
        row.health_set_at, row.health_set_by_id = now, user.id
        changed.append("health")
    if outcome != row.outcome:
        row.outcome = outcome
        changed.append("outcome")
    if change.willing != bool(row.reference_willing):
        row.reference_willing = change.willing
        changed.append("reference")
    if goal != account.customer_goal:
        account.customer_goal = goal
        changed.append("goal")
    if change.renewal_on != account.renewal_on:
        account.renewal_on = change.renewal_on
        changed.append("renewal")
    if changed:
        row.updated_at = now
        session.flush()
        audit.record(session, user, "account.success_changed", "account", account.id,
                     fields=",".join(changed), health=health or "")
    ensure_renewal_opportunity(session, account, row, today)
    return row


def ensure_renewal_opportunity(session: Session, account: Account, row: AccountSuccess,
                               today: date, lead_days: int = RENEWAL_LEAD_DAYS
                               ) -> Opportunity | None:
    """Make the open "Renewal: <account>" opportunity when the renewal is due within
    `lead_days`, once per renewal date (`row.renewal_opportunity_for` remembers it)."""
    if account.status != "customer" or not renewal_needs_opportunity(
            account.renewal_on, row.renewal_opportunity_for, today, lead_days):
        return None
    now = utcnow()
    opportunity = Opportunity(
        account_id=account.id, owner_id=account.owner_id, name=renewal_opportunity_name(account.name),
        stage="first_meeting", amount=Decimal("0.00"),
        close_on=account.renewal_on, next_step="Review their goals and health before the renewal",
        qualified=False, version=1, created_at=now, updated_at=now, stage_changed_at=now)
    session.add(opportunity)
    row.renewal_opportunity_for = account.renewal_on
    session.flush()
    audit.record(session, None, "opportunity.created", "opportunity", opportunity.id,
                 account_id=account.id, name=opportunity.name, renewal_on=account.renewal_on)
    return opportunity


def create_due_renewal_opportunities(session: Session, today: date,
                                     lead_days: int = RENEWAL_LEAD_DAYS) -> int:
    """Every customer renewing within `lead_days` gets its renewal opportunity (idempotent: the
    daily cron job). Returns how many were made."""
    rows = session.execute(
        select(Account, AccountSuccess)
        .outerjoin(AccountSuccess, AccountSuccess.account_id == Account.id)
        .where(Account.status == "customer", Account.renewal_on.is_not(None),
               Account.renewal_on >= today,
               Account.renewal_on <= date.fromordinal(today.toordinal() + lead_days))
        .order_by(Account.id)).all()
    made = 0
    for account, row in rows:
        if row is None:
            row = success_row(session, account)
        if ensure_renewal_opportunity(session, account, row, today, lead_days) is not None:
            made += 1
    return made


def record_reference_ask(session: Session, user: User, prospect: Account, reference: Account,
                         client_id: str) -> ReferenceAsk:
    """The rep asked `reference` to host `prospect` (the invitation was drafted). Idempotent on
    `client_id`. The caller has checked that `user` may see both."""
    existing = existing_for(session, ReferenceAsk, client_id, user.id)
    if existing is not None:
        return existing
    if reference.id == prospect.id or reference.status != "customer":
        raise SuccessError("reference", "Choose a customer to host.")
    ask = ReferenceAsk(uuid=client_id, reference_id=reference.id, prospect_id=prospect.id,
                       user_id=user.id, asked_at=utcnow())
    saved = add_once(session, ask, ReferenceAsk, client_id, user.id)
    if saved is not ask:
        return saved  # a concurrent twin of this write saved it first
    audit.record(session, user, "reference.asked", "account", reference.id,
                 prospect_id=prospect.id)
    return ask
