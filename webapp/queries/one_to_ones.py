"""The weekly one-to-one page: its notes, the rep's territory plan, what changed in their
deals, commitments owed and market intel."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from webapp.models import (
    OPEN_STAGES,
    Account,
    Commitment,
    Intel,
    OneToOne,
    Opportunity,
    OpportunityChange,
    User,
)
from webapp.queries.access import account_visibility
from webapp.queries.intel import market_news

# --- one-to-ones ------------------------------------------------------------------------------

def one_to_one_and_previous_week(session: Session, rep_id: int,
                                 week: date) -> tuple[OneToOne | None, date | None]:
    """The one-to-one of `week` (if held) and the week of the latest one before it, in one
    query."""
    rows = session.scalars(
        select(OneToOne).where(OneToOne.rep_id == rep_id, OneToOne.week_start <= week)
        .order_by(OneToOne.week_start.desc()).limit(2)).all()
    record = rows[0] if rows and rows[0].week_start == week else None
    earlier = [r.week_start for r in rows if r.week_start < week]
    return record, (earlier[0] if earlier else None)


def recent_one_to_one_weeks(session: Session, rep_ids: list[int]) -> dict[int, date]:
    """{rep_id: week of their latest one-to-one}."""
    if not rep_ids:
        return {}
    return dict(session.execute(
        select(OneToOne.rep_id, func.max(OneToOne.week_start))
        .where(OneToOne.rep_id.in_(rep_ids)).group_by(OneToOne.rep_id)).all())


@dataclass(frozen=True)
class PlanAccount:
    id: int
    name: str
    potential: int
    city: str
    next_steps: list[tuple[str, str, date | None]]  # (deal, next step, due)


def territory_plan(session: Session, viewer: User, rep_id: int,
                   limit: int = 8) -> list[PlanAccount]:
    """The rep's top accounts by potential, each with its open deals' next steps (one query:
    the top accounts, joined to their open deals)."""
    top = (select(Account.id, Account.name, Account.potential, Account.city)
           .where(Account.owner_id == rep_id, account_visibility(viewer))
           .order_by(Account.potential.desc(), Account.name, Account.id).limit(limit).subquery())
    rows = session.execute(
        select(top.c.id, top.c.name, top.c.potential, top.c.city,
               Opportunity.id, Opportunity.name, Opportunity.next_step, Opportunity.next_step_on)
        .outerjoin(Opportunity, and_(Opportunity.account_id == top.c.id,
                                     Opportunity.stage.in_(OPEN_STAGES)))
        .order_by(top.c.potential.desc(), top.c.name, top.c.id, Opportunity.next_step_on,
                  Opportunity.id))
    accounts: dict[int, PlanAccount] = {}
    for account_id, name, potential, city, deal_id, deal, step, due in rows:
        plan = accounts.setdefault(account_id, PlanAccount(account_id, name, potential, city, []))
        if deal_id is not None:
            plan.next_steps.append((deal, step, due))
    return list(accounts.values())


@dataclass(frozen=True)
class DealChange:
    opportunity_id: int
    opportunity_name: str
    account_name: str
    field: str
    old_value: str | None
    new_value: str | None
    changed_at: datetime
    currency: str = "USD"


def deal_changes_since(session: Session, viewer: User, rep_id: int, since: datetime,
                       limit: int = 30) -> list[DealChange]:
    """What moved on the rep's deals since `since` (stage, close date, amount, qualified), newest
    first."""
    rows = session.execute(
        select(Opportunity.id, Opportunity.name, Account.name, OpportunityChange.field,
               OpportunityChange.old_value, OpportunityChange.new_value,
               OpportunityChange.changed_at, Opportunity.currency)
        .join(Opportunity, Opportunity.id == OpportunityChange.opportunity_id)
        .join(Account, Account.id == Opportunity.account_id)
        .where(Opportunity.owner_id == rep_id, account_visibility(viewer),
               OpportunityChange.changed_at >= since,
               OpportunityChange.field.in_(("stage", "close_on", "amount", "qualified")))
        .order_by(OpportunityChange.changed_at.desc(), OpportunityChange.id.desc())
        .limit(limit))
    return [DealChange(*row) for row in rows]


def commitments_owed(session: Session, viewer: User, rep_id: int,
                     limit: int = 15) -> list[tuple[Commitment, str]]:
    """What prospects promised the rep and have not done yet, soonest due first."""
    return list(session.execute(
        select(Commitment, Account.name).join(Account, Account.id == Commitment.account_id)
        .where(Account.owner_id == rep_id, account_visibility(viewer),
               Commitment.party == "theirs", Commitment.kept.is_(None))
        .order_by(Commitment.due_on.is_(None), Commitment.due_on, Commitment.id)
        .limit(limit)).all())


def intel_feed(session: Session, rep: User, limit: int = 15) -> list[Intel]:
    """Market intel for a rep: shared with them, with their manager's whole team, or by an
    admin with every rep (a post without a rep is for everyone its author leads)."""
    return market_news(session, rep, limit)
