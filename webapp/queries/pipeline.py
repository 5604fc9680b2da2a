"""Reads for the pipeline pages: each function aggregates in SQL for a list of reps at once
(grouped by owner), so a page costs the same number of queries for one rep or a team of
twelve, however much history there is.

Money sums are in the team currency; open pipeline in other currencies is summed per currency
so a page can list it apart (see `webapp.domain.pipeline_metrics`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import DateTime, and_, case, false, func, literal, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnElement

from webapp.domain.pipeline_metrics import ZERO, DealPath, Period
from webapp.domain.stages import FUNNEL_LEVEL, STAGE_ORDER
from webapp.models import (
    OPEN_STAGES,
    Account,
    Meeting,
    Opportunity,
    OpportunityChange,
    Quota,
    User,
)
from webapp.models.aggregates import DealTotal
from webapp.queries import totals
from webapp.queries.access import account_visibility
from webapp.queries.sql_functions import days_between

DEAL_LIST_LIMIT = 120


# --- building blocks --------------------------------------------------------------------------

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

def won_by_rep_from_deals(session: Session, rep_ids: list[int], periods: list[Period],
                          currency: str) -> dict[int, list[Decimal]]:
    """{rep_id: [closed-won amount per period]} in the team currency, summed from the deals."""
    if not rep_ids:
        return {}
    won_at = Opportunity.closed_at
    columns = [_sum_in(Opportunity.amount, _in_period(won_at, p)).label(f"p{i}")
               for i, p in enumerate(periods)]
    rows = session.execute(
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


def qualified_pipeline_by_rep_from_deals(session: Session, rep_ids: list[int],
                                         periods: list[Period]
                                         ) -> dict[int, dict[str, list[Decimal]]]:
    """{rep_id: {currency: [open qualified pipeline closing in each period]}}, summed from the
    deals."""
    if not rep_ids:
        return {}
    columns = [_sum_in(Opportunity.amount, _in_period(Opportunity.close_on, p)).label(f"p{i}")
               for i, p in enumerate(periods)]
    rows = session.execute(
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


@dataclass(frozen=True)
class RepTotals:
    quotas: list[Decimal]  # per quota period, in the team currency
    won: list[Decimal]  # closed won per won period, in the team currency
    pipeline: dict[str, list[Decimal]]  # open qualified pipeline closing per period, per currency
    stages: dict[str, StageTotal]  # open deals and their amount (team currency) per stage


def rep_totals_from_deals(session: Session, rep_ids: list[int], currency: str,
                          quota_periods: list[Period], won_periods: list[Period],
                          pipeline_periods: list[Period]) -> dict[int, RepTotals]:
    """Per rep, in one query: quotas per period, closed won per period (as `won_by_rep`), open
    qualified pipeline per period (as `qualified_pipeline_by_rep`) and open deals per stage.
    One pass over the reps' open and closed-won deals grouped by stage and currency; the
    quotas a subquery per period. A page costs one query for one rep or a whole team."""
    if not rep_ids:
        return {}
    won_at = Opportunity.closed_at
    won_range = false()
    if won_periods:
        won_range = and_(Opportunity.stage == "won",
                         won_at >= _day_start(min(p.start for p in won_periods)),
                         won_at < _day_start(max(p.end for p in won_periods) + timedelta(days=1)))
    quota_columns = [
        select(func.coalesce(func.sum(Quota.amount), 0))
        .where(Quota.user_id == User.id, Quota.currency == currency,
               _in_period(Quota.period_start, p)).correlate(User).scalar_subquery()
        for p in quota_periods]
    won_columns = [_sum_in(Opportunity.amount, _in_period(won_at, p)) for p in won_periods]
    pipeline_columns = [
        _sum_in(Opportunity.amount, and_(Opportunity.qualified,
                                         _in_period(Opportunity.close_on, p)))
        for p in pipeline_periods]
    rows = session.execute(
        select(User.id, Opportunity.stage, Opportunity.currency, func.count(Opportunity.id),
               func.coalesce(func.sum(Opportunity.amount), 0),
               *quota_columns, *won_columns, *pipeline_columns)
        .outerjoin(Opportunity, and_(Opportunity.owner_id == User.id,
                                     or_(Opportunity.stage.in_(OPEN_STAGES), won_range)))
        .where(User.id.in_(rep_ids))
        .group_by(User.id, Opportunity.stage, Opportunity.currency))
    return _rep_totals_of(rows, rep_ids, currency, quota_periods, won_periods,
                          pipeline_periods)


def _rep_totals_of(rows, rep_ids: list[int], currency: str, quota_periods: list[Period],
                   won_periods: list[Period], pipeline_periods: list[Period]
                   ) -> dict[int, RepTotals]:
    nq, nw = len(quota_periods), len(won_periods)
    quotas = {rep_id: [ZERO] * nq for rep_id in rep_ids}
    won = {rep_id: [ZERO] * nw for rep_id in rep_ids}
    pipeline: dict[int, dict[str, list[Decimal]]] = {rep_id: {} for rep_id in rep_ids}
    stages = {rep_id: {s: StageTotal(0, ZERO) for s in OPEN_STAGES} for rep_id in rep_ids}
    for rep_id, stage, deal_currency, count, amount, *values in rows:
        quotas[rep_id] = [_dec(v) for v in values[:nq]]
        if stage == "won":
            if deal_currency == currency:
                won[rep_id] = [_dec(v) for v in values[nq:nq + nw]]
        elif stage in OPEN_STAGES:
            sums = pipeline[rep_id].get(deal_currency, [ZERO] * len(pipeline_periods))
            pipeline[rep_id][deal_currency] = [a + _dec(v)
                                               for a, v in zip(sums, values[nq + nw:])]
            total = stages[rep_id][stage]
            stages[rep_id][stage] = StageTotal(
                total.count + int(count),
                total.amount + (_dec(amount) if deal_currency == currency else ZERO))
    return {rep_id: RepTotals(quotas[rep_id], won[rep_id], pipeline[rep_id], stages[rep_id])
            for rep_id in rep_ids}


# --- the same, from the per-owner totals ---------------------------------------------------------
# `webapp.models.aggregates` keeps deal_totals exact (open deals by close month, won deals by
# the month they closed): summing its few rows per rep gives what the functions above sum over
# every deal and its history. Periods that are not whole months use those functions.

def won_by_rep(session: Session, rep_ids: list[int], periods: list[Period],
               currency: str) -> dict[int, list[Decimal]]:
    """{rep_id: [closed-won amount per period]} in the team currency."""
    if not rep_ids:
        return {}
    if not totals.whole_months(periods):
        return won_by_rep_from_deals(session, rep_ids, periods, currency)
    T = DealTotal
    columns = [_sum_in(T.amount, totals.in_months(p)) for p in periods]
    rows = session.execute(
        select(T.owner_id, *columns)
        .where(T.owner_id.in_(rep_ids), T.stage == "won", T.currency == currency,
               totals.months_of(periods))
        .group_by(T.owner_id))
    result = {rep_id: [ZERO] * len(periods) for rep_id in rep_ids}
    for row in rows:
        result[row[0]] = [_dec(v) for v in row[1:]]
    return result


def qualified_pipeline_by_rep(session: Session, rep_ids: list[int], periods: list[Period]
                              ) -> dict[int, dict[str, list[Decimal]]]:
    """{rep_id: {currency: [open qualified pipeline closing in each period]}}."""
    if not rep_ids:
        return {}
    if not totals.whole_months(periods):
        return qualified_pipeline_by_rep_from_deals(session, rep_ids, periods)
    T = DealTotal
    columns = [_sum_in(T.amount, totals.in_months(p)) for p in periods]
    rows = session.execute(
        select(T.owner_id, T.currency, *columns)
        .where(T.owner_id.in_(rep_ids), T.stage.in_(OPEN_STAGES), T.qualified.is_(True),
               totals.months_of(periods))
        .group_by(T.owner_id, T.currency))
    result: dict[int, dict[str, list[Decimal]]] = {rep_id: {} for rep_id in rep_ids}
    for row in rows:
        result[row[0]][row[1]] = [_dec(v) for v in row[2:]]
    return result


def rep_totals(session: Session, rep_ids: list[int], currency: str, quota_periods: list[Period],
               won_periods: list[Period], pipeline_periods: list[Period]) -> dict[int, RepTotals]:
    """Per rep, in one query: quotas per period, closed won per period (as `won_by_rep`), open
    qualified pipeline per period (as `qualified_pipeline_by_rep`) and open deals per stage.
    Sums the reps' rows of deal_totals (a few per stage, currency and month) grouped by stage
    and currency; the quotas a subquery per period. One query for one rep or a whole team,
    whatever the number of deals."""
    if not rep_ids:
        return {}
    if not totals.whole_months([*won_periods, *pipeline_periods]):
        return rep_totals_from_deals(session, rep_ids, currency, quota_periods, won_periods,
                                     pipeline_periods)
    T = DealTotal
    won_range = false()
    if won_periods:
        won_range = and_(T.stage == "won", totals.months_of(won_periods))
    quota_columns = [
        select(func.coalesce(func.sum(Quota.amount), 0))
        .where(Quota.user_id == User.id, Quota.currency == currency,
               _in_period(Quota.period_start, p)).correlate(User).scalar_subquery()
        for p in quota_periods]
    won_columns = [_sum_in(T.amount, and_(T.stage == "won", totals.in_months(p)))
                   for p in won_periods]
    pipeline_columns = [_sum_in(T.amount, and_(T.qualified.is_(True), totals.in_months(p)))
                        for p in pipeline_periods]
    rows = session.execute(
        select(User.id, T.stage, T.currency, func.coalesce(func.sum(T.deals), 0),
               func.coalesce(func.sum(T.amount), 0),
               *quota_columns, *won_columns, *pipeline_columns)
        .outerjoin(T, and_(T.owner_id == User.id, or_(T.stage.in_(OPEN_STAGES), won_range)))
        .where(User.id.in_(rep_ids))
        .group_by(User.id, T.stage, T.currency))
    return _rep_totals_of(rows, rep_ids, currency, quota_periods, won_periods, pipeline_periods)


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


def won_stats(session: Session, rep_ids: list[int], since: datetime, currency: str) -> dict[int,
              WonStats]:
    """Per rep: deals won since `since`, their cycle length and average size."""
    if not rep_ids:
        return {}
    in_currency = Opportunity.currency == currency
    rows = session.execute(
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


def funnel_paths(session: Session, rep_ids: list[int], since: datetime) -> dict[int,
                 list[DealPath]]:
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
    rows = session.execute(
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


def movement_by_rep(session: Session, rep_ids: list[int], since: datetime) -> dict[int, Movement]:
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
    rows = session.execute(
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


def first_meetings_by_rep(session: Session, rep_ids: list[int], week_since: datetime,
                          period_since: datetime,
                          until: datetime) -> dict[int, tuple[int, int]]:
    """Per rep: new first meetings held (since `week_since`, since `period_since`)."""
    if not rep_ids:
        return {}
    started = Meeting.started_at
    rows = session.execute(
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


def open_deals(session: Session, viewer: User, rep_id: int,
               limit: int = DEAL_LIST_LIMIT) -> list[OpenDeal]:
    """Every open deal the rep owns, in funnel order then by close date, with how often each
    close date was pushed out and the last meeting on the account.

    Ownership of the deal decides, as it does for coverage, the stage totals and closed-won
    credit (`rep_totals`): the list shows exactly
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
    rows = session.execute(
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
