"""Customer success rules: the renewal opportunity's timing, reference ranking (cascade deals)
and effort against potential by band."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from webapp.domain.success import (
    Candidate,
    effort_against_potential,
    haversine_km,
    invitation,
    potential_band,
    rank_references,
    renewal_needs_opportunity,
)

TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 15, 0)
CHICAGO = (41.88, -87.63)


def test_a_renewal_within_the_lead_gets_its_opportunity_once():
    renewal = date(2027, 1, 15)
    assert renewal_needs_opportunity(renewal, None, TODAY, lead_days=120)
    assert not renewal_needs_opportunity(renewal, renewal, TODAY, lead_days=120)  # made already
    # A new renewal date (next year's) gets its own.
    assert renewal_needs_opportunity(renewal, date(2026, 1, 15), TODAY, lead_days=120)


@pytest.mark.parametrize("renewal", [None, date(2026, 11, 22), date(2027, 6, 1)])
def test_no_renewal_opportunity_for_no_date_a_past_one_or_one_far_off(renewal):
    assert not renewal_needs_opportunity(renewal, None, TODAY, lead_days=120)


def test_haversine_distance_chicago_to_milwaukee_is_about_130_km():
    assert haversine_km(*CHICAGO, 43.04, -87.91) == pytest.approx(130, abs=5)
    assert haversine_km(*CHICAGO, *CHICAGO) == 0


def _candidate(account_id, **kw):
    values = dict(industry="Manufacturing", latitude=None, longitude=None, health="good",
                  willing=False, last_positive_meeting=None, asks=0, last_asked_at=None)
    values.update(kw)
    return Candidate(account_id, **values)


def test_only_happy_customers_in_the_industry_or_nearby_are_suggested():
    ranked = rank_references("Manufacturing", CHICAGO, [
        _candidate(1),                                             # same industry
        _candidate(2, industry="Retail", latitude=41.9, longitude=-87.7),  # nearby
        _candidate(3, industry="Retail", latitude=34.05, longitude=-118.24),  # far, other trade
        _candidate(4, health="watch"),                             # not happy
        _candidate(5, health=None),
    ], NOW)
    assert sorted(s.account_id for s in ranked) == [1, 2]


def test_same_industry_nearby_recent_good_meeting_and_willing_rank_first():
    ranked = rank_references("Manufacturing", CHICAGO, [
        _candidate(1),
        _candidate(2, latitude=41.9, longitude=-87.7, willing=True,
                   last_positive_meeting=datetime(2026, 10, 1)),
        _candidate(3, latitude=41.9, longitude=-87.7),
    ], NOW)
    assert [s.account_id for s in ranked] == [2, 3, 1]
    assert "willing reference" in ranked[0].reasons and ranked[0].same_industry


def test_each_ask_counts_against_a_reference_so_nobody_is_worn_out():
    fresh = _candidate(1)
    asked = _candidate(2, willing=True, asks=3, last_asked_at=datetime(2026, 6, 1))
    assert [s.account_id for s in rank_references("Manufacturing", CHICAGO, [asked, fresh],
                                                  NOW)] == [1, 2]


def test_a_reference_asked_in_the_last_month_rests_at_the_end():
    resting = _candidate(1, willing=True, latitude=41.88, longitude=-87.63,
                         asks=1, last_asked_at=datetime(2026, 11, 10))
    ranked = rank_references("Manufacturing", CHICAGO, [resting, _candidate(2)], NOW)
    assert [s.account_id for s in ranked] == [2, 1] and ranked[1].resting


def test_the_invitation_names_the_host_and_greets_the_guest():
    subject, body = invitation("Prairie Foods", "Dana Kim", "Lakeside Metal", "Ann Lee", "Rep One")
    assert subject == "Lunch with Lakeside Metal?"
    assert body.startswith("Hi Dana,") and "Ann Lee of Lakeside Metal" in body
    assert body.endswith("Rep One")


@pytest.mark.parametrize("potential,band", [(100, "high"), (70, "high"), (69, "medium"),
                                            (40, "medium"), (39, "low"), (0, "low")])
def test_potential_bands(potential, band):
    assert potential_band(potential) == band


def test_effort_on_low_potential_accounts_is_flagged_against_where_the_potential_is():
    # 10 high accounts (800 potential), 10 low (200): 8 of 10 meetings went to low ones.
    effort = effort_against_potential({"high": (10, 800, 2), "low": (10, 200, 8)})
    by = {b.band: b for b in effort.bands}
    assert (by["low"].meeting_share, by["low"].potential_share) == (80, 20)
    assert (by["high"].meeting_share, by["high"].potential_share) == (20, 80)
    assert by["medium"].meetings == 0 and effort.meetings == 10 and effort.unbalanced


def test_effort_that_follows_the_potential_is_not_flagged_and_shares_add_up():
    effort = effort_against_potential({"high": (3, 250, 5), "medium": (3, 160, 3),
                                       "low": (3, 90, 1)})
    assert not effort.unbalanced
    assert sum(b.meeting_share for b in effort.bands) == 100
    assert sum(b.potential_share for b in effort.bands) == 100


def test_no_meetings_is_no_verdict():
    effort = effort_against_potential({"low": (4, 100, 0)})
    assert effort.meetings == 0 and not effort.unbalanced
