"""Equality of effort: when a deal is one-sided, and how fresh intel is (pure rules)."""
from __future__ import annotations

from datetime import date

from webapp.domain.effort import (
    Effort,
    commitment_state,
    is_one_sided,
    one_sided_reason,
    recent_outcomes,
)
from webapp.domain.intel import age_words, is_stale

TODAY = date(2026, 11, 23)
PAST, FUTURE = date(2026, 11, 1), date(2026, 12, 1)


def test_a_commitment_is_kept_not_kept_overdue_or_open():
    assert commitment_state(True, PAST, TODAY) == "kept"
    assert commitment_state(False, FUTURE, TODAY) == "not_kept"
    assert commitment_state(None, PAST, TODAY) == "overdue"
    assert commitment_state(None, FUTURE, TODAY) == "open"
    assert commitment_state(None, None, TODAY) == "open"
    assert commitment_state(None, TODAY, TODAY) == "open"  # due today is not late yet


def test_a_deal_whose_prospect_kept_none_of_three_commitments_is_one_sided():
    reason = one_sided_reason(Effort(their_recent=3, their_recent_kept=0))
    assert reason == "They kept none of their last 3 commitments"


def test_one_kept_commitment_of_the_last_three_is_enough_to_not_be_one_sided():
    assert not is_one_sided(Effort(their_recent=3, their_recent_kept=1))


def test_two_broken_commitments_are_not_yet_a_pattern():
    assert not is_one_sided(Effort(their_recent=2, their_recent_kept=0))


def test_every_meeting_ours_from_the_third_on_is_one_sided():
    assert not is_one_sided(Effort(meetings_ours=2))
    assert one_sided_reason(Effort(meetings_ours=3)) == "Every meeting (3) was ours"
    assert not is_one_sided(Effort(meetings_ours=5, meetings_theirs=1))


def test_a_new_deal_with_nothing_recorded_is_not_one_sided():
    assert not is_one_sided(Effort())


def test_recent_outcomes_count_the_last_three_that_came_due_newest_first():
    newest_first = [(None, FUTURE),  # open, not due: not counted
                    (False, None), (None, PAST), (False, PAST),  # the last three that came due
                    (True, PAST)]  # older: outside the three
    assert recent_outcomes(newest_first, TODAY) == (3, 0)
    assert recent_outcomes([(True, PAST), (False, PAST)], TODAY) == (2, 1)


def test_intel_goes_stale_after_a_quarter_and_says_its_age():
    assert not is_stale(date(2026, 9, 1), TODAY)
    assert is_stale(date(2026, 8, 1), TODAY)
    assert age_words(TODAY, TODAY) == "today"
    assert age_words(date(2026, 11, 22), TODAY) == "1 day ago"
    assert age_words(date(2026, 11, 13), TODAY) == "10 days ago"
    assert age_words(date(2026, 10, 26), TODAY) == "4 weeks ago"
    assert age_words(date(2026, 5, 23), TODAY) == "6 months ago"
    assert age_words(date(2026, 12, 1), TODAY) == "today"  # a typo in the future is not negative
