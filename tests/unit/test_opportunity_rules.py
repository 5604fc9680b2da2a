"""Opportunity rules without Flask or a database."""
from datetime import date, datetime
from decimal import Decimal

from webapp.domain.opportunities import (
    base_values,
    changed_fields,
    conflicting_fields,
    display_value,
    form_value,
    from_text,
    merge_stale_edit,
    stage_timestamps,
    to_text,
)

CURRENT = {"stage": "proposal", "amount": Decimal("50000.00"), "close_on": date(2027, 1, 31),
           "next_step": "Send pricing", "next_step_on": None, "qualified": True,
           "forecast_category": "pipeline"}
NOW = datetime(2026, 11, 23, 15, 0)


def test_only_fields_sent_and_different_count_as_changes():
    assert changed_fields(CURRENT, {"stage": "proposal"}) == {}
    assert changed_fields(CURRENT, {"stage": "negotiation"}) == {"stage": ("proposal", "negotiation")}
    # 50000 and 50000.00 are the same amount.
    assert changed_fields(CURRENT, {"amount": Decimal("50000")}) == {}
    assert changed_fields(CURRENT, {"next_step": "", "qualified": False}) == {
        "next_step": ("Send pricing", ""), "qualified": (True, False)}


def test_history_values_round_trip():
    for field, value in CURRENT.items():
        assert from_text(field, to_text(value)) == value


def test_closing_stamps_closed_at_and_reopening_clears_it():
    earlier = datetime(2026, 10, 1)
    assert stage_timestamps("proposal", "won", NOW, None) == (NOW, NOW)
    assert stage_timestamps("won", "lost", NOW, earlier) == (NOW, earlier)
    assert stage_timestamps("lost", "qualified", NOW, earlier) == (NOW, None)
    assert stage_timestamps("qualified", "proposal", NOW, None) == (NOW, None)


def test_base_is_rebuilt_from_the_first_change_after_the_version():
    later = [("amount", "40000.00"), ("stage", "qualified"), ("amount", "45000.00")]
    base = base_values(CURRENT, later)
    assert base["amount"] == Decimal("40000.00")
    assert base["stage"] == "qualified"
    assert base["close_on"] == CURRENT["close_on"]


def test_conflict_lists_each_field_with_mine_theirs_and_base():
    base = dict(CURRENT, amount=Decimal("40000.00"))
    mine = {"amount": Decimal("60000"), "stage": "proposal"}
    [conflict] = conflicting_fields(mine, CURRENT, base)
    assert (conflict.field, conflict.yours, conflict.theirs, conflict.base) == (
        "amount", Decimal("60000.00"), Decimal("50000.00"), Decimal("40000.00"))
    assert conflict.suggested is None  # both changed it: the rep decides


def test_a_stale_full_form_applies_only_what_the_rep_changed():
    base = dict(CURRENT, stage="qualified")  # someone else moved the stage meanwhile
    mine = {"stage": "qualified", "amount": Decimal("70000")}  # full form, rep changed amount
    apply, conflicts = merge_stale_edit(mine, CURRENT, base, {"stage"})
    assert apply == {"amount": Decimal("70000")} and conflicts == []


def test_only_a_field_someone_else_changed_too_is_a_conflict():
    base = dict(CURRENT, amount=Decimal("40000.00"))
    mine = {"amount": Decimal("60000"), "next_step": "Call CFO"}
    # The rep's own earlier edit changed the amount: merged.
    assert merge_stale_edit(mine, CURRENT, base, set()) == (mine, [])
    apply, [conflict] = merge_stale_edit(mine, CURRENT, base, {"amount"})
    assert apply == {"next_step": "Call CFO"} and conflict.field == "amount"


def test_stale_edit_that_changes_nothing_is_no_conflict():
    base = dict(CURRENT, stage="qualified")
    assert conflicting_fields({"stage": "qualified"}, CURRENT, base) == []
    # Both sides made the same change.
    assert conflicting_fields({"stage": "proposal"}, CURRENT, base) == []


def test_values_read_like_a_rep_writes_them():
    assert display_value("stage", "first_meeting") == "First meeting"
    assert display_value("amount", "50000.00") == "$50,000"
    assert display_value("close_on", "2027-01-31") == "Sun Jan 31 2027"
    assert display_value("next_step_on", None) == "—"
    assert display_value("qualified", "true") == "Yes"
    assert form_value("qualified", False) == "n"
    assert form_value("next_step_on", None) == ""
    assert form_value("amount", Decimal("5")) == "5.00"
