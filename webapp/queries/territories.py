"""Reads for territory design, balance and roll-forward plans.

Scope: a manager works on the accounts they may see (their own and their reps') and on the
territories owned by their team (or by nobody yet); an admin on everything. Every function
runs a fixed number of queries whatever the number of accounts.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from webapp.domain import balance, protection, territory_matching
from webapp.models import (
    OPEN_STAGES,
    Account,
    ChangePlan,
    Opportunity,
    PlanAssignment,
    TeamSettings,
    Territory,
    TerritoryOverride,
    TerritoryRule,
    User,
)
from webapp.queries.access import (
    account_visibility,
    plan_scope,
    team_reps,
    territory_scope,
    visible_accounts,
)
from webapp.queries import totals
from webapp.routing import MAX_DATABASE_ID

# --- scope ----------------------------------------------------------------------------------


def territories(session: Session, user: User) -> list[Territory]:
    """Territories in scope, by name, with their owners loaded."""
    from sqlalchemy.orm import joinedload

    stmt = (select(Territory).options(joinedload(Territory.owner))
            .where(territory_scope(user)).order_by(Territory.name))
    return list(session.scalars(stmt))


def get_territory(session: Session, user: User, territory_id: int) -> Territory | None:
    return session.scalar(select(Territory).where(Territory.id == territory_id,
                                                  territory_scope(user)))


def account_counts(session: Session, territory_ids: list[int]) -> dict[int, int]:
    """Territory id -> number of accounts designed into it."""
    return totals.territory_account_counts(session, territory_ids)


def fiscal_start_month(session: Session) -> int:
    return session.scalar(select(TeamSettings.fiscal_year_start_month).limit(1)) or 1


# --- design ---------------------------------------------------------------------------------

def rules_of(row: TerritoryRule | None, territory_id: int) -> territory_matching.TerritoryRules:
    """The pure rule set of a stored rule row (no row: matches nothing)."""
    if row is None:
        return territory_matching.TerritoryRules(territory_id)
    radius = None
    if None not in (row.center_latitude, row.center_longitude, row.radius_km):
        radius = territory_matching.Radius(row.center_latitude, row.center_longitude, row.radius_km)
    return territory_matching.TerritoryRules(
        territory_id, countries=territory_matching.split_list(row.countries), regions=territory_matching.split_list(row.regions),
        postal_prefixes=territory_matching.split_list(row.postal_prefixes), radius=radius,
        industries=territory_matching.split_list(row.industries), segments=territory_matching.split_list(row.segments),
        potential_bands=territory_matching.split_list(row.potential_bands))


def rule_row(session: Session, territory_id: int) -> TerritoryRule | None:
    return session.scalar(select(TerritoryRule).where(TerritoryRule.territory_id == territory_id))


def design_rules(session: Session, user: User) -> list[territory_matching.TerritoryRules]:
    """The rule sets of every territory in scope."""
    stmt = (select(Territory.id, TerritoryRule)
            .outerjoin(TerritoryRule, TerritoryRule.territory_id == Territory.id)
            .where(territory_scope(user)))
    return [rules_of(row, tid) for tid, row in session.execute(stmt)]


def overrides(session: Session, user: User) -> dict[int, int]:
    """Manual overrides on the accounts `user` may see: account id -> territory id."""
    stmt = (select(TerritoryOverride.account_id, TerritoryOverride.territory_id)
            .join(Account, Account.id == TerritoryOverride.account_id)
            .where(account_visibility(user)))
    return dict(session.execute(stmt).all())


def account_facts(session: Session, user: User) -> list[territory_matching.AccountFacts]:
    """What the rules look at, for every account `user` may see."""
    stmt = select(Account.id, Account.country, Account.region, Account.postal_code,
                  Account.latitude, Account.longitude, Account.industry, Account.segment,
                  Account.potential, Account.territory_id).where(account_visibility(user))
    return [territory_matching.AccountFacts(*row) for row in session.execute(stmt)]


@dataclass
class PinnedAccount:
    account_id: int
    name: str
    city: str
    pinned_by: str  # "" when the user who pinned it is gone
    pinned_at: datetime


def pinned_accounts(session: Session, user: User, territory_id: int) -> list[PinnedAccount]:
    """The accounts `user` may see that are pinned to the territory by hand, by name, with who
    pinned them and when. One query."""
    setter = User.__table__.alias("setter")
    stmt = (select(Account.id, Account.name, Account.city, setter.c.name,
                   TerritoryOverride.created_at)
            .join(Account, Account.id == TerritoryOverride.account_id)
            .outerjoin(setter, setter.c.id == TerritoryOverride.created_by_id)
            .where(TerritoryOverride.territory_id == territory_id, account_visibility(user))
            .order_by(func.lower(Account.name), Account.id))
    return [PinnedAccount(aid, name, city or "", by or "", at)
            for aid, name, city, by, at in session.execute(stmt)]


def pinned_count(session: Session, user: User, territory_id: int) -> int:
    """How many accounts `user` may see are pinned to the territory."""
    return session.scalar(select(func.count(TerritoryOverride.id))
                          .join(Account, Account.id == TerritoryOverride.account_id)
                          .where(TerritoryOverride.territory_id == territory_id,
                                 account_visibility(user))) or 0


def visible_account(session: Session, user: User, account_id: int) -> Account | None:
    """The account if `user` may see it (for a form that names it by id), else None."""
    if not 0 < account_id <= MAX_DATABASE_ID:
        return None
    return session.scalar(visible_accounts(user).where(Account.id == account_id))


def accounts_named(session: Session, user: User, name: str, limit: int = 10) -> list[Account]:
    """Accounts `user` may see whose name is `name` (case and extra spaces aside)."""
    wanted = " ".join(name.split()).lower()
    if not wanted:
        return []
    return list(session.scalars(visible_accounts(user)
                                .where(func.lower(Account.name) == wanted)
                                .order_by(Account.id).limit(limit)))


@dataclass
class RulePreview:
    summary: territory_matching.MatchSummary
    names: dict[int, str]  # account id -> name, for the unmatched and double-matched lists


def rule_preview(session: Session, user: User,
                 candidate: territory_matching.TerritoryRules) -> RulePreview:
    """What the design would be with `candidate` replacing its territory's stored rules."""
    others = [t for t in design_rules(session, user) if t.territory_id != candidate.territory_id]
    matched = territory_matching.assign_territories(account_facts(session, user), [*others, candidate],
                                   overrides(session, user))
    summary = territory_matching.match_summary(candidate.territory_id, matched)
    wanted = set(summary.unmatched[:50]) | set(summary.conflicts[:50])
    names = dict(session.execute(select(Account.id, Account.name)
                                 .where(Account.id.in_(wanted))).all()) if wanted else {}
    return RulePreview(summary, names)


# --- balance --------------------------------------------------------------------------------

@dataclass(frozen=True)
class AccountLoad:
    id: int
    owner_id: int | None
    customer: bool
    potential: int
    pipeline: Decimal


def account_loads(session: Session, user: User) -> list[AccountLoad]:
    """Per visible account: owner, customer or not, potential, open qualified pipeline."""
    pipeline = dict(session.execute(
        select(Opportunity.account_id, func.sum(Opportunity.amount))
        .join(Account, Account.id == Opportunity.account_id)
        .where(account_visibility(user), Opportunity.stage.in_(OPEN_STAGES),
               Opportunity.qualified.is_(True))
        .group_by(Opportunity.account_id)).all())
    rows = session.execute(select(Account.id, Account.owner_id, Account.status, Account.potential)
                           .where(account_visibility(user)))
    return [AccountLoad(aid, owner, status == "customer", potential or 0,
                        Decimal(pipeline.get(aid) or 0))
            for aid, owner, status, potential in rows]


def rep_loads(reps: list[User], loads: list[AccountLoad],
              new_owner: dict[int, int | None] | None = None) -> list[balance.RepLoad]:
    """Sum account loads per rep; `new_owner` (account id -> owner) projects a plan."""
    new_owner = new_owner or {}
    totals: dict[int, list] = defaultdict(lambda: [0, 0, 0, Decimal(0)])
    for load in loads:
        owner = new_owner.get(load.id, load.owner_id)
        t = totals[owner]
        t[0] += 1
        t[1] += load.customer
        t[2] += load.potential
        t[3] += load.pipeline
    return [balance.RepLoad(rep.id, rep.name, *totals[rep.id]) for rep in reps]


def owner_loads(session: Session, user: User) -> dict[int, tuple[int, int, int, Decimal]]:
    """Per owner of accounts `user` may see: (accounts, customers, potential, open qualified
    pipeline), from the per-owner totals (`webapp.queries.totals`): a few rows per owner, not
    one per account, and exact (kept by every write)."""
    return {owner: (int(n), int(customers or 0), int(potential or 0), Decimal(amount or 0))
            for owner, (n, customers, potential, amount)
            in totals.owner_loads(session, user).items()}


def owner_loads_from_accounts(session: Session, user: User
                              ) -> dict[int, tuple[int, int, int, Decimal]]:
    """`owner_loads` summed from every account (what the totals must equal; tests compare)."""
    accounts = (
        select(Account.owner_id.label("owner_id"), func.count(Account.id).label("accounts"),
               func.sum(case((Account.status == "customer", 1), else_=0)).label("customers"),
               func.sum(func.coalesce(Account.potential, 0)).label("potential"))
        .where(account_visibility(user), Account.owner_id.is_not(None))
        .group_by(Account.owner_id).subquery())
    pipeline = (
        select(Account.owner_id.label("owner_id"), func.sum(Opportunity.amount).label("amount"))
        .join(Account, Account.id == Opportunity.account_id)
        .where(account_visibility(user), Opportunity.stage.in_(OPEN_STAGES),
               Opportunity.qualified.is_(True))
        .group_by(Account.owner_id).subquery())
    rows = session.execute(
        select(accounts.c.owner_id, accounts.c.accounts, accounts.c.customers,
               accounts.c.potential, pipeline.c.amount)
        .outerjoin(pipeline, pipeline.c.owner_id == accounts.c.owner_id))
    return {owner: (int(n), int(customers or 0), int(potential or 0), Decimal(amount or 0))
            for owner, n, customers, potential, amount in rows}


def team_balance(session: Session, user: User) -> list[balance.BalanceRow]:
    """The balance table of `user`'s team as it is today (summed per owner by the database)."""
    loads = owner_loads(session, user)
    empty = (0, 0, 0, Decimal(0))
    return balance.balance([balance.RepLoad(rep.id, rep.name, *loads.get(rep.id, empty))
                            for rep in team_reps(session, user)])


# --- plans ----------------------------------------------------------------------------------

def plans(session: Session, user: User) -> list[ChangePlan]:
    return list(session.scalars(select(ChangePlan).where(plan_scope(user))
                                .order_by(ChangePlan.effective_on.desc(), ChangePlan.id.desc())))


def get_plan(session: Session, user: User, plan_id: int) -> ChangePlan | None:
    return session.scalar(select(ChangePlan).where(ChangePlan.id == plan_id, plan_scope(user)))


def plan_settings(session: Session, plan: ChangePlan) -> protection.PlanSettings:
    """The pure settings of a plan: fiscal year, protection mode (with the team's average
    sales cycle from closed-won history when asked for), Major/Federal setting."""
    cycle = None
    if plan.protection_mode == "sales_cycle":
        won = session.execute(select(Opportunity.created_at, Opportunity.closed_at)
                              .where(Opportunity.stage == "won",
                                     Opportunity.closed_at.is_not(None)))
        cycle = protection.average_sales_cycle_days(won.all())
    return protection.PlanSettings(fiscal_start_month(session), plan.protection_mode,
                          plan.major_federal, cycle)


def plan_dates(plan: ChangePlan) -> protection.PlanDates:
    return protection.PlanDates(plan.announced_on, plan.cutoff_on, plan.effective_on)


@dataclass
class PreviewRow:
    assignment: PlanAssignment
    account_name: str
    from_name: str
    to_name: str
    to_territory: str
    decision: protection.Decision


def plan_decisions(session: Session, plan: ChangePlan) -> list[PreviewRow]:
    """Every account of the plan with what happens to it. A draft is decided live from today's
    opportunities; a scheduled plan shows the decisions frozen when it was scheduled."""
    owner = User.__table__.alias("o")
    new_owner = User.__table__.alias("n")
    stmt = (select(PlanAssignment, Account.name, Account.segment, owner.c.name, new_owner.c.name,
                   Territory.name)
            .join(Account, Account.id == PlanAssignment.account_id)
            .outerjoin(owner, owner.c.id == PlanAssignment.from_owner_id)
            .outerjoin(new_owner, new_owner.c.id == PlanAssignment.to_owner_id)
            .outerjoin(Territory, Territory.id == PlanAssignment.to_territory_id)
            .where(PlanAssignment.plan_id == plan.id)
            .order_by(func.lower(Account.name), Account.id))
    rows = list(session.execute(stmt))
    frozen = plan.status != "draft"
    deals: dict[int, list[protection.Deal]] = defaultdict(list)
    names: dict[int, str] = {}
    if frozen:
        opp_ids = [a.protecting_opportunity_id for a, *_ in rows if a.protecting_opportunity_id]
        if opp_ids:
            names = dict(session.execute(select(Opportunity.id, Opportunity.name)
                                         .where(Opportunity.id.in_(opp_ids))).all())
        settings = dates = None
    else:
        settings, dates = plan_settings(session, plan), plan_dates(plan)
        opps = session.execute(
            select(Opportunity.id, Opportunity.account_id, Opportunity.name,
                   Opportunity.created_at, Opportunity.close_on, Opportunity.stage,
                   Opportunity.closed_at)
            .join(PlanAssignment, PlanAssignment.account_id == Opportunity.account_id)
            .where(PlanAssignment.plan_id == plan.id))
        for oid, aid, name, created, close_on, stage, closed in opps:
            deals[aid].append(protection.Deal(oid, name, created.date(), close_on, stage,
                                     closed.date() if closed else None))
    result = []
    for assignment, account_name, segment, from_name, to_name, territory_name in rows:
        if frozen:
            decision = protection.Decision(assignment.decision or protection.STAYS, assignment.moves_on,
                                  assignment.protected_until,
                                  assignment.protecting_opportunity_id,
                                  names.get(assignment.protecting_opportunity_id, ""))
        else:
            change = protection.AccountChange(assignment.account_id, segment, assignment.from_owner_id,
                                     assignment.to_owner_id, tuple(deals[assignment.account_id]))
            decision = protection.decide(change, dates, settings)
        result.append(PreviewRow(assignment, account_name, from_name or "nobody",
                                 to_name or "nobody", territory_name or "", decision))
    return result


def plan_size(session: Session, plan: ChangePlan) -> int:
    """How many accounts the plan holds."""
    return session.scalar(select(func.count(PlanAssignment.id))
                          .where(PlanAssignment.plan_id == plan.id)) or 0


def plan_has_started(session: Session, plan: ChangePlan) -> bool:
    """Has anything of the plan been applied (a territory recorded or an owner changed)?"""
    return plan.status == "applied" or bool(session.scalar(
        select(func.count(PlanAssignment.id)).where(
            PlanAssignment.plan_id == plan.id,
            or_(PlanAssignment.territory_applied_at.is_not(None),
                PlanAssignment.applied_at.is_not(None)))))


def pending_account_ids(session: Session, exclude_plan_id: int | None = None) -> set[int]:
    """Accounts already promised a change by a scheduled plan that has not finished with them."""
    stmt = (select(PlanAssignment.account_id)
            .join(ChangePlan, ChangePlan.id == PlanAssignment.plan_id)
            .where(ChangePlan.status.in_(("scheduled", "applied")),
                   PlanAssignment.applied_at.is_(None),
                   PlanAssignment.decision.in_((protection.MOVES, protection.PROTECTED))))
    if exclude_plan_id is not None:
        stmt = stmt.where(ChangePlan.id != exclude_plan_id)
    return set(session.scalars(stmt))


def movable_accounts(session: Session, user: User, query: str, limit: int = 10):
    """Accounts `user` may move, whose name contains `query` (for the plan's move form)."""
    words = query.strip().lower()
    if not words:
        return []
    pattern = "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    stmt = (select(Account.id, Account.name, Account.city, Territory.name.label("territory"))
            .outerjoin(Territory, Territory.id == Account.territory_id)
            .where(account_visibility(user), func.lower(Account.name).like(pattern, escape="\\"))
            .order_by(func.lower(Account.name)).limit(limit))
    return list(session.execute(stmt))


# --- the rep's view -------------------------------------------------------------------------

@dataclass
class MyChange:
    plan_name: str
    account_id: int
    account_name: str
    on: date | None  # the day the owner changes
    protected_until: date | None
    opportunity_name: str
    other_rep: str


@dataclass
class MyChanges:
    gaining: dict[date, list[MyChange]]  # on the effective date (or later, after protection)
    keeping: dict[date, list[MyChange]]  # protected: stays with me until the date
    losing: dict[date, list[MyChange]]  # moves away on the date

    @property
    def empty(self) -> bool:
        return not (self.gaining or self.keeping or self.losing)


def my_changes(session: Session, user: User, today: date) -> MyChanges:
    """What announced plans will change for `user`: accounts gained (when), kept for now
    because of open deals (until when), handed over (when). Two queries."""
    other = User.__table__.alias("other")
    mine = or_(PlanAssignment.to_owner_id == user.id, PlanAssignment.from_owner_id == user.id)
    stmt = (select(PlanAssignment, ChangePlan.name, Account.name, other.c.name)
            .join(ChangePlan, ChangePlan.id == PlanAssignment.plan_id)
            .join(Account, Account.id == PlanAssignment.account_id)
            .outerjoin(other, other.c.id == func.coalesce(
                func.nullif(PlanAssignment.to_owner_id, user.id), PlanAssignment.from_owner_id))
            .where(mine, ChangePlan.status.in_(("scheduled", "applied")),
                   ChangePlan.announced_on <= today, PlanAssignment.applied_at.is_(None),
                   PlanAssignment.decision.in_((protection.MOVES, protection.PROTECTED)))
            .order_by(PlanAssignment.moves_on, func.lower(Account.name)))
    rows = list(session.execute(stmt))
    opp_ids = [a.protecting_opportunity_id for a, *_ in rows if a.protecting_opportunity_id]
    opp_names = dict(session.execute(select(Opportunity.id, Opportunity.name)
                                     .where(Opportunity.id.in_(opp_ids))).all()) if opp_ids else {}
    result = MyChanges({}, {}, {})
    for a, plan_name, account_name, other_name in rows:
        if a.to_owner_id == a.from_owner_id:
            continue
        item = MyChange(plan_name, a.account_id, account_name, a.moves_on, a.protected_until,
                        opp_names.get(a.protecting_opportunity_id, ""), other_name or "")
        if a.to_owner_id == user.id:
            result.gaining.setdefault(a.moves_on, []).append(item)
        elif a.decision == protection.PROTECTED:
            result.keeping.setdefault(a.protected_until, []).append(item)
        else:
            result.losing.setdefault(a.moves_on, []).append(item)
    return result
