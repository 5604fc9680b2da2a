"""Pipeline arithmetic: periods, coverage, deal health, conversion, the reverse funnel, accuracy."""
from datetime import date
from decimal import Decimal as D

import pytest

from webapp.domain.pipeline_metrics import (
    FUNNEL,
    ConversionRates,
    DealPath,
    FlagRules,
    Period,
    StepRate,
    average_accuracy,
    conversion_rates,
    coverage,
    deal_health,
    fiscal_quarter,
    forecast_accuracy,
    forecast_is_locked,
    forecast_lock_date,
    forecast_results,
    next_period,
    recent_periods,
    reverse_funnel,
    split_by_currency,
    week_start,
)

# --- periods ---

def test_calendar_quarters_with_a_january_fiscal_year():
    q = fiscal_quarter(date(2026, 11, 23), 1)
    assert (q.start, q.end, q.label) == (date(2026, 10, 1), date(2026, 12, 31), "FY2026 Q4")


def test_fiscal_year_is_named_after_the_year_it_ends_in():
    q = fiscal_quarter(date(2026, 2, 1), 2)
    assert (q.start, q.end, q.label) == (date(2026, 2, 1), date(2026, 4, 30), "FY2027 Q1")


def test_quarter_spanning_new_year_with_a_november_fiscal_start():
    q = fiscal_quarter(date(2027, 1, 15), 11)
    assert (q.start, q.end) == (date(2026, 11, 1), date(2027, 1, 31))
    assert q.label == "FY2027 Q1"
    # The day before the fiscal year starts is the last quarter of the previous fiscal year.
    assert fiscal_quarter(date(2026, 10, 31), 11).label == "FY2026 Q4"


def test_next_period_crosses_the_fiscal_year_start():
    q4 = fiscal_quarter(date(2026, 12, 1), 2)  # Nov-Jan is Q4 of FY2027
    assert q4.label == "FY2027 Q4"
    q1 = next_period(q4, 2)
    assert (q1.start, q1.label) == (date(2027, 2, 1), "FY2028 Q1")


def test_february_end_in_a_leap_year():
    q = fiscal_quarter(date(2028, 2, 10), 12)
    assert q.end == date(2028, 2, 29)


def test_recent_periods_are_the_closed_ones_oldest_first():
    periods = recent_periods(date(2026, 11, 23), 1, 3)
    assert [p.label for p in periods] == ["FY2026 Q1", "FY2026 Q2", "FY2026 Q3"]


def test_bad_fiscal_start_month_is_refused():
    with pytest.raises(ValueError):
        fiscal_quarter(date(2026, 1, 1), 13)


def test_forecast_locks_after_the_lock_date_and_never_before_the_period_starts():
    q = Period(start=date(2026, 10, 1), end=date(2026, 12, 31), number=4, fiscal_year=2026)
    assert forecast_lock_date(q, 30) == date(2026, 12, 1)
    assert not forecast_is_locked(q, date(2026, 12, 1), 30)
    assert forecast_is_locked(q, date(2026, 12, 2), 30)
    assert forecast_lock_date(q, 365) == q.start


def test_week_starts_on_monday():
    assert week_start(date(2026, 11, 29)) == date(2026, 11, 23)


# --- currency ---

def test_only_the_team_currency_is_summed_others_are_listed_apart():
    split = split_by_currency([(D("100"), "USD"), (D("50"), "EUR"), (D("25"), "EUR"),
                               (D("10"), "USD")], "USD")
    assert split.amount == D("110") and split.count == 2
    assert split.others == (("EUR", D("75")),)


# --- coverage ---

def test_coverage_is_qualified_pipeline_over_quota_still_to_close():
    c = coverage(quota=D("400000"), closed_won=D("100000"), qualified_pipeline=D("600000"),
                 target=D("4"), average_deal=D("50000"))
    assert c.remaining == D("300000")
    assert c.ratio == D("2.00")
    assert c.needed_pipeline == D("1200000")
    assert c.gap == D("600000")
    assert c.gap_deals == 12
    assert not c.on_target
    assert c.percent_of_target == 50


def test_gap_in_deals_rounds_up():
    c = coverage(D("100"), D("0"), D("350"), D("4"), average_deal=D("30"))
    assert c.gap == D("50") and c.gap_deals == 2


def test_quota_met_has_no_ratio_and_no_gap():
    c = coverage(quota=D("100000"), closed_won=D("120000"), qualified_pipeline=D("0"),
                 target=D("4"))
    assert c.quota_met and c.on_target
    assert c.ratio is None and c.gap == 0 and c.remaining == 0


def test_zero_quota_counts_as_met():
    c = coverage(D("0"), D("0"), D("50000"), D("4"))
    assert c.quota_met and c.ratio is None


def test_gap_in_deals_is_unknown_without_a_deal_size():
    c = coverage(D("100000"), D("0"), D("0"), D("4"), average_deal=None)
    assert c.gap == D("400000") and c.gap_deals is None


def test_above_target_has_no_gap():
    c = coverage(D("100"), D("0"), D("500"), D("4"), average_deal=D("10"))
    assert c.ratio == D("5.00") and c.gap == 0 and c.gap_deals == 0 and c.on_target


# --- deal health ---

def test_close_date_pushed_twice_is_slipping():
    h = deal_health(date(2026, 11, 23), close_on=date(2027, 1, 31), stage_since=date(2026, 11, 1),
                    close_pushes=2, last_meeting_on=date(2026, 11, 20))
    assert h.flags == ("slipping",)


def test_long_in_stage_and_no_meeting_for_weeks_are_flagged():
    h = deal_health(date(2026, 11, 23), close_on=date(2026, 11, 1), stage_since=date(2026, 8, 1),
                    close_pushes=1, last_meeting_on=date(2026, 9, 1),
                    rules=FlagRules(slip_pushes=2, quiet_weeks=4, stuck_days=60))
    assert set(h.flags) == {"overdue", "stuck", "quiet"}
    assert h.days_in_stage == 114 and h.days_since_meeting == 83


def test_new_deal_never_met_is_not_quiet_yet():
    h = deal_health(date(2026, 11, 23), date(2027, 3, 1), date(2026, 11, 20), 0, None)
    assert h.flags == () and h.days_since_meeting is None


# --- conversion ---

def test_no_history_gives_no_rates():
    rates = conversion_rates([])
    assert [s.rate for s in rates.steps] == [None, None, None]
    assert rates.won == 0


def test_conversion_counts_only_decided_deals():
    paths = [
        DealPath(3, "won", 2),  # passed every level
        DealPath(2, "lost", 2),  # lost at proposal
        DealPath(1, "lost", 1),  # lost after qualifying
        DealPath(0, "lost", 5),  # never qualified
        DealPath(1, "open", 4),  # still open at qualified: passed first meeting, undecided after
    ]
    rates = conversion_rates(paths, cycle_days=180.0)
    first, qualified, proposal = rates.steps
    assert (first.passed, first.decided) == (9, 14)
    assert (qualified.passed, qualified.decided) == (4, 5)
    assert (proposal.passed, proposal.decided) == (2, 4)
    assert proposal.rate == 0.5
    assert rates.won == 2 and rates.cycle_days == 180.0


# --- reverse funnel ---

def _rates(first, qualified, proposal):
    """Rates from (passed, decided) pairs per step."""
    steps = tuple(StepRate(FUNNEL[i], FUNNEL[i + 1], *pair)
                  for i, pair in enumerate((first, qualified, proposal)))
    return ConversionRates(steps=steps, won=proposal[0], cycle_days=None)


def test_reverse_funnel_from_quota_still_to_close():
    own = _rates(first=(20, 40), qualified=(10, 20), proposal=(5, 10))  # 50% at every step
    funnel = reverse_funnel(D("300000"), D("100000"), own, min_decided=5)
    assert funnel.needed == {"won": 3, "proposal": 6, "qualified": 12, "first_meeting": 24}
    assert not funnel.uses_team_rates


def test_reverse_funnel_rounds_up_at_every_level():
    own = _rates(first=(30, 100), qualified=(30, 100), proposal=(30, 100))  # 30%
    funnel = reverse_funnel(D("250"), D("100"), own)
    assert funnel.needed == {"won": 3, "proposal": 10, "qualified": 34, "first_meeting": 114}


def test_thin_history_falls_back_to_the_team_rates():
    own = _rates(first=(1, 2), qualified=(1, 1), proposal=(1, 1))
    team = _rates(first=(25, 100), qualified=(50, 100), proposal=(25, 100))
    funnel = reverse_funnel(D("200"), D("100"), own, team, min_decided=5)
    assert [r.source for r in funnel.rates] == ["team", "team", "team"]
    assert funnel.needed == {"won": 2, "proposal": 8, "qualified": 16, "first_meeting": 64}
    assert funnel.uses_team_rates


def test_no_history_anywhere_leaves_the_funnel_incomplete():
    funnel = reverse_funnel(D("200"), D("100"), conversion_rates([]), conversion_rates([]))
    assert funnel.needed["won"] == 2
    assert funnel.needed["proposal"] is None and not funnel.complete


def test_quota_met_needs_nothing():
    funnel = reverse_funnel(D("0"), D("100"), conversion_rates([]))
    assert funnel.needed == {"won": 0, "proposal": 0, "qualified": 0, "first_meeting": 0}


def test_no_deal_size_means_deals_needed_is_unknown():
    own = _rates(first=(20, 40), qualified=(10, 20), proposal=(5, 10))
    funnel = reverse_funnel(D("100"), None, own)
    assert funnel.needed["won"] is None and not funnel.complete


# --- forecast accuracy ---

@pytest.mark.parametrize("commit,actual,expected", [
    (D("100"), D("100"), 1.0),
    (D("100"), D("80"), 0.8),
    (D("80"), D("100"), 0.8),  # sandbagging costs the same as optimism
    (D("100"), D("0"), 0.0),
    (D("0"), D("0"), 1.0),
    (D("0"), D("50"), 0.0),
])
def test_forecast_accuracy(commit, actual, expected):
    assert forecast_accuracy(commit, actual) == pytest.approx(expected)


def test_accuracy_across_periods_skips_periods_without_a_forecast():
    periods = recent_periods(date(2026, 11, 23), 1, 3)
    results = forecast_results(
        periods,
        submissions={periods[0].start: (D("100"), D("150")), periods[2].start: (D("200"), D("250"))},
        closed_won={periods[0].start: D("100"), periods[1].start: D("70"), periods[2].start: D("150")},
    )
    assert [r.accuracy for r in results] == [1.0, None, 0.75]
    assert [r.direction for r in results] == ["exact", "none", "over"]
    assert average_accuracy(results) == pytest.approx(0.875)
    assert average_accuracy([]) is None


# --- charts ---

def test_funnel_chart_has_a_text_summary_and_widest_bar_on_top():
    from webapp.pipeline.charts import funnel

    own = _rates(first=(20, 40), qualified=(10, 20), proposal=(5, 10))
    chart = funnel(reverse_funnel(D("300000"), D("100000"), own), {"first_meeting": 3})
    widths = [b.width for b in chart.bars]
    assert widths == sorted(widths, reverse=True)
    assert chart.summary.startswith("First meetings: 24 needed; Qualified: 12 needed")


def test_accuracy_chart_says_which_periods_had_no_forecast():
    from webapp.pipeline.charts import accuracy

    periods = recent_periods(date(2026, 11, 23), 1, 2)
    chart = accuracy(forecast_results(periods, {periods[1].start: (D("100"), D("100"))},
                                      {periods[1].start: D("50")}))
    assert chart.summary.endswith("FY2026 Q2: no forecast; FY2026 Q3: 50%.")
    assert [round(b.height) for b in chart.bars] == [2, 50]
