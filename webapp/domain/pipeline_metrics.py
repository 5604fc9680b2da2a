"""Pipeline arithmetic as plain functions: plain values in, small frozen dataclasses out.

No Flask and no database here, so every rule can be tested on its own. Decisions, documented
once:

- **Periods** are fiscal quarters, as `webapp.domain.fiscal` defines them: a fiscal year
  is named after the calendar year it *ends* in (start month 2: February 2026 - January 2027
  is FY2027). Period ends are inclusive dates.
- **Money** is compared in the team's currency only. Deals in another currency are not
  converted (the app keeps no exchange rates); they are summed per currency and shown beside
  the figures, never silently mixed in.
- **Coverage** = open qualified pipeline closing in the period / quota still to close. When
  nothing remains to close (quota met or no quota) there is no ratio: the quota is met.
- **Conversion** between funnel levels (first meeting -> qualified -> proposal -> won) counts
  only deals whose fate at that level is decided: they went further, or were lost there. A deal
  still open at a level says nothing yet about that level, so it is left out of its rate.
- **Forecast accuracy** for a period = 1 - |commit - closed won| / max(commit, closed won),
  between 0 and 1; committing nothing and closing nothing is perfectly accurate (1). It
  punishes sandbagging and optimism alike.
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from webapp.domain.fiscal import Quarter, next_quarter, quarter_for
from webapp.domain.stages import FUNNEL

ZERO = Decimal("0")


# --- Fiscal periods -------------------------------------------------------------------------
# Fiscal quarters come from webapp.domain.fiscal (one definition for the whole app); a
# forecast or quota period is such a quarter.
Period = Quarter


def fiscal_quarter(day: date, fiscal_year_start_month: int = 1) -> Period:
    """The fiscal quarter containing `day` for a fiscal year starting in the given month."""
    return quarter_for(day, fiscal_year_start_month)


def next_period(period: Period, fiscal_year_start_month: int = 1) -> Period:
    return next_quarter(period, fiscal_year_start_month)


def previous_period(period: Period, fiscal_year_start_month: int = 1) -> Period:
    return fiscal_quarter(period.start - timedelta(days=1), fiscal_year_start_month)


def recent_periods(today: date, fiscal_year_start_month: int, count: int) -> list[Period]:
    """The `count` periods that ended before today's period, oldest first."""
    periods = []
    period = fiscal_quarter(today, fiscal_year_start_month)
    for _ in range(count):
        period = previous_period(period, fiscal_year_start_month)
        periods.append(period)
    return list(reversed(periods))


def forecast_lock_date(period: Period, days_before_end: int) -> date:
    """The last day a forecast for `period` can be changed (never before the period starts)."""
    return max(period.start, period.end - timedelta(days=days_before_end))


def forecast_is_locked(period: Period, today: date, days_before_end: int) -> bool:
    return today > forecast_lock_date(period, days_before_end)


def week_start(day: date) -> date:
    """The Monday of `day`'s week: one-to-ones are weekly."""
    return day - timedelta(days=day.weekday())


# --- Money in one currency ------------------------------------------------------------------

@dataclass(frozen=True)
class CurrencySplit:
    """Amounts in the team currency, and the rest per currency (shown, not converted)."""

    amount: Decimal
    count: int
    others: tuple[tuple[str, Decimal], ...]


def split_by_currency(amounts: Iterable[tuple[Decimal, str]], currency: str) -> CurrencySplit:
    total, count, others = ZERO, 0, {}
    for amount, deal_currency in amounts:
        if deal_currency == currency:
            total += amount
            count += 1
        else:
            others[deal_currency] = others.get(deal_currency, ZERO) + amount
    return CurrencySplit(amount=total, count=count, others=tuple(sorted(others.items())))


# --- Coverage -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Coverage:
    quota: Decimal
    closed_won: Decimal
    remaining: Decimal  # quota still to close, never below zero
    pipeline: Decimal  # open, qualified, closing in the period, team currency
    target: Decimal  # e.g. 4 for 4x
    ratio: Decimal | None  # None when nothing remains to close
    needed_pipeline: Decimal  # remaining x target
    gap: Decimal  # qualified pipeline still missing to reach the target, >= 0
    gap_deals: int | None  # the gap in deals of the average won size; None without a size
    average_deal: Decimal | None

    @property
    def quota_met(self) -> bool:
        return self.remaining <= ZERO

    @property
    def on_target(self) -> bool:
        return self.quota_met or self.gap <= ZERO

    @property
    def percent_of_target(self) -> int:
        """How far along the way to the target ratio, 0-100, for a progress bar."""
        if self.ratio is None:
            return 100
        if self.target <= ZERO:
            return 100
        return int(min(Decimal(100), self.ratio / self.target * 100))


def coverage(quota: Decimal, closed_won: Decimal, qualified_pipeline: Decimal, target: Decimal,
             average_deal: Decimal | None = None) -> Coverage:
    """Qualified coverage of the quota still to close, and the gap to the target ratio."""
    remaining = max(ZERO, quota - closed_won)
    if remaining <= ZERO:
        return Coverage(quota=quota, closed_won=closed_won, remaining=ZERO,
                        pipeline=qualified_pipeline, target=target, ratio=None,
                        needed_pipeline=ZERO, gap=ZERO, gap_deals=0, average_deal=average_deal)
    ratio = (qualified_pipeline / remaining).quantize(Decimal("0.01"), ROUND_HALF_UP)
    needed = remaining * target
    gap = max(ZERO, needed - qualified_pipeline)
    gap_deals = deals_for(gap, average_deal)
    return Coverage(quota=quota, closed_won=closed_won, remaining=remaining,
                    pipeline=qualified_pipeline, target=target, ratio=ratio,
                    needed_pipeline=needed, gap=gap, gap_deals=gap_deals,
                    average_deal=average_deal)


def deals_for(amount: Decimal, average_deal: Decimal | None) -> int | None:
    """How many deals of the average size make `amount` (rounded up); None without a size."""
    if amount <= ZERO:
        return 0
    if not average_deal or average_deal <= ZERO:
        return None
    return math.ceil(amount / average_deal)


# --- Stuck and slipping deals ---------------------------------------------------------------

@dataclass(frozen=True)
class FlagRules:
    slip_pushes: int = 2  # close date pushed out this many times -> slipping
    quiet_weeks: int = 4  # no meeting on the account for this long -> going quiet
    stuck_days: int = 60  # in the same stage for longer -> stuck


@dataclass(frozen=True)
class DealHealth:
    days_in_stage: int
    close_pushes: int
    days_since_meeting: int | None  # None: never met
    overdue: bool  # close date already passed while the deal is open
    slipping: bool
    stuck: bool
    quiet: bool

    @property
    def flags(self) -> tuple[str, ...]:
        names = []
        if self.slipping:
            names.append("slipping")
        if self.overdue:
            names.append("overdue")
        if self.stuck:
            names.append("stuck")
        if self.quiet:
            names.append("quiet")
        return tuple(names)


def deal_health(today: date, close_on: date, stage_since: date, close_pushes: int,
                last_meeting_on: date | None, rules: FlagRules = FlagRules()) -> DealHealth:
    """Flags for an open deal: slipping (close date pushed repeatedly), overdue, stuck in its
    stage, quiet (no meeting on the account for `quiet_weeks`)."""
    days_in_stage = max(0, (today - stage_since).days)
    days_since = None if last_meeting_on is None else max(0, (today - last_meeting_on).days)
    quiet_after = rules.quiet_weeks * 7
    # A deal never met is quiet only once it has been around as long as the quiet window.
    quiet = (days_since > quiet_after) if days_since is not None else days_in_stage > quiet_after
    return DealHealth(
        days_in_stage=days_in_stage,
        close_pushes=close_pushes,
        days_since_meeting=days_since,
        overdue=close_on < today,
        slipping=close_pushes >= rules.slip_pushes,
        stuck=days_in_stage > rules.stuck_days,
        quiet=quiet,
    )


# --- Conversion rates and cycle length ------------------------------------------------------

@dataclass(frozen=True)
class DealPath:
    """How far a deal (or `count` identical deals) got: its highest funnel level (0-3) and its
    state now ("open", "won" or "lost")."""

    level: int
    state: str
    count: int = 1


@dataclass(frozen=True)
class StepRate:
    from_level: str
    to_level: str
    passed: int  # deals that went on from `from_level`
    decided: int  # deals whose fate at `from_level` is known (went on, or lost there)

    @property
    def rate(self) -> float | None:
        return self.passed / self.decided if self.decided else None


@dataclass(frozen=True)
class ConversionRates:
    steps: tuple[StepRate, StepRate, StepRate]
    won: int
    cycle_days: float | None  # average days from creation to won

    def step(self, from_level: str) -> StepRate:
        return next(s for s in self.steps if s.from_level == from_level)


def conversion_rates(paths: Iterable[DealPath], cycle_days: float | None = None) -> ConversionRates:
    """Stage-to-stage conversion from the paths deals took (see the module notes)."""
    passed = [0, 0, 0]
    decided = [0, 0, 0]
    won = 0
    for path in paths:
        if path.state == "won":
            won += path.count
        for level in range(3):
            if path.level > level:
                passed[level] += path.count
                decided[level] += path.count
            elif path.level == level and path.state == "lost":
                decided[level] += path.count
    steps = tuple(StepRate(FUNNEL[i], FUNNEL[i + 1], passed[i], decided[i]) for i in range(3))
    return ConversionRates(steps=steps, won=won, cycle_days=cycle_days)  # type: ignore[arg-type]


# --- The farming algorithm, in reverse ------------------------------------------------------

@dataclass(frozen=True)
class UsedRate:
    from_level: str
    to_level: str
    rate: float | None
    source: str  # "own", "team" or "none"
    own: StepRate
    team: StepRate | None


@dataclass(frozen=True)
class ReverseFunnel:
    """What it takes to close the quota still to close: counts per funnel level, top first."""

    remaining: Decimal
    average_deal: Decimal | None
    rates: tuple[UsedRate, ...]
    needed: dict[str, int | None]  # level -> deals needed (None when a rate is missing)

    @property
    def complete(self) -> bool:
        return all(v is not None for v in self.needed.values())

    @property
    def uses_team_rates(self) -> bool:
        return any(r.source == "team" for r in self.rates)


def pick_rate(own: StepRate, team: StepRate | None, min_decided: int) -> UsedRate:
    """The rep's own rate when enough of their deals were decided at that step; else the
    team's; else none."""
    if own.decided >= min_decided and own.rate is not None:
        return UsedRate(own.from_level, own.to_level, own.rate, "own", own, team)
    if team is not None and team.rate is not None and team.decided > 0:
        return UsedRate(own.from_level, own.to_level, team.rate, "team", own, team)
    if own.rate is not None:  # thin, but better than nothing when the team has nothing
        return UsedRate(own.from_level, own.to_level, own.rate, "own", own, team)
    return UsedRate(own.from_level, own.to_level, None, "none", own, team)


def reverse_funnel(remaining: Decimal, average_deal: Decimal | None, own: ConversionRates,
                   team: ConversionRates | None = None, min_decided: int = 5) -> ReverseFunnel:
    """Deals needed -> proposals -> qualified -> new first meetings, each rounded up."""
    used = tuple(pick_rate(own.steps[i], team.steps[i] if team else None, min_decided)
                 for i in range(3))
    needed: dict[str, int | None] = {}
    deals = deals_for(remaining, average_deal)
    needed["won"] = deals
    count = deals
    for used_rate in reversed(used):  # proposal->won, qualified->proposal, first->qualified
        if count is None or not used_rate.rate:
            count = None if count != 0 else 0
        else:
            # Round before ceil so 3 / 0.3 is 10, not 11 from float noise.
            count = math.ceil(round(count / used_rate.rate, 9))
        needed[used_rate.from_level] = count
    ordered = {level: needed[level] for level in FUNNEL}
    return ReverseFunnel(remaining=max(ZERO, remaining), average_deal=average_deal, rates=used,
                         needed=ordered)


# --- Forecast accuracy ----------------------------------------------------------------------

@dataclass(frozen=True)
class ForecastResult:
    period: Period
    commit: Decimal | None  # None: nothing was submitted
    best_case: Decimal | None
    closed_won: Decimal
    accuracy: float | None

    @property
    def direction(self) -> str:
        if self.commit is None:
            return "none"
        if self.closed_won > self.commit:
            return "under"  # committed less than closed (sandbagging)
        if self.closed_won < self.commit:
            return "over"  # committed more than closed (optimism)
        return "exact"


def forecast_accuracy(commit: Decimal, closed_won: Decimal) -> float:
    """1 - |commit - closed won| / max(commit, closed won), in [0, 1]; 1 when both are 0."""
    commit, closed_won = max(ZERO, commit), max(ZERO, closed_won)
    largest = max(commit, closed_won)
    if largest == ZERO:
        return 1.0
    return float(1 - abs(commit - closed_won) / largest)


def forecast_results(periods: Iterable[Period],
                     submissions: dict[date, tuple[Decimal, Decimal]],
                     closed_won: dict[date, Decimal]) -> list[ForecastResult]:
    """Per period (keyed by period start): commit and best case against what closed."""
    results = []
    for period in periods:
        submitted = submissions.get(period.start)
        actual = closed_won.get(period.start, ZERO)
        if submitted is None:
            results.append(ForecastResult(period, None, None, actual, None))
        else:
            commit, best = submitted
            results.append(ForecastResult(period, commit, best, actual,
                                          forecast_accuracy(commit, actual)))
    return results


def average_accuracy(results: Iterable[ForecastResult]) -> float | None:
    """Mean accuracy over the periods with a submission; None when there are none."""
    values = [r.accuracy for r in results if r.accuracy is not None]
    return sum(values) / len(values) if values else None
