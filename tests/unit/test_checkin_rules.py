"""The check-in rules: the moment a tap stands for, a departure the rep gives, a visit's
length, when an open check-in is asked about, and what a position may be."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from webapp.domain.checkins import (
    CheckInError,
    departure,
    is_stale,
    tapped_at,
    valid_position,
    visit_minutes,
)

NOW = datetime(2026, 11, 23, 15, 0)


def test_a_tap_is_the_phones_moment_in_utc_or_now_without_one():
    assert tapped_at("2026-11-23T14:10:30.000Z", NOW) == datetime(2026, 11, 23, 14, 10, 30)
    assert tapped_at("2026-11-23T08:10:30-06:00", NOW) == datetime(2026, 11, 23, 14, 10, 30)
    assert tapped_at("", NOW) == NOW and tapped_at(None, NOW) == NOW
    # A phone clock a few minutes ahead is now; days old (an outbox replay) is believed.
    assert tapped_at("2026-11-23T15:04:00Z", NOW) == NOW
    assert tapped_at("2026-11-20T09:00:00Z", NOW) == datetime(2026, 11, 20, 9, 0)


@pytest.mark.parametrize("sent", ["soon", "2026-11-24T15:00:00Z", "2026-09-01T09:00:00Z"])
def test_a_tap_that_cannot_be_right_is_refused(sent):
    with pytest.raises(CheckInError):
        tapped_at(sent, NOW)


def test_a_departure_comes_after_the_arrival_within_a_day_and_not_in_the_future():
    arrived = NOW - timedelta(hours=2)
    assert departure(arrived, NOW - timedelta(hours=1), NOW) == NOW - timedelta(hours=1)
    for wrong in (arrived - timedelta(minutes=1), NOW + timedelta(hours=1)):
        with pytest.raises(CheckInError):
            departure(arrived, wrong, NOW)
    with pytest.raises(CheckInError):
        departure(NOW - timedelta(days=3), NOW - timedelta(days=1), NOW)


def test_a_visit_lasts_whole_minutes_at_least_one():
    assert visit_minutes(NOW, NOW + timedelta(minutes=47, seconds=40)) == 48
    assert visit_minutes(NOW, NOW + timedelta(seconds=5)) == 1


def test_a_check_in_open_for_more_than_twelve_hours_is_asked_about():
    assert not is_stale(NOW - timedelta(hours=11), NOW)
    assert is_stale(NOW - timedelta(hours=13), NOW)


def test_a_position_is_both_coordinates_on_the_globe_or_none():
    assert valid_position(None, None) and valid_position(41.9, -87.6)
    assert not valid_position(41.9, None) and not valid_position(91, 0)
    assert not valid_position(0, 181)
