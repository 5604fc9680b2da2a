"""Reads for the pipeline pages: each function aggregates in SQL for a list of reps at once
(grouped by owner), so a page costs the same number of queries for one rep or a team of
twelve, however much history there is.

Money sums are in the team currency; open pipeline in other currencies is summed per currency
so a page can list it apart (see `webapp.domain.pipeline_metrics`).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from flask import abort
from sqlalchemy import DateTime, Float, and_, case, func, literal, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import joinedload
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from webapp.domain.checklists import ChecklistItem, checklist_for
from webapp.domain.pipeline_metrics import ZERO, DealPath, FlagRules, Period
from webapp.domain.stages import FUNNEL_LEVEL, STAGE_ORDER
from webapp.extensions import db
from webapp.models import (
    OPEN_STAGES,
    Account,
    Commitment,
    ForecastOverride,
    ForecastSubmission,
    MarketIntel,
    Meeting,
    OneToOne,
    Opportunity,
    OpportunityChange,
    PipelineSettings,
    QualificationAnswer,
    QualificationItem,
    QualificationOverride,
    Quota,
    TeamSettings,
    User,
)
from webapp.queries.access import account_visibility, visible_user_ids

DEAL_LIST_LIMIT = 120


# --- settings -------------------------------------------------------------------------------

@dataclass(frozen=True)
class PipelineConfig:
    currency: str
    fiscal_start_month: int
    coverage_target: Decimal
    methodology: str
    flag_rules: FlagRules
    forecast_lock_days: int
    history_months: int
    min_history: int
    qualify_answers: int = 3  # checklist answers that qualify a deal


def pipeline_config() -> PipelineConfig:
    """The team's settings and this feature's, with defaults where none were saved."""
    team = db.session.scalar(select(TeamSettings).order_by(TeamSettings.id).limit(1))
    own = db.session.scalar(select(PipelineSettings).order_by(PipelineSettings.id).limit(1))

    def pick(name, default):
        value = getattr(own, name, None) if own is not None else None
        return default if value is None else value

    return PipelineConfig(
        currency=team.currency if team else "USD",
        fiscal_start_month=team.fiscal_year_start_month if team else 1,
        coverage_target=Decimal(team.coverage_target) if team else Decimal("4.0"),
        methodology=pick("methodology", "meddic"),
        flag_rules=FlagRules(slip_pushes=pick("slip_pushes", 2), quiet_weeks=pick("quiet_weeks", 4),
                             stuck_days=pick("stuck_days", 60)),
        forecast_lock_days=pick("forecast_lock_days", 30),
        history_months=pick("history_months", 12),
        min_history=pick("min_history", 5),
        qualify_answers=pick("qualify_answers", 3),
    )


def custom_checklist_items() -> list[QualificationItem]:
    """The team's own checklist items, in order (active ones only)."""
    return list(db.session.scalars(
        select(QualificationItem).where(QualificationItem.active)
        .order_by(QualificationItem.position, QualificationItem.id)))


def team_checklist(methodology: str) -> tuple[ChecklistItem, ...]:
    """The checklist the team qualifies with (one query only for the team's own list)."""
    custom = ()
    if methodology == "custom":
        custom = tuple(ChecklistItem(i.key, i.label, i.hint, i.required)
                       for i in custom_checklist_items())
    return checklist_for(methodology, custom)


# --- who -------------------------------------------------------------------------------------

def team_reps(user: User) -> list[User]:
    """The reps whose pipeline `user` may see, by name: a manager's team, every rep for an
    admin, a rep only themselves."""
    return list(db.session.scalars(
        select(User).where(User.id.in_(visible_user_ids(user)), User.role == "rep", User.active)
        .order_by(User.name)))


def get_visible_rep(user: User, rep_id: int) -> User:
    """The rep, or 404 when `user` may not see their work."""
    rep = db.session.scalar(select(User).where(User.id == rep_id, User.role == "rep",
                                               User.id.in_(visible_user_ids(user))))
    if rep is None:
        abort(404)
    return rep


# --- building blocks --------------------------------------------------------------------------

class days_between(FunctionElement):
    """Days (fractional) from the first datetime to the second, on SQLite and PostgreSQL."""

    type = Float()
    inherit_cache = True
    name = "days_between"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element, compiler, **kw):
    start, end = list(element.clauses)
    end, start = compiler.process(end, **kw), compiler.process(start, **kw)
    return f"(julianday({end}) - julianday({start}))"


@compiles(days_between)
def _days_between_default(element, compiler, **kw):
    start, end = list(element.clauses)
    return (f"(EXTRACT(EPOCH FROM ({compiler.process(end, **kw)} - "
            f"{compiler.process(start, **kw)})) / 86400.0)")


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time())


def _in_period(column, period: Period) -> ColumnElement[bool]:
    """`column` (a date or a naive UTC datetime) falls in the period."""
    if isinstance(column.type, DateTime):
        return and_(column >= _day_start(period.start),
                    column < _day_start(period.end + timedelta(days=1)))
    return and_(column >= period.start, column <= period.end)


def _sum_in(amount, condition):
    return func.coalesce(func.sum(case((condition, amount), else_=0)), 0)


def _dec(value) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"))


# --- money per rep and period ----------------------------------------------------------------

def quotas_by_rep(rep_ids: list[int], periods: list[Period],
                  currency: str) -> dict[int, list[Decimal]]:
    """{rep_id: [quota per period]}: quota rows starting inside each period are summed (so
    monthly quotas add up to the quarter's)."""
    if not rep_ids:
        return {}
    columns = [_sum_in(Quota.amount, _in_period(Quota.period_start, p)).label(f"p{i}")
               for i, p in enumerate(periods)]
    rows = db.session.execute(
        select(Quota.user_id, *columns)
        .where(Quota.user_id.in_(rep_ids), Quota.currency == currency,
               Quota.period_start >= min(p.start for p in periods),
               Quota.period_start <= max(p.end for p in periods))
        .group_by(Quota.user_id))
    result = {rep_id: [ZERO] * len(periods) for rep_id in rep_ids}
    for row in rows:
        result[row[0]] = [_dec(v) for v in row[1:]]
    return result


def won_by_rep(rep_ids: list[int], periods: list[Period],
               currency: str) -> dict[int, list[Decimal]]:
    """{rep_id: [closed-won amount per period]} in the team currency."""
    if not rep_ids:
        return {}
    won_at = Opportunity.closed_at
    columns = [_sum_in(Opportunity.amount, _in_period(won_at, p)).label(f"p{i}")
               for i, p in enumerate(periods)]
    rows = db.session.execute(
        select(Opportunity.owner_id, *columns)
        .where(Opportunity.owner_id.in_(rep_ids), Opportunity.stage == "won",
               Opportunity.currency == currency,
               won_at >= _day_start(min(p.start for p in periods)),
               won_at < _day_start(max(p.end for p in periods) + timedelta(days=1)))
        .group_by(Opportunity.owner_id))
    result = {rep_id: [ZERO] * len(periods) for rep_id in rep_ids}
    for row in rows:
        result[row[0]] = [_dec(v) for v in row[1:]]
    return result


def qualified_pipeline_by_rep(rep_ids: list[int], periods: list[Period]
                              ) -> dict[int, dict[str, list[Decimal]]]:
    """{rep_id: {currency: [open qualified pipeline closing in each period]}}."""
    if not rep_ids:
        return {}
    columns = [_sum_in(Opportunity.amount, _in_period(Opportunity.close_on, p)).label(f"p{i}")
               for i, p in enumerate(periods)]
    rows = db.session.execute(
        select(Opportunity.owner_id, Opportunity.currency, *columns)
        .where(Opportunity.owner_id.in_(rep_ids), Opportunity.stage.in_(OPEN_STAGES),
               Opportunity.qualified,
               Opportunity.close_on >= min(p.start for p in periods),
               Opportunity.close_on <= max(p.end for p in periods))
        .group_by(Opportunity.owner_id, Opportunity.currency))
    result: dict[int, dict[str, list[Decimal]]] = {rep_id: {} for rep_id in rep_ids}
    for row in rows:
        result[row[0]][row[1]] = [_dec(v) for v in row[2:]]
    return result


@dataclass(frozen=True)
class StageTotal:
    count: int
    amount: Decimal


def open_by_stage(rep_ids: list[int], currency: str) -> dict[int, dict[str, StageTotal]]:
    """{rep_id: {stage: (open deals, amount in the team currency)}} for every open stage."""
    if not rep_ids:
        return {}
    rows = db.session.execute(
        select(Opportunity.owner_id, Opportunity.stage, func.count(Opportunity.id),
               _sum_in(Opportunity.amount, Opportunity.currency == currency))
        .where(Opportunity.owner_id.in_(rep_ids), Opportunity.stage.in_(OPEN_STAGES))
        .group_by(Opportunity.owner_id, Opportunity.stage))
    result = {rep_id: {s: StageTotal(0, ZERO) for s in OPEN_STAGES} for rep_id in rep_ids}
    for owner_id, stage, count, amount in rows:
        result[owner_id][stage] = StageTotal(count, _dec(amount))
    return result


# --- history: won deals, funnel paths, movement ------------------------------------------------

@dataclass(frozen=True)
class WonStats:
    won: int  # deals won in the window (any currency)
    cycle_days_total: float  # summed days from creation to won, for averaging across reps
    amount: Decimal  # won amount in the team currency
    amount_count: int  # deals behind `amount`

    @property
    def cycle_days(self) -> float | None:
        return self.cycle_days_total / self.won if self.won else None

    @property
    def average_deal(self) -> Decimal | None:
        if not self.amount_count:
            return None
        return (self.amount / self.amount_count).quantize(Decimal("1"))


def won_stats(rep_ids: list[int], since: datetime, currency: str) -> dict[int, WonStats]:
    """Per rep: deals won since `since`, their cycle length and average size."""
    if not rep_ids:
        return {}
    in_currency = Opportunity.currency == currency
    rows = db.session.execute(
        select(Opportunity.owner_id, func.count(Opportunity.id),
               func.coalesce(func.sum(days_between(Opportunity.created_at,
                                                   Opportunity.closed_at)), 0),
               _sum_in(Opportunity.amount, in_currency),
               func.coalesce(func.sum(case((in_currency, 1), else_=0)), 0))
        .where(Opportunity.owner_id.in_(rep_ids), Opportunity.stage == "won",
               Opportunity.closed_at >= since)
        .group_by(Opportunity.owner_id))
    result = {rep_id: WonStats(0, 0.0, ZERO, 0) for rep_id in rep_ids}
    for owner_id, won, days, amount, amount_count in rows:
        result[owner_id] = WonStats(int(won), float(days or 0), _dec(amount), int(amount_count))
    return result


def combine_won_stats(stats: list[WonStats]) -> WonStats:
    return WonStats(sum(s.won for s in stats), sum(s.cycle_days_total for s in stats),
                    sum((s.amount for s in stats), ZERO), sum(s.amount_count for s in stats))


def _level(column) -> ColumnElement[int]:
    return case({stage: level for stage, level in FUNNEL_LEVEL.items() if level}, value=column,
                else_=0)


def _larger(a, b):
    return case((a >= b, a), else_=b)


def funnel_paths(rep_ids: list[int], since: datetime) -> dict[int, list[DealPath]]:
    """Per rep: how far their deals got (highest funnel level ever reached, from the stage
    history) and where they are now, counted per (level, state). Deals count when they were
    created or closed since `since`, or are still open."""
    if not rep_ids:
        return {}
    in_window = and_(
        Opportunity.owner_id.in_(rep_ids),
        or_(Opportunity.created_at >= since, Opportunity.closed_at >= since,
            Opportunity.stage.in_(OPEN_STAGES)))
    reached = (
        select(OpportunityChange.opportunity_id.label("oid"),
               func.max(_level(OpportunityChange.new_value)).label("by_new"),
               func.max(_level(OpportunityChange.old_value)).label("by_old"))
        .join(Opportunity, Opportunity.id == OpportunityChange.opportunity_id)
        .where(OpportunityChange.field == "stage", in_window)
        .group_by(OpportunityChange.opportunity_id)
        .subquery())
    level = _larger(_larger(_level(Opportunity.stage), func.coalesce(reached.c.by_new, 0)),
                    func.coalesce(reached.c.by_old, 0))
    state = case((Opportunity.stage == "won", literal("won")),
                 (Opportunity.stage == "lost", literal("lost")), else_=literal("open"))
    per_deal = (
        select(Opportunity.owner_id.label("owner_id"), level.label("level"), state.label("state"))
        .outerjoin(reached, reached.c.oid == Opportunity.id)
        .where(in_window)
        .subquery())
    rows = db.session.execute(
        select(per_deal.c.owner_id, per_deal.c.level, per_deal.c.state, func.count())
        .group_by(per_deal.c.owner_id, per_deal.c.level, per_deal.c.state))
    result: dict[int, list[DealPath]] = {rep_id: [] for rep_id in rep_ids}
    for owner_id, lvl, st, count in rows:
        result[owner_id].append(DealPath(int(lvl), st, int(count)))
    return result


@dataclass(frozen=True)
class Movement:
    advanced: int = 0  # deals moved to a later stage
    slipped: int = 0  # deals whose close date was pushed out
    lost: int = 0


def movement_by_rep(rep_ids: list[int], since: datetime) -> dict[int, Movement]:
    """Per rep: deals advanced, slipped and lost since `since` (each deal counted once)."""
    if not rep_ids:
        return {}
    old, new = OpportunityChange.old_value, OpportunityChange.new_value
    order_old = case(STAGE_ORDER, value=old, else_=-1)
    order_new = case(STAGE_ORDER, value=new, else_=-1)
    is_stage = OpportunityChange.field == "stage"
    advanced = and_(is_stage, order_new > order_old, order_old >= 0)
    slipped = and_(OpportunityChange.field == "close_on", new > old)
    lost = and_(is_stage, new == "lost")
    oid = OpportunityChange.opportunity_id
    rows = db.session.execute(
        select(Opportunity.owner_id,
               func.count(func.distinct(case((advanced, oid)))),
               func.count(func.distinct(case((slipped, oid)))),
               func.count(func.distinct(case((lost, oid)))))
        .join(Opportunity, Opportunity.id == oid)
        .where(Opportunity.owner_id.in_(rep_ids), OpportunityChange.changed_at >= since,
               OpportunityChange.field.in_(("stage", "close_on")))
        .group_by(Opportunity.owner_id))
    result = {rep_id: Movement() for rep_id in rep_ids}
    for owner_id, adv, slip, lst in rows:
        result[owner_id] = Movement(int(adv), int(slip), int(lst))
    return result


def first_meetings_by_rep(rep_ids: list[int], week_since: datetime, period_since: datetime,
                          until: datetime) -> dict[int, tuple[int, int]]:
    """Per rep: new first meetings held (since `week_since`, since `period_since`)."""
    if not rep_ids:
        return {}
    started = Meeting.started_at
    rows = db.session.execute(
        select(Meeting.user_id,
               func.coalesce(func.sum(case((started >= week_since, 1), else_=0)), 0),
               func.coalesce(func.sum(case((started >= period_since, 1), else_=0)), 0))
        .where(Meeting.user_id.in_(rep_ids), Meeting.is_first_meeting,
               started >= min(week_since, period_since), started <= until)
        .group_by(Meeting.user_id))
    result = {rep_id: (0, 0) for rep_id in rep_ids}
    for user_id, week, period in rows:
        result[user_id] = (int(week), int(period))
    return result


# --- the rep's open deals ---------------------------------------------------------------------

@dataclass(frozen=True)
class OpenDeal:
    id: int
    name: str
    account_id: int
    account_name: str  # "" when the viewer may not see the account
    stage: str
    amount: Decimal
    currency: str
    close_on: date
    qualified: bool
    stage_changed_at: datetime
    next_step: str
    close_pushes: int
    last_meeting_at: datetime | None
    account_visible: bool = True  # False: the account is another rep's now (no link)


def open_deals(viewer: User, rep_id: int, limit: int = DEAL_LIST_LIMIT) -> list[OpenDeal]:
    """Every open deal the rep owns, in funnel order then by close date, with how often each
    close date was pushed out and the last meeting on the account.

    Ownership of the deal decides, as it does for coverage, the stage totals and closed-won
    credit (`qualified_pipeline_by_rep`, `open_by_stage`, `won_by_rep`): the list shows exactly
    the deals behind the rep's numbers. A roll-forward moves an account's open deals owned by
    the account's owner with it, but a deal owned by someone else stays theirs; so a rep can own
    a deal on an account that is now another rep's. That deal still counts for the rep (it is
    their pipeline and their credit when it closes) and is listed, but since `viewer` may not
    open that account (`account_visibility`), it comes without the account's name or a link
    (`account_visible` False): the manager sorts out who works it.

    The caller has checked that `viewer` may see the rep's work (`get_visible_rep`).
    """
    pushes = (select(func.count(OpportunityChange.id))
              .where(OpportunityChange.opportunity_id == Opportunity.id,
                     OpportunityChange.field == "close_on",
                     OpportunityChange.new_value > OpportunityChange.old_value)
              .correlate(Opportunity).scalar_subquery())
    last_meeting = (select(func.max(Meeting.started_at))
                    .where(Meeting.account_id == Opportunity.account_id)
                    .correlate(Opportunity).scalar_subquery())
    stage_order = case(STAGE_ORDER, value=Opportunity.stage, else_=9)
    visible = case((account_visibility(viewer), literal(1)), else_=literal(0))
    rows = db.session.execute(
        select(Opportunity.id, Opportunity.name, Opportunity.account_id, Account.name,
               Opportunity.stage, Opportunity.amount, Opportunity.currency, Opportunity.close_on,
               Opportunity.qualified, Opportunity.stage_changed_at, Opportunity.next_step,
               pushes, last_meeting, visible)
        .join(Account, Account.id == Opportunity.account_id)
        .where(Opportunity.owner_id == rep_id, Opportunity.stage.in_(OPEN_STAGES))
        .order_by(stage_order.desc(), Opportunity.close_on, Opportunity.id)
        .limit(limit))
    deals = []
    for row in rows:
        shown = bool(row[13])
        deals.append(OpenDeal(row[0], row[1], row[2], row[3] if shown else "", *row[4:11],
                              close_pushes=int(row[11] or 0), last_meeting_at=row[12],
                              account_visible=shown))
    return deals


# --- qualification ----------------------------------------------------------------------------

def get_visible_opportunity(user: User, opportunity_id: int) -> Opportunity:
    """The opportunity, reached through an account `user` may see; 404 otherwise."""
    opportunity = db.session.scalar(
        select(Opportunity).join(Account, Account.id == Opportunity.account_id)
        .where(Opportunity.id == opportunity_id, account_visibility(user)))
    if opportunity is None:
        abort(404)
    return opportunity


def qualification_answers(opportunity_id: int
                          ) -> tuple[dict[str, str], QualificationOverride | None]:
    """The answers given for an opportunity ({item key: answer}) and the rep's override."""
    answers = dict(db.session.execute(
        select(QualificationAnswer.item_key, QualificationAnswer.answer)
        .where(QualificationAnswer.opportunity_id == opportunity_id)).all())
    override = db.session.scalar(select(QualificationOverride)
                                 .where(QualificationOverride.opportunity_id == opportunity_id))
    return answers, override


# --- forecasts --------------------------------------------------------------------------------

def forecasts_by_rep(rep_ids: list[int], period_starts: list[date]
                     ) -> dict[int, dict[date, ForecastSubmission]]:
    """{rep_id: {period start: submission}}."""
    result: dict[int, dict[date, ForecastSubmission]] = {rep_id: {} for rep_id in rep_ids}
    if not rep_ids or not period_starts:
        return result
    for row in db.session.scalars(
            select(ForecastSubmission).where(ForecastSubmission.user_id.in_(rep_ids),
                                             ForecastSubmission.period_start.in_(period_starts))):
        result[row.user_id][row.period_start] = row
    return result


def overrides_by_rep(rep_ids: list[int], period_start: date) -> dict[int, ForecastOverride]:
    """{rep_id: the manager's override} for one period."""
    if not rep_ids:
        return {}
    return {row.rep_id: row for row in db.session.scalars(
        select(ForecastOverride).where(ForecastOverride.rep_id.in_(rep_ids),
                                       ForecastOverride.period_start == period_start))}


# --- one-to-ones ------------------------------------------------------------------------------

def one_to_one(rep_id: int, week: date) -> OneToOne | None:
    return db.session.scalar(select(OneToOne).where(OneToOne.rep_id == rep_id,
                                                    OneToOne.week_start == week))


def previous_one_to_one_week(rep_id: int, week: date) -> date | None:
    """The week of the last one-to-one with notes before `week`."""
    return db.session.scalar(select(func.max(OneToOne.week_start))
                             .where(OneToOne.rep_id == rep_id, OneToOne.week_start < week))


def recent_one_to_one_weeks(rep_ids: list[int]) -> dict[int, date]:
    """{rep_id: week of their latest one-to-one}."""
    if not rep_ids:
        return {}
    return dict(db.session.execute(
        select(OneToOne.rep_id, func.max(OneToOne.week_start))
        .where(OneToOne.rep_id.in_(rep_ids)).group_by(OneToOne.rep_id)).all())


@dataclass(frozen=True)
class PlanAccount:
    id: int
    name: str
    potential: int
    city: str
    next_steps: list[tuple[str, str, date | None]]  # (deal, next step, due)


def territory_plan(viewer: User, rep_id: int, limit: int = 8) -> list[PlanAccount]:
    """The rep's top accounts by potential, each with its open deals' next steps (2 queries)."""
    accounts = db.session.execute(
        select(Account.id, Account.name, Account.potential, Account.city)
        .where(Account.owner_id == rep_id, account_visibility(viewer))
        .order_by(Account.potential.desc(), Account.name).limit(limit)).all()
    if not accounts:
        return []
    steps = defaultdict(list)
    for account_id, name, step, due in db.session.execute(
            select(Opportunity.account_id, Opportunity.name, Opportunity.next_step,
                   Opportunity.next_step_on)
            .where(Opportunity.account_id.in_([a.id for a in accounts]),
                   Opportunity.stage.in_(OPEN_STAGES))
            .order_by(Opportunity.next_step_on, Opportunity.id)):
        steps[account_id].append((name, step, due))
    return [PlanAccount(a.id, a.name, a.potential, a.city, steps.get(a.id, [])) for a in accounts]


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


def deal_changes_since(viewer: User, rep_id: int, since: datetime,
                       limit: int = 30) -> list[DealChange]:
    """What moved on the rep's deals since `since` (stage, close date, amount, qualified), newest
    first."""
    rows = db.session.execute(
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


def commitments_owed(viewer: User, rep_id: int, limit: int = 15) -> list[tuple[Commitment, str]]:
    """What prospects promised the rep and have not done yet, soonest due first."""
    return list(db.session.execute(
        select(Commitment, Account.name).join(Account, Account.id == Commitment.account_id)
        .where(Account.owner_id == rep_id, account_visibility(viewer),
               Commitment.party == "theirs", Commitment.kept.is_(None))
        .order_by(Commitment.due_on.is_(None), Commitment.due_on, Commitment.id)
        .limit(limit)).all())


def intel_feed(rep: User, limit: int = 15) -> list[MarketIntel]:
    """Market intel for a rep: shared with them, with their manager's whole team, or by an
    admin with every rep (a post without a rep is for everyone its author leads)."""
    by_admin = MarketIntel.author_id.in_(select(User.id).where(User.role == "admin"))
    leader = or_(MarketIntel.author_id == rep.manager_id, by_admin) if rep.manager_id else by_admin
    for_all = and_(MarketIntel.rep_id.is_(None), leader)
    return list(db.session.scalars(
        select(MarketIntel).where(or_(MarketIntel.rep_id == rep.id, for_all))
        .order_by(MarketIntel.created_at.desc(), MarketIntel.id.desc()).limit(limit)
        .options(joinedload(MarketIntel.author))))
