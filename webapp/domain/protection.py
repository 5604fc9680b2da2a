"""Roll-forward protection of a territory change plan, as plain functions. No Flask, no
database: dataclasses in, values out (tested in tests/unit/test_territory_rules.py).

The roll-forward protection rule, as this module reads DOMAIN.md §5 and issue 5
------------------------------------------------------------------------------
A change plan has three dates: the *announcement* (the plan starts: reps are told), the
*cut-off* (by default the day before the announcement) and the *effective* date (by default
two weeks after the announcement).

1. An account whose owner does not change "stays" (if only its territory changes, the new
   territory is recorded on the effective date; nobody loses a customer).
2. Major and Federal accounts follow the plan's own setting: ``exempt`` (default: they are
   left out of the plan, owner and territory unchanged), ``standard`` (the rules below) or
   ``extended`` (the rules below with a window twice as long: their cycles are longer).
3. An opportunity *protects* the account only when, as of the cut-off, it
   - existed: created on or before the cut-off day (created later: protects nothing, so
     nobody can fake a deal after hearing the news);
   - was open: not won or lost, or closed only after the cut-off day;
   - was expected to close in the fiscal quarter of the announcement or the next one
     (a close date already behind that quarter's start, i.e. a stale deal, does not count).
4. No protecting opportunity: the account moves to its new owner on the effective date.
5. With one or more: the account stays with its current owner until the end of the
   protection window, then rolls to the new owner on the next day. The window, from the
   announcement:
   - ``quarters`` (default): two fiscal quarters, counting the announcement's quarter only
     when the announcement falls in that quarter's first month. Announced 24 October with a
     calendar fiscal year (first month of Q4): Q4 + Q1, protected until 31 March.
     Announced 10 November (second month): Q1 + Q2, protected until 30 June.
   - ``sales_cycle``: twice the team's average sales cycle (created -> won, from closed-won
     history) counted from the announcement; with no closed-won history it falls back to
     ``quarters``.
   The window is fixed when the plan is scheduled: the date the rep is told is the date the
   account rolls, even if the deal closes earlier or slips (a deal not closed by then
   "probably wasn't real"). A window ending before the effective date protects nothing.
   The protecting opportunity shown is the one expected to close last (ties: lowest id).
6. Accounts with no current owner move on the effective date (nobody to protect).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import mean

from webapp.domain.fiscal import is_first_month_of_quarter, next_quarter, quarter_for
from webapp.domain.stages import CLOSED_STAGES

EXEMPT_SEGMENTS = frozenset({"Major", "Federal"})
PROTECTION_MODES = ("quarters", "sales_cycle")
MAJOR_FEDERAL_MODES = ("exempt", "standard", "extended")

MOVES, PROTECTED, EXEMPT, STAYS = "moves", "protected", "exempt", "stays"


@dataclass(frozen=True)
class PlanDates:
    announced_on: date
    cutoff_on: date
    effective_on: date


def default_plan_dates(announced_on: date) -> PlanDates:
    """Cut-off the day before the announcement; effective two weeks after it."""
    return PlanDates(announced_on, announced_on - timedelta(days=1),
                     announced_on + timedelta(days=14))


def plan_dates_problem(dates: PlanDates) -> str | None:
    """Why these dates cannot make a plan, or None."""
    if dates.cutoff_on >= dates.announced_on:
        return "The cut-off must be before the announcement."
    if dates.effective_on <= dates.announced_on:
        return "The effective date must be after the announcement."
    return None


@dataclass(frozen=True)
class PlanSettings:
    fiscal_start_month: int = 1
    protection_mode: str = "quarters"
    major_federal: str = "exempt"
    # Mean days from creation to close of won deals; None when there is no history.
    average_sales_cycle_days: int | None = None


@dataclass(frozen=True)
class Deal:
    id: int
    name: str
    created_on: date
    close_on: date
    stage: str
    closed_on: date | None = None


@dataclass(frozen=True)
class AccountChange:
    """One account of a plan: who owns it now, who would own it under the new design."""

    account_id: int
    segment: str
    current_owner_id: int | None
    new_owner_id: int | None
    deals: tuple[Deal, ...] = ()


@dataclass(frozen=True)
class Decision:
    kind: str  # moves | protected | exempt | stays
    moves_on: date | None = None  # the day the owner changes (None: never, under this plan)
    protected_until: date | None = None  # last day with the current owner, when protected
    opportunity_id: int | None = None
    opportunity_name: str = ""


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def average_sales_cycle_days(won: list[tuple[date | datetime, date | datetime]]) -> int | None:
    """Mean days from creation to close over won deals (created, closed); None without any."""
    spans = [max(0, (_as_date(closed) - _as_date(created)).days) for created, closed in won]
    return round(mean(spans)) if spans else None


def open_at_cutoff(deal: Deal, cutoff_on: date) -> bool:
    """Existed on the cut-off day and was not yet won or lost then."""
    if deal.created_on > cutoff_on:
        return False
    if deal.stage in CLOSED_STAGES:
        return deal.closed_on is not None and deal.closed_on > cutoff_on
    return True


def protection_window_end(dates: PlanDates, settings: PlanSettings, longer: bool = False) -> date:
    """The last day a protected account stays with its current owner."""
    start = dates.announced_on
    if settings.protection_mode == "sales_cycle" and settings.average_sales_cycle_days:
        days = 2 * settings.average_sales_cycle_days * (2 if longer else 1)
        return start + timedelta(days=days)
    quarters = 4 if longer else 2
    fsm = settings.fiscal_start_month
    quarter = quarter_for(start, fsm)
    if not is_first_month_of_quarter(start, fsm):
        quarter = next_quarter(quarter, fsm)
    for _ in range(quarters - 1):
        quarter = next_quarter(quarter, fsm)
    return quarter.end


def protecting_deal(deals: tuple[Deal, ...] | list[Deal], dates: PlanDates,
                    fiscal_start_month: int = 1) -> Deal | None:
    """The opportunity that protects the account, or None: open at the cut-off and expected to
    close in the announcement's fiscal quarter or the next one."""
    current = quarter_for(dates.announced_on, fiscal_start_month)
    following = next_quarter(current, fiscal_start_month)
    eligible = [d for d in deals if open_at_cutoff(d, dates.cutoff_on)
                and current.start <= d.close_on <= following.end]
    if not eligible:
        return None
    return max(eligible, key=lambda d: (d.close_on, -d.id))


def decide(change: AccountChange, dates: PlanDates, settings: PlanSettings) -> Decision:
    """What the plan does to one account: moves on a date, protected until a date, exempt,
    or stays. See the module docstring for the rule."""
    if change.new_owner_id == change.current_owner_id:
        return Decision(STAYS)
    longer = False
    if change.segment in EXEMPT_SEGMENTS:
        if settings.major_federal == "exempt":
            return Decision(EXEMPT)
        longer = settings.major_federal == "extended"
    if change.current_owner_id is None:
        return Decision(MOVES, moves_on=dates.effective_on)
    deal = protecting_deal(change.deals, dates, settings.fiscal_start_month)
    if deal is None:
        return Decision(MOVES, moves_on=dates.effective_on)
    until = protection_window_end(dates, settings, longer)
    if until < dates.effective_on:
        return Decision(MOVES, moves_on=dates.effective_on)
    return Decision(PROTECTED, moves_on=until + timedelta(days=1), protected_until=until,
                    opportunity_id=deal.id, opportunity_name=deal.name)
