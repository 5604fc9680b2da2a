"""Territory rules as plain functions: fiscal quarters, roll-forward protection, rule matching
and balance. No Flask, no database: dataclasses in, values out (tested in
tests/unit/test_territory_rules.py).

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

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from statistics import mean

CLOSED_STAGES = frozenset({"won", "lost"})
EXEMPT_SEGMENTS = frozenset({"Major", "Federal"})
PROTECTION_MODES = ("quarters", "sales_cycle")
MAJOR_FEDERAL_MODES = ("exempt", "standard", "extended")

MOVES, PROTECTED, EXEMPT, STAYS = "moves", "protected", "exempt", "stays"


# --- Fiscal quarters ------------------------------------------------------------------------

@dataclass(frozen=True)
class Quarter:
    start: date
    end: date
    number: int  # 1..4 within the fiscal year
    fiscal_year: int  # named after the calendar year in which the fiscal year ends

    @property
    def label(self) -> str:
        return f"FY{self.fiscal_year} Q{self.number}"


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def _month_end(year: int, month: int) -> date:
    next_year, next_month = _add_months(year, month, 1)
    return date(next_year, next_month, 1) - timedelta(days=1)


def quarter_for(day: date, fiscal_start_month: int = 1) -> Quarter:
    """The fiscal quarter containing `day` when the fiscal year starts in `fiscal_start_month`."""
    if not 1 <= fiscal_start_month <= 12:
        raise ValueError("fiscal_start_month must be 1..12")
    months_into_year = (day.month - fiscal_start_month) % 12
    number = months_into_year // 3 + 1
    start_year, start_month = _add_months(day.year, day.month, -(months_into_year % 3))
    end_year, end_month = _add_months(start_year, start_month, 2)
    fy_start_year, fy_start_month = _add_months(day.year, day.month, -months_into_year)
    fy_end_year, _ = _add_months(fy_start_year, fy_start_month, 11)
    return Quarter(date(start_year, start_month, 1), _month_end(end_year, end_month), number,
                   fy_end_year)


def next_quarter(quarter: Quarter, fiscal_start_month: int = 1) -> Quarter:
    return quarter_for(quarter.end + timedelta(days=1), fiscal_start_month)


def is_first_month_of_quarter(day: date, fiscal_start_month: int = 1) -> bool:
    return quarter_for(day, fiscal_start_month).start.month == day.month


# --- Protection -----------------------------------------------------------------------------

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


# --- Territory rule matching ---------------------------------------------------------------

POTENTIAL_BANDS = {"low": (0, 39), "medium": (40, 69), "high": (70, 100)}


def potential_band(potential: int) -> str:
    for band, (low, high) in POTENTIAL_BANDS.items():
        if low <= potential <= high:
            return band
    return "high" if potential > 100 else "low"


@dataclass(frozen=True)
class AccountFacts:
    id: int
    country: str = ""
    region: str = ""
    postal_code: str = ""
    latitude: float | None = None
    longitude: float | None = None
    industry: str = ""
    segment: str = ""
    potential: int = 50
    territory_id: int | None = None


@dataclass(frozen=True)
class Radius:
    latitude: float
    longitude: float
    km: float


@dataclass(frozen=True)
class TerritoryRules:
    """What a territory covers. Every criterion that is filled in must hold; within one
    criterion any listed value will do. A territory with no criterion matches nothing by
    rule (it gets accounts only by manual override)."""

    territory_id: int
    countries: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    postal_prefixes: tuple[str, ...] = ()
    radius: Radius | None = None
    industries: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()
    potential_bands: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.countries or self.regions or self.postal_prefixes or self.radius
                    or self.industries or self.segments or self.potential_bands)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = math.radians(lat2 - lat1), math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(a)))


def _norm(value: str) -> str:
    return " ".join(value.split()).casefold()


def _postal(value: str) -> str:
    return "".join(value.split()).upper()


def matches(rules: TerritoryRules, account: AccountFacts) -> bool:
    """Does the account fall in the territory by its rules?"""
    if rules.is_empty:
        return False
    if rules.countries and _norm(account.country) not in {_norm(c) for c in rules.countries}:
        return False
    if rules.regions and _norm(account.region) not in {_norm(r) for r in rules.regions}:
        return False
    if rules.postal_prefixes:
        code = _postal(account.postal_code)
        if not code or not any(code.startswith(_postal(p)) for p in rules.postal_prefixes if p):
            return False
    if rules.radius is not None:
        if account.latitude is None or account.longitude is None:
            return False
        r = rules.radius
        if haversine_km(r.latitude, r.longitude, account.latitude, account.longitude) > r.km:
            return False
    if rules.industries and _norm(account.industry) not in {_norm(i) for i in rules.industries}:
        return False
    if rules.segments and _norm(account.segment) not in {_norm(s) for s in rules.segments}:
        return False
    if rules.potential_bands and potential_band(account.potential) not in rules.potential_bands:
        return False
    return True


@dataclass(frozen=True)
class Match:
    account_id: int
    territory_id: int | None  # the territory the design gives the account (None: none)
    how: str  # override | rule | conflict | unmatched
    candidates: tuple[int, ...] = ()


def assign_territories(accounts: list[AccountFacts], territories: list[TerritoryRules],
                       overrides: dict[int, int] | None = None) -> dict[int, Match]:
    """The territory each account belongs to by design.

    A manual override wins over the rules. Matched by two or more territories: a conflict,
    shown in the preview; the account keeps its current territory if that is one of them
    (no churn without reason), else it goes to the lowest territory id. Matched by none:
    unmatched, and it keeps its current territory.
    """
    overrides = overrides or {}
    result: dict[int, Match] = {}
    for account in accounts:
        if account.id in overrides:
            result[account.id] = Match(account.id, overrides[account.id], "override")
            continue
        hits = tuple(sorted(t.territory_id for t in territories if matches(t, account)))
        if len(hits) == 1:
            result[account.id] = Match(account.id, hits[0], "rule", hits)
        elif hits:
            chosen = account.territory_id if account.territory_id in hits else hits[0]
            result[account.id] = Match(account.id, chosen, "conflict", hits)
        else:
            result[account.id] = Match(account.id, account.territory_id, "unmatched")
    return result


@dataclass(frozen=True)
class MatchSummary:
    matched: int  # accounts this territory's rules match
    unmatched: tuple[int, ...]  # accounts (of all) matched by no territory and no override
    conflicts: tuple[int, ...]  # accounts matched by two or more territories


def match_summary(territory_id: int, matches_by_account: dict[int, Match]) -> MatchSummary:
    """For a territory's edit page: how many accounts its rules take, and the design's gaps."""
    matched = sum(1 for m in matches_by_account.values()
                  if territory_id in m.candidates or (m.how == "override"
                                                      and m.territory_id == territory_id))
    unmatched = tuple(sorted(a for a, m in matches_by_account.items() if m.how == "unmatched"))
    conflicts = tuple(sorted(a for a, m in matches_by_account.items() if m.how == "conflict"))
    return MatchSummary(matched, unmatched, conflicts)


# --- Balance --------------------------------------------------------------------------------

# A rep more than a fifth above or below the team mean is flagged: below that, differences
# are noise of a few accounts in a team of four or five; beyond it, one rep has visibly more
# (or less) to work with than peers, which is what a realignment should fix.
IMBALANCE_THRESHOLD = 0.20
BALANCE_METRICS = ("accounts", "customers", "potential", "pipeline")


@dataclass(frozen=True)
class RepLoad:
    rep_id: int
    name: str
    accounts: int = 0
    customers: int = 0
    potential: int = 0  # sum of account potential scores
    pipeline: Decimal = Decimal("0")  # open, qualified


@dataclass(frozen=True)
class BalanceRow:
    load: RepLoad
    deviation: dict[str, float] = field(default_factory=dict)  # metric -> share off the mean
    flagged: tuple[str, ...] = ()


def balance(loads: list[RepLoad], threshold: float = IMBALANCE_THRESHOLD) -> list[BalanceRow]:
    """Each rep's deviation from the team mean per metric, with metrics beyond the threshold
    flagged. A metric whose mean is zero deviates by nothing."""
    if not loads:
        return []
    means = {m: mean(float(getattr(load, m)) for load in loads) for m in BALANCE_METRICS}
    rows = []
    for load in loads:
        deviation = {}
        for metric in BALANCE_METRICS:
            avg = means[metric]
            deviation[metric] = (float(getattr(load, metric)) - avg) / avg if avg else 0.0
        flagged = tuple(m for m in BALANCE_METRICS if abs(deviation[m]) > threshold + 1e-9)
        rows.append(BalanceRow(load, deviation, flagged))
    return rows


def split_list(text: str) -> tuple[str, ...]:
    """'IL, WI;  IN' -> ('IL', 'WI', 'IN'): how list fields are typed and stored."""
    parts = text.replace(";", ",").replace("\n", ",").split(",")
    return tuple(dict.fromkeys(p.strip() for p in parts if p.strip()))
