"""Which reminders are due, when a rep is not disturbed, and the key that sends each once."""
from datetime import date, datetime, time

import pytest

from webapp.domain import reminders as rules

QUIET = (time(20, 0), time(7, 30))


@pytest.mark.parametrize("utc, tz, quiet", [
    (datetime(2026, 11, 23, 14, 0), "America/Chicago", False),  # 08:00 in Chicago
    (datetime(2026, 11, 23, 13, 0), "America/Chicago", True),  # 07:00 in Chicago
    (datetime(2026, 11, 24, 2, 0), "America/Chicago", True),  # 20:00 the evening before
    (datetime(2026, 11, 24, 1, 59), "America/Chicago", False),  # 19:59
    (datetime(2026, 11, 23, 14, 0), "Europe/Berlin", False),  # 15:00 in Berlin
    (datetime(2026, 11, 23, 19, 0), "Europe/Berlin", True),  # 20:00 in Berlin
    (datetime(2026, 11, 23, 19, 0), "Asia/Kolkata", True),  # 00:30 the next day in Kolkata
    (datetime(2026, 11, 23, 2, 0), "Asia/Kolkata", False),  # 07:30 in Kolkata: quiet is over
])
def test_quiet_hours_follow_the_users_own_clock(utc, tz, quiet):
    assert rules.in_quiet_hours(utc, tz, *QUIET) is quiet


def test_quiet_hours_follow_daylight_saving_time():
    # Summer (CDT, UTC-5): quiet ends at 12:30 UTC; winter (CST, UTC-6): at 13:30 UTC.
    assert rules.in_quiet_hours(datetime(2026, 7, 1, 12, 0), "America/Chicago", *QUIET)  # 07:00 CDT
    assert not rules.in_quiet_hours(datetime(2026, 7, 1, 12, 30), "America/Chicago", *QUIET)
    assert rules.in_quiet_hours(datetime(2026, 12, 1, 13, 0), "America/Chicago", *QUIET)  # 07:00 CST


def test_quiet_hours_within_one_day_and_none_at_all():
    lunch = (time(12, 0), time(13, 0))
    assert rules.in_quiet_hours(datetime(2026, 11, 23, 12, 30), "UTC", *lunch)
    assert not rules.in_quiet_hours(datetime(2026, 11, 23, 13, 0), "UTC", *lunch)
    assert not rules.in_quiet_hours(datetime(2026, 11, 23, 3, 0), "UTC", time(0), time(0))


def test_a_commitment_is_due_on_its_day_while_open():
    today = date(2026, 11, 23)
    assert rules.commitment_due(today, None, today)
    assert not rules.commitment_due(today, True, today)  # kept already
    assert not rules.commitment_due(date(2026, 11, 24), None, today)
    assert not rules.commitment_due(None, None, today)


@pytest.mark.parametrize("close_on, next_step, next_step_on, updated_on, reason", [
    (date(2026, 12, 1), "", None, date(2026, 11, 22), "no next step"),
    (date(2026, 12, 1), "Send pricing", date(2026, 11, 20), date(2026, 11, 22),
     "its next step is overdue"),
    (date(2026, 12, 1), "Send pricing", None, date(2026, 10, 1), "untouched for 53 days"),
    (date(2026, 11, 1), "  ", None, date(2026, 11, 22), "no next step"),  # close date passed
    (date(2026, 12, 1), "Send pricing", date(2026, 11, 25), date(2026, 11, 22), None),
    (date(2027, 3, 1), "", None, date(2026, 1, 1), None),  # far off: not slipping yet
])
def test_a_deal_about_to_slip(close_on, next_step, next_step_on, updated_on, reason):
    assert rules.slip_reason(close_on, next_step, next_step_on, updated_on,
                             date(2026, 11, 23), within_days=14) == reason


def test_a_territory_change_is_told_from_announcement_to_effect():
    announced, effective = date(2026, 11, 20), date(2026, 12, 4)
    assert not rules.territory_due(announced, effective, date(2026, 11, 19))
    assert rules.territory_due(announced, effective, date(2026, 11, 20))
    assert rules.territory_due(announced, effective, date(2026, 12, 4))
    assert not rules.territory_due(announced, effective, date(2026, 12, 5))


def test_the_sent_key_makes_each_reminder_once_per_its_day():
    monday = date(2026, 11, 23)
    due = rules.commitment_reminder(5, "ours", "Send the proposal", "Acme", monday, "/meetings/1")
    assert rules.sent_key(7, due) == (7, "commitments", "commitment:5", monday)
    # A slipping deal: one nudge a week, whichever day the cron runs.
    tuesday = rules.slipping_reminder(3, "Acme roll-out", date(2026, 12, 1), "no next step",
                                      date(2026, 11, 24), "/opportunities/3")
    friday = rules.slipping_reminder(3, "Acme roll-out", date(2026, 12, 1), "no next step",
                                     date(2026, 11, 27), "/opportunities/3")
    assert rules.sent_key(7, tuesday) == rules.sent_key(7, friday)
    next_week = rules.slipping_reminder(3, "Acme roll-out", date(2026, 12, 1), "no next step",
                                        date(2026, 11, 30), "/opportunities/3")
    assert rules.sent_key(7, next_week) != rules.sent_key(7, friday)
    # A territory change: once per plan, keyed by its announcement.
    plan = rules.territory_reminder(2, "West split", 3, 1, date(2026, 11, 20), date(2026, 12, 4),
                                    "/territories/mine")
    assert rules.sent_key(7, plan) == (7, "territory", "plan:2", date(2026, 11, 20))
    assert plan.body == "You gain 3 accounts and 1 account moves away from 2026-12-04."
