"""One read per pipeline page: each function gathers what its page shows from the grouped
queries in `webapp.queries.pipeline` and the arithmetic in `webapp.domain.pipeline_metrics`.

The query count of each function is fixed: it does not grow with deals, history or (for the
team pages) the number of reps.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.clock import local_today, utcnow
from webapp.domain import pipeline_metrics as metrics
from webapp.domain.pipeline_metrics import (
    ConversionRates,
    Coverage,
    DealHealth,
    ForecastResult,
    Period,
    ReverseFunnel,
)
from webapp.models import ForecastOverride, ForecastSubmission, Intel, OneToOne, User
from webapp.queries import access
from webapp.queries import forecasts
from webapp.queries import one_to_ones as weekly
from webapp.queries import pipeline_settings
from webapp.queries import pipeline as q
from webapp.queries.pipeline_settings import PipelineConfig

ACCURACY_PERIODS = 6  # closed periods on the forecast chart
TEAM_ACCURACY_PERIODS = 4
MIN_OWN_WON = 3  # won deals before a rep's own average deal size is used


def _since_months(today: date, months: int) -> datetime:
    return datetime.combine(today - timedelta(days=round(months * 30.44)), datetime.min.time())


def _peer_ids(session: Session, rep: User) -> list[int]:
    """The rep's team (their manager's reps, themselves included) for the team's rates."""
    if rep.manager_id is None:
        return [rep.id]
    return list(session.scalars(select(User.id).where(User.manager_id == rep.manager_id,
                                                      User.role == "rep", User.active)))


def _average_deal(own: q.WonStats, team: q.WonStats) -> tuple[Decimal | None, str]:
    if own.amount_count >= MIN_OWN_WON:
        return own.average_deal, "own"
    if team.amount_count:
        return team.average_deal, "team"
    return own.average_deal, "own"


@dataclass(frozen=True)
class PeriodCoverage:
    period: Period
    coverage: Coverage
    other_currencies: tuple[tuple[str, Decimal], ...]


def _totals(session: Session, rep_id: int, periods: list[Period],
            config: PipelineConfig) -> q.RepTotals:
    """The rep's quotas, closed won and qualified pipeline per period, and open deals by stage."""
    return q.rep_totals(session, [rep_id], config.currency, periods, periods, periods)[rep_id]


def _coverages(totals: q.RepTotals, periods: list[Period], config: PipelineConfig,
               average_deal: Decimal | None) -> list[PeriodCoverage]:
    quotas, won, pipeline = totals.quotas, totals.won, totals.pipeline
    result = []
    for i, period in enumerate(periods):
        own = pipeline.get(config.currency, [metrics.ZERO] * len(periods))[i]
        others = tuple((cur, sums[i]) for cur, sums in sorted(pipeline.items())
                       if cur != config.currency and sums[i])
        result.append(PeriodCoverage(period, metrics.coverage(
            quotas[i], won[i], own, config.coverage_target, average_deal), others))
    return result


# --- My pipeline ------------------------------------------------------------------------------

@dataclass(frozen=True)
class MyPipeline:
    rep: User
    config: PipelineConfig
    today: date
    coverages: list[PeriodCoverage]
    average_deal: Decimal | None
    average_deal_source: str
    stages: dict[str, q.StageTotal]
    deals: list[tuple[q.OpenDeal, DealHealth]]
    deal_total: int

    @property
    def flagged(self) -> int:
        return sum(1 for _, health in self.deals if health.flags)


def my_pipeline(session: Session, viewer: User, rep: User) -> MyPipeline:
    """Coverage for this period and the next, open pipeline by stage, and every open deal with
    its age in stage and flags."""
    config = pipeline_settings.pipeline_config(session)
    today = local_today(rep.timezone)
    current = metrics.fiscal_quarter(today, config.fiscal_start_month)
    periods = [current, metrics.next_period(current, config.fiscal_start_month)]
    since = _since_months(today, config.history_months)
    peers = _peer_ids(session, rep)
    stats = q.won_stats(session, peers, since, config.currency)
    average, source = _average_deal(stats.get(rep.id, q.WonStats(0, 0.0, metrics.ZERO, 0)),
                                    q.combine_won_stats(list(stats.values())))
    deals = q.open_deals(session, viewer, rep.id)
    totals = _totals(session, rep.id, periods, config)
    stages = totals.stages
    with_health = [(d, metrics.deal_health(
        today, d.close_on, d.stage_changed_at.date(), d.close_pushes,
        d.last_meeting_at.date() if d.last_meeting_at else None, config.flag_rules))
        for d in deals]
    return MyPipeline(
        rep=rep, config=config, today=today,
        coverages=_coverages(totals, periods, config, average),
        average_deal=average, average_deal_source=source,
        stages=stages, deals=with_health,
        deal_total=max(len(deals), sum(t.count for t in stages.values())),
    )


# --- The farming algorithm --------------------------------------------------------------------

@dataclass(frozen=True)
class Farming:
    rep: User
    config: PipelineConfig
    period: Period
    which: str  # "current" or "next"
    window_months: int
    coverage: Coverage
    own: ConversionRates
    team: ConversionRates
    funnel: ReverseFunnel
    in_pipeline: dict[str, int]  # open deals per funnel level now
    average_deal_source: str


def farming(session: Session, viewer: User, rep: User, window_months: int | None = None,
            which: str | None = None) -> Farming:
    """The rep's conversion rates (and the team's), and the reverse funnel from the quota
    still to close in the current period ("current"), the next ("next"), or by default the
    current one unless its quota is already met."""
    config = pipeline_settings.pipeline_config(session)
    months = window_months or config.history_months
    today = local_today(rep.timezone)
    current = metrics.fiscal_quarter(today, config.fiscal_start_month)
    following = metrics.next_period(current, config.fiscal_start_month)
    since = _since_months(today, months)
    peers = _peer_ids(session, rep)
    stats = q.won_stats(session, peers, since, config.currency)
    own_stats = stats.get(rep.id, q.WonStats(0, 0.0, metrics.ZERO, 0))
    team_stats = q.combine_won_stats(list(stats.values()))
    average, source = _average_deal(own_stats, team_stats)
    paths = q.funnel_paths(session, peers, since)
    own = metrics.conversion_rates(paths.get(rep.id, []), own_stats.cycle_days)
    team = metrics.conversion_rates([p for ps in paths.values() for p in ps],
                                    team_stats.cycle_days)
    totals = _totals(session, rep.id, [current, following], config)
    current_cov, next_cov = (c.coverage for c in _coverages(totals, [current, following],
                                                                config, average))
    if which is None:
        which = "next" if current_cov.quota_met else "current"
    period, coverage = (following, next_cov) if which == "next" else (current, current_cov)
    funnel = metrics.reverse_funnel(coverage.remaining, average, own, team, config.min_history)
    stages = totals.stages
    in_pipeline = {
        "first_meeting": stages["first_meeting"].count,
        "qualified": stages["qualified"].count,
        "proposal": stages["proposal"].count + stages["negotiation"].count,
        "won": 0,
    }
    return Farming(rep=rep, config=config, period=period, which=which, window_months=months,
                   coverage=coverage, own=own, team=team, funnel=funnel,
                   in_pipeline=in_pipeline, average_deal_source=source)


# --- Forecast ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ForecastPeriod:
    period: Period
    lock_date: date
    locked: bool
    submission: ForecastSubmission | None


@dataclass(frozen=True)
class MyForecast:
    rep: User
    config: PipelineConfig
    today: date
    open_periods: list[ForecastPeriod]
    history: list[ForecastResult]
    average_accuracy: float | None


def _forecast_period(period: Period, today: date, config: PipelineConfig,
                     submission: ForecastSubmission | None) -> ForecastPeriod:
    return ForecastPeriod(period, metrics.forecast_lock_date(period, config.forecast_lock_days),
                          metrics.forecast_is_locked(period, today, config.forecast_lock_days),
                          submission)


def my_forecast(session: Session, rep: User) -> MyForecast:
    """This period's and next period's forecast (with their lock dates), and accuracy over the
    closed periods."""
    config = pipeline_settings.pipeline_config(session)
    today = local_today(rep.timezone)
    current = metrics.fiscal_quarter(today, config.fiscal_start_month)
    upcoming = [current, metrics.next_period(current, config.fiscal_start_month)]
    past = metrics.recent_periods(today, config.fiscal_start_month, ACCURACY_PERIODS)
    submissions = forecasts.forecasts_by_rep(session, [rep.id],
                                             [p.start for p in past + upcoming])[rep.id]
    won = q.won_by_rep(session, [rep.id], past, config.currency)[rep.id]
    history = metrics.forecast_results(
        past, {start: (s.commit, s.best_case) for start, s in submissions.items()},
        {p.start: won[i] for i, p in enumerate(past)})
    return MyForecast(
        rep=rep, config=config, today=today,
        open_periods=[_forecast_period(p, today, config, submissions.get(p.start))
                      for p in upcoming],
        history=history, average_accuracy=metrics.average_accuracy(history))


@dataclass(frozen=True)
class RollupRow:
    rep: User
    submission: ForecastSubmission | None
    override: ForecastOverride | None
    closed_won: Decimal
    qualified_pipeline: Decimal

    @property
    def manager_number(self) -> Decimal | None:
        if self.override is not None:
            return self.override.commit
        return self.submission.commit if self.submission else None


@dataclass(frozen=True)
class Rollup:
    config: PipelineConfig
    period: Period
    lock_date: date
    rows: list[RollupRow]

    @property
    def reps_commit(self) -> Decimal:
        return sum((r.submission.commit for r in self.rows if r.submission), metrics.ZERO)

    @property
    def reps_best_case(self) -> Decimal:
        return sum((r.submission.best_case for r in self.rows if r.submission), metrics.ZERO)

    @property
    def manager_commit(self) -> Decimal:
        return sum((r.manager_number or metrics.ZERO for r in self.rows), metrics.ZERO)

    @property
    def closed_won(self) -> Decimal:
        return sum((r.closed_won for r in self.rows), metrics.ZERO)


def forecast_rollup(session: Session, manager: User, which: str = "current") -> Rollup:
    """The team's forecast for the current (or next) period: each rep's figures, what has
    closed, qualified pipeline, and the manager's override."""
    config = pipeline_settings.pipeline_config(session)
    today = local_today(manager.timezone)
    period = metrics.fiscal_quarter(today, config.fiscal_start_month)
    if which == "next":
        period = metrics.next_period(period, config.fiscal_start_month)
    reps = access.team_reps(session, manager)
    ids = [r.id for r in reps]
    submissions = forecasts.forecasts_by_rep(session, ids, [period.start])
    overrides = forecasts.overrides_by_rep(session, ids, period.start)
    won = q.won_by_rep(session, ids, [period], config.currency)
    pipeline = q.qualified_pipeline_by_rep(session, ids, [period])
    rows = [RollupRow(rep, submissions[rep.id].get(period.start), overrides.get(rep.id),
                      won[rep.id][0], pipeline[rep.id].get(config.currency, [metrics.ZERO])[0])
            for rep in reps]
    return Rollup(config, period, metrics.forecast_lock_date(period, config.forecast_lock_days),
                  rows)


# --- Team view ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class TeamRow:
    rep: User
    coverage: Coverage
    next_coverage: Coverage
    stages: dict[str, q.StageTotal]
    first_meetings_week: int
    first_meetings_period: int
    movement: q.Movement
    accuracy: float | None
    last_one_to_one: date | None


@dataclass(frozen=True)
class TeamView:
    config: PipelineConfig
    period: Period
    next_period: Period
    week_since: date
    rows: list[TeamRow]


def team_view(session: Session, manager: User) -> TeamView:
    """Per rep: coverage, open pipeline by stage, first meetings held, deals advanced and
    slipped in the last seven days, and forecast accuracy over recent periods."""
    config = pipeline_settings.pipeline_config(session)
    today = local_today(manager.timezone)
    period = metrics.fiscal_quarter(today, config.fiscal_start_month)
    following = metrics.next_period(period, config.fiscal_start_month)
    past = metrics.recent_periods(today, config.fiscal_start_month, TEAM_ACCURACY_PERIODS)
    reps = access.team_reps(session, manager)
    ids = [r.id for r in reps]
    week_since = today - timedelta(days=7)
    week_since_at = datetime.combine(week_since, datetime.min.time())
    period_since_at = datetime.combine(period.start, datetime.min.time())
    totals = q.rep_totals(session, ids, config.currency, [period, following],
                          past + [period, following],
                          [period, following])
    meetings = q.first_meetings_by_rep(session, ids, week_since_at, period_since_at, utcnow())
    movement = q.movement_by_rep(session, ids, week_since_at)
    submissions = forecasts.forecasts_by_rep(session, ids, [p.start for p in past])
    one_to_ones = weekly.recent_one_to_one_weeks(session, ids)
    rows = []
    for rep in reps:
        rep_totals = totals[rep.id]
        history = metrics.forecast_results(
            past, {s: (f.commit, f.best_case) for s, f in submissions[rep.id].items()},
            {p.start: rep_totals.won[i] for i, p in enumerate(past)})
        own = rep_totals.pipeline.get(config.currency, [metrics.ZERO, metrics.ZERO])
        coverage, next_coverage = (
            metrics.coverage(rep_totals.quotas[i], rep_totals.won[len(past) + i], own[i],
                             config.coverage_target) for i in (0, 1))
        rows.append(TeamRow(rep, coverage, next_coverage, rep_totals.stages, *meetings[rep.id],
                            movement[rep.id], metrics.average_accuracy(history),
                            one_to_ones.get(rep.id)))
    return TeamView(config, period, following, week_since, rows)


# --- One-to-ones -------------------------------------------------------------------------------

@dataclass(frozen=True)
class OneToOnePage:
    rep: User
    config: PipelineConfig
    week: date
    record: OneToOne | None
    since: date
    since_last: bool  # `since` is the previous one-to-one (not just a week ago)
    coverage: PeriodCoverage
    plan: list[weekly.PlanAccount]
    changes: list[weekly.DealChange]
    commitments: list
    intel: list[Intel]
    previous_week: date
    next_week: date


def one_to_one_page(session: Session, viewer: User, rep: User, week: date) -> OneToOnePage:
    """Everything the weekly one-to-one walks through for `rep` and `week`."""
    config = pipeline_settings.pipeline_config(session)
    today = local_today(viewer.timezone)
    period = metrics.fiscal_quarter(min(today, week + timedelta(days=6)), config.fiscal_start_month)
    record, previous = weekly.one_to_one_and_previous_week(session, rep.id, week)
    since = previous if previous else week - timedelta(days=7)
    coverage = _coverages(_totals(session, rep.id, [period], config), [period], config, None)[0]
    return OneToOnePage(
        rep=rep, config=config, week=week, record=record, since=since,
        since_last=previous is not None,
        coverage=coverage,
        plan=weekly.territory_plan(session, viewer, rep.id),
        changes=weekly.deal_changes_since(session, viewer, rep.id,
                                          datetime.combine(since, datetime.min.time())),
        commitments=weekly.commitments_owed(session, viewer, rep.id),
        intel=weekly.intel_feed(session, rep),
        previous_week=week - timedelta(days=7), next_week=week + timedelta(days=7),
    )


@dataclass(frozen=True)
class OneToOneIndex:
    week: date
    reps: list[User]
    last_weeks: dict[int, date] = field(default_factory=dict)


def one_to_one_index(session: Session, manager: User) -> OneToOneIndex:
    reps = access.team_reps(session, manager)
    return OneToOneIndex(metrics.week_start(local_today(manager.timezone)), reps,
                         weekly.recent_one_to_one_weeks(session, [r.id for r in reps]))

