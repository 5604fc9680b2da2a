"""Territory rules over fixed dates: quarters, roll-forward protection, matching, balance."""
from datetime import date
from decimal import Decimal

import pytest

from webapp.domain.balance import RepLoad, balance
from webapp.domain.fiscal import quarter_for
from webapp.domain.protection import (
    AccountChange,
    Deal,
    PlanDates,
    PlanSettings,
    average_sales_cycle_days,
    decide,
    default_plan_dates,
    plan_dates_problem,
)
from webapp.domain.territory_matching import (
    AccountFacts,
    Radius,
    TerritoryRules,
    assign_territories,
    haversine_km,
    match_summary,
    matches,
    split_list,
)

# The seed's example: announced 24 October, cut-off 23 October, effective 9 November.
OCT_PLAN = PlanDates(date(2026, 10, 24), date(2026, 10, 23), date(2026, 11, 9))
CALENDAR = PlanSettings(fiscal_start_month=1)


def deal(id=1, created=date(2026, 9, 1), close=date(2026, 12, 15), stage="proposal", closed=None):
    return Deal(id=id, name=f"Deal {id}", created_on=created, close_on=close, stage=stage,
                closed_on=closed)


def change(*deals, segment="Enterprise", current=1, new=2):
    return AccountChange(account_id=10, segment=segment, current_owner_id=current,
                         new_owner_id=new, deals=tuple(deals))


# --- quarters ---

@pytest.mark.parametrize("day, start, end, number", [
    (date(2026, 1, 1), date(2026, 1, 1), date(2026, 3, 31), 1),
    (date(2026, 3, 31), date(2026, 1, 1), date(2026, 3, 31), 1),
    (date(2026, 4, 1), date(2026, 4, 1), date(2026, 6, 30), 2),
    (date(2026, 12, 31), date(2026, 10, 1), date(2026, 12, 31), 4),
])
def test_calendar_quarters_start_and_end_on_their_boundaries(day, start, end, number):
    quarter = quarter_for(day, 1)
    assert (quarter.start, quarter.end, quarter.number) == (start, end, number)
    assert quarter.fiscal_year == 2026


@pytest.mark.parametrize("day, start, end, number, fy", [
    (date(2026, 2, 1), date(2026, 2, 1), date(2026, 4, 30), 1, 2027),
    (date(2026, 1, 31), date(2025, 11, 1), date(2026, 1, 31), 4, 2026),
    (date(2026, 11, 30), date(2026, 11, 1), date(2027, 1, 31), 4, 2027),
    (date(2027, 1, 15), date(2026, 11, 1), date(2027, 1, 31), 4, 2027),
    (date(2028, 2, 29), date(2028, 2, 1), date(2028, 4, 30), 1, 2029),
])
def test_fiscal_year_starting_in_february_shifts_quarters(day, start, end, number, fy):
    quarter = quarter_for(day, 2)
    assert (quarter.start, quarter.end, quarter.number, quarter.fiscal_year) == (start, end, number, fy)


def test_plan_dates_default_to_cutoff_the_day_before_and_effective_two_weeks_after():
    dates = default_plan_dates(date(2026, 10, 24))
    assert dates == PlanDates(date(2026, 10, 24), date(2026, 10, 23), date(2026, 11, 7))
    assert plan_dates_problem(dates) is None
    assert plan_dates_problem(PlanDates(date(2026, 10, 24), date(2026, 10, 24), date(2026, 11, 9)))
    assert plan_dates_problem(PlanDates(date(2026, 10, 24), date(2026, 10, 23), date(2026, 10, 24)))


# --- protection ---

def test_account_without_open_deals_moves_on_the_effective_date():
    decision = decide(change(), OCT_PLAN, CALENDAR)
    assert (decision.kind, decision.moves_on) == ("moves", date(2026, 11, 9))


def test_deal_closing_this_quarter_protects_for_two_quarters_counting_the_first_month():
    # 24 October is in the first month of Q4: Q4 and Q1 -> until 31 March (the example).
    decision = decide(change(deal(close=date(2026, 12, 15))), OCT_PLAN, CALENDAR)
    assert decision.kind == "protected"
    assert decision.protected_until == date(2027, 3, 31)
    assert decision.moves_on == date(2027, 4, 1)
    assert decision.opportunity_id == 1


def test_announcement_after_the_first_month_counts_two_full_quarters_after_it():
    plan = default_plan_dates(date(2026, 11, 10))
    decision = decide(change(deal(close=date(2027, 2, 1))), plan, CALENDAR)
    assert decision.protected_until == date(2027, 6, 30)


def test_deal_closing_next_quarter_protects_but_one_closing_later_does_not():
    next_q = decide(change(deal(close=date(2027, 3, 31))), OCT_PLAN, CALENDAR)
    later = decide(change(deal(close=date(2027, 4, 1))), OCT_PLAN, CALENDAR)
    assert next_q.kind == "protected"
    assert (later.kind, later.moves_on) == ("moves", date(2026, 11, 9))


def test_stale_deal_with_a_close_date_before_this_quarter_protects_nothing():
    decision = decide(change(deal(close=date(2026, 9, 30))), OCT_PLAN, CALENDAR)
    assert decision.kind == "moves"


def test_deal_created_after_the_cutoff_protects_nothing():
    faked = deal(created=date(2026, 10, 24), close=date(2026, 12, 1))
    assert decide(change(faked), OCT_PLAN, CALENDAR).kind == "moves"
    on_cutoff = deal(created=date(2026, 10, 23), close=date(2026, 12, 1))
    assert decide(change(on_cutoff), OCT_PLAN, CALENDAR).kind == "protected"


def test_deal_won_or_lost_before_the_cutoff_protects_nothing_but_one_closed_after_does():
    lost_before = deal(stage="lost", closed=date(2026, 10, 20))
    won_after = deal(stage="won", closed=date(2026, 10, 30))
    assert decide(change(lost_before), OCT_PLAN, CALENDAR).kind == "moves"
    assert decide(change(won_after), OCT_PLAN, CALENDAR).kind == "protected"


def test_the_deal_closing_last_is_named_as_the_protector():
    decision = decide(change(deal(1, close=date(2026, 11, 30)), deal(2, close=date(2027, 2, 1))),
                      OCT_PLAN, CALENDAR)
    assert decision.opportunity_id == 2


def test_february_fiscal_year_first_month_rule():
    # FY starts in February: quarters Feb-Apr, May-Jul, Aug-Oct, Nov-Jan.
    feb = PlanSettings(fiscal_start_month=2)
    first_month = default_plan_dates(date(2026, 11, 5))  # Nov = first month of Q4
    assert decide(change(deal(close=date(2027, 1, 20))), first_month, feb).protected_until \
        == date(2027, 4, 30)
    second_month = default_plan_dates(date(2026, 10, 5))  # Oct = last month of Q3
    decision = decide(change(deal(close=date(2027, 1, 20))), second_month, feb)
    assert decision.protected_until == date(2027, 4, 30)  # Q4 + Q1 (current not counted)
    # With a calendar fiscal year, October is the first month of Q4: Q4 + Q1.
    assert decide(change(deal(close=date(2027, 1, 20))), second_month, CALENDAR).protected_until \
        == date(2027, 3, 31)


def test_sales_cycle_alternative_protects_for_twice_the_average_cycle():
    cycle = average_sales_cycle_days([(date(2026, 1, 1), date(2026, 4, 11)),  # 100 days
                                      (date(2026, 2, 1), date(2026, 7, 1))])  # 150 days
    assert cycle == 125
    settings = PlanSettings(protection_mode="sales_cycle", average_sales_cycle_days=cycle)
    decision = decide(change(deal()), OCT_PLAN, settings)
    assert decision.protected_until == date(2027, 7, 1)  # 24 October + 250 days


def test_sales_cycle_mode_without_history_falls_back_to_quarters():
    settings = PlanSettings(protection_mode="sales_cycle", average_sales_cycle_days=None)
    assert average_sales_cycle_days([]) is None
    assert decide(change(deal()), OCT_PLAN, settings).protected_until == date(2027, 3, 31)


def test_short_sales_cycle_ending_before_the_effective_date_protects_nothing():
    settings = PlanSettings(protection_mode="sales_cycle", average_sales_cycle_days=5)
    assert decide(change(deal()), OCT_PLAN, settings).kind == "moves"


@pytest.mark.parametrize("segment", ["Major", "Federal"])
def test_major_and_federal_accounts_are_exempt_by_default(segment):
    assert decide(change(segment=segment), OCT_PLAN, CALENDAR).kind == "exempt"


def test_major_accounts_can_follow_the_standard_or_an_extended_window():
    standard = PlanSettings(major_federal="standard")
    extended = PlanSettings(major_federal="extended")
    assert decide(change(deal(), segment="Major"), OCT_PLAN, standard).protected_until \
        == date(2027, 3, 31)
    assert decide(change(deal(), segment="Federal"), OCT_PLAN, extended).protected_until \
        == date(2027, 9, 30)
    assert decide(change(segment="Major"), OCT_PLAN, standard).kind == "moves"


def test_account_keeping_its_owner_stays_and_unowned_account_moves():
    assert decide(change(deal(), current=2, new=2), OCT_PLAN, CALENDAR).kind == "stays"
    assert decide(change(deal(), current=None, new=2), OCT_PLAN, CALENDAR).kind == "moves"


# --- matching ---

CHICAGO = (41.8781, -87.6298)
MILWAUKEE = (43.0389, -87.9065)


def test_haversine_distance_chicago_to_milwaukee():
    assert 130 < haversine_km(*CHICAGO, *MILWAUKEE) < 132


def test_radius_rule_matches_accounts_within_the_distance_only():
    rules = TerritoryRules(1, radius=Radius(*CHICAGO, km=100))
    near = AccountFacts(1, latitude=41.9, longitude=-87.7)
    far = AccountFacts(2, latitude=MILWAUKEE[0], longitude=MILWAUKEE[1])
    nowhere = AccountFacts(3)
    assert matches(rules, near) and not matches(rules, far) and not matches(rules, nowhere)


def test_postal_prefix_matching_ignores_spaces_and_case():
    rules = TerritoryRules(1, countries=("GB",), postal_prefixes=split_list("sw1, EC"))
    assert matches(rules, AccountFacts(1, country="gb", postal_code="SW1A 1AA"))
    assert matches(rules, AccountFacts(2, country="GB", postal_code="ec2v 7hh"))
    assert not matches(rules, AccountFacts(3, country="GB", postal_code="N1 9GU"))
    assert not matches(rules, AccountFacts(4, country="US", postal_code="EC123"))


def test_every_filled_criterion_must_hold():
    rules = TerritoryRules(1, countries=("US",), regions=("IL", "WI"), industries=("Manufacturing",),
                           segments=("Enterprise",), potential_bands=("high",))
    good = AccountFacts(1, country="US", region="il", industry="manufacturing",
                        segment="Enterprise", potential=80)
    assert matches(rules, good)
    for bad in (dict(region="IN"), dict(industry="Retail"), dict(segment="SMB"), dict(potential=60)):
        assert not matches(rules, AccountFacts(**{**good.__dict__, **bad}))
    assert not matches(TerritoryRules(2), good)  # no rule: matches nothing


def test_overrides_win_and_the_preview_shows_unmatched_and_double_matched_accounts():
    north = TerritoryRules(1, regions=("IL", "WI"))
    chicago = TerritoryRules(2, radius=Radius(*CHICAGO, km=50))
    accounts = [
        AccountFacts(1, region="WI"),  # north only
        AccountFacts(2, region="IL", latitude=41.9, longitude=-87.7, territory_id=2),  # both
        AccountFacts(3, region="IN"),  # none
        AccountFacts(4, region="IN"),  # none, but overridden
        AccountFacts(5, region="IL", latitude=41.9, longitude=-87.7),  # both, no current
    ]
    result = assign_territories(accounts, [north, chicago], overrides={4: 2})
    assert (result[1].territory_id, result[1].how) == (1, "rule")
    assert (result[2].territory_id, result[2].how) == (2, "conflict")  # keeps its current one
    assert (result[3].territory_id, result[3].how) == (None, "unmatched")
    assert (result[4].territory_id, result[4].how) == (2, "override")
    assert result[5].territory_id == 1
    summary = match_summary(2, result)
    assert summary.matched == 3 and summary.unmatched == (3,) and summary.conflicts == (2, 5)


# --- balance ---

def test_balance_flags_reps_more_than_a_fifth_off_the_team_mean():
    loads = [RepLoad(1, "Ana", accounts=50, customers=10, potential=2500, pipeline=Decimal(400000)),
             RepLoad(2, "Ben", accounts=50, customers=10, potential=2500, pipeline=Decimal(400000)),
             RepLoad(3, "Cy", accounts=80, customers=10, potential=4000, pipeline=Decimal(400000)),
             RepLoad(4, "Di", accounts=60, customers=10, potential=3000, pipeline=Decimal(0))]
    rows = {row.load.name: row for row in balance(loads)}
    assert rows["Cy"].flagged == ("accounts", "potential", "pipeline")
    assert rows["Cy"].deviation["accounts"] == pytest.approx(80 / 60 - 1)
    # 50 accounts and 2,500 potential are 16.7 % under the mean: within tolerance.
    assert rows["Ana"].flagged == ("pipeline",)
    assert rows["Di"].flagged == ("pipeline",)
    assert rows["Di"].deviation["pipeline"] == pytest.approx(-1.0)
    assert all(row.deviation["customers"] == 0 for row in rows.values())
