"""Closing rules without Flask or a database: what a close needs, and how long it can be undone."""
from datetime import datetime, timedelta

from webapp.domain.deal_closing import (
    LOSS_REASON_LABELS,
    LOSS_REASONS,
    REOPEN_DAYS,
    can_reopen,
    check_close,
    reopen_until,
)


def test_a_loss_needs_a_reason_from_the_list_and_a_competitor_when_one_won():
    assert check_close("lost", None, "") == {"reason": "Choose why it was lost."}
    assert check_close("lost", "budget cuts", "") == {"reason": "Choose why it was lost."}
    assert check_close("lost", "competitor", "  ") == {"competitor": "Name the competitor who won it."}
    assert check_close("lost", "competitor", "Initech") == {}
    assert check_close("lost", "price", "") == {}


def test_a_win_needs_nothing_more_here_and_an_unknown_outcome_is_refused():
    assert check_close("won", None, "") == {}
    assert check_close("tied", None, "") == {"outcome": "Choose won or lost."}
    assert "competitor" in check_close("lost", "price", "x" * 121)


def test_every_reason_has_a_label_a_rep_reads():
    assert set(LOSS_REASONS) == set(LOSS_REASON_LABELS) >= {"no_decision", "timing", "price",
                                                           "competitor", "other"}


def test_a_close_can_be_undone_for_seven_days_to_the_minute():
    closed = datetime(2026, 11, 23, 15, 0)
    assert REOPEN_DAYS == 7 and reopen_until(closed) == closed + timedelta(days=7)
    assert can_reopen(closed, closed + timedelta(days=7))
    assert not can_reopen(closed, closed + timedelta(days=7, seconds=1))
    assert not can_reopen(None, closed)
