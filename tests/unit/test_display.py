"""How dates and money read: one family of dates (Babel, CLDR names), the user's time zone,
money as money whatever its currency or source (a change log keeps "47000.00")."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from flask import Flask

from tests.conftest import Clock
from webapp.display import change_value, day_date, full_date, local_datetime, money, short_date


@pytest.fixture(autouse=True)
def app_context():
    """"Now" is Mon Nov 23 2026, 15:00 UTC (the app clock decides which year is "this")."""
    app = Flask(__name__)
    app.config["CLOCK"] = Clock(datetime(2026, 11, 23, 15, 0))
    with app.app_context():
        yield


@pytest.mark.parametrize(("amount", "currency", "shown"), [
    (Decimal("120000"), "USD", "$120,000"),
    (Decimal("47000.00"), "USD", "$47,000"),
    ("47000.00", "USD", "$47,000"),          # text from the change log
    (Decimal("99.50"), "USD", "$99.50"),     # cents only when there are some
    (Decimal("5000"), "EUR", "€5,000"),
    (Decimal("1200"), "CAD", "CA$1,200"),
    (Decimal("1200"), "GBP", "£1,200"),
    (Decimal("-300"), "USD", "-$300"),
    (Decimal("10"), "XTS", "XTS\u00a010"),   # no symbol: the code, then a space
    (None, "USD", ""),
    ("not money", "USD", "not money"),
])
def test_money_reads_as_money(amount, currency, shown):
    assert money(amount, currency) == shown


def test_dates_are_one_family_with_the_year_only_when_it_is_not_this_one():
    assert day_date(date(2026, 11, 23)) == "Mon Nov 23"
    assert day_date(date(2027, 1, 31)) == "Sun Jan 31 2027"
    assert full_date(date(2026, 12, 7)) == "Mon Dec 7 2026"
    assert short_date(date(2026, 11, 20)) == "Nov 20"
    assert short_date(date(2025, 11, 20)) == "Nov 2025"
    assert day_date(None) == short_date(None) == local_datetime(None) == ""


def test_moments_are_shown_in_the_users_time_zone():
    moment = datetime(2026, 11, 24, 3, 0)  # naive UTC
    assert local_datetime(moment, "America/Chicago") == "Mon Nov 23, 9:00 PM"
    assert local_datetime(moment, "Europe/Berlin") == "Tue Nov 24, 4:00 AM"
    assert short_date(moment, "America/Chicago") == "Nov 23"
    assert day_date(moment, "Asia/Tokyo") == "Tue Nov 24"
    assert local_datetime(datetime(2025, 7, 1, 12, 0), "UTC") == "Tue Jul 1 2025, 12:00 PM"


def test_a_signed_in_users_zone_is_used_when_none_is_given():
    from flask import g

    class Someone:
        timezone = "Pacific/Auckland"

    g.user = Someone()
    assert local_datetime(datetime(2026, 11, 23, 15, 0)) == "Tue Nov 24, 4:00 AM"


@pytest.mark.parametrize(("field", "value", "shown"), [
    ("amount", "47000.00", "$47,000"),
    ("close_on", "2027-06-08", "Tue Jun 8 2027"),
    ("stage", "proposal", "Proposal"),
    ("qualified", "true", "Yes"),
    ("qualified", "false", "No"),
    ("amount", None, "–"),
    ("close_on", "garbled", "garbled"),
])
def test_changed_values_read_as_a_person_says_them(field, value, shown):
    assert change_value(field, value) == shown


def test_changed_amounts_keep_their_currency():
    assert change_value("amount", "50000.00", "EUR") == "€50,000"


def test_stored_codes_read_as_words():
    from types import SimpleNamespace

    from webapp.display import (
        change_field,
        delimiter_label,
        error_message,
        import_progress,
        import_status,
    )
    assert import_progress("undoing") == "Putting back what was written"
    assert import_status("checked") == "checked, not imported"
    assert change_field("close_on") == "close date"
    assert delimiter_label("\t") == "tabs"
    assert delimiter_label("|") == "|"
    missing = SimpleNamespace(code=404, description="Not Found")
    assert error_message(missing) == "There is nothing here, or it is not yours to see."
    assert error_message(SimpleNamespace(code=418, description="I'm a teapot")) == "I'm a teapot"
    own = SimpleNamespace(code=404, description="", rep_message="Sync the account first.")
    assert error_message(own) == "Sync the account first."


def test_stages_and_funnel_levels_read_as_the_pipeline_pages_name_them():
    from webapp.display import FILTERS, funnel_label, stage_label
    assert stage_label("first_meeting") == "First meeting"
    assert stage_label("negotiation") == "Negotiation"
    assert funnel_label("first_meeting") == "First meetings"
    assert funnel_label("proposal") == "Proposals"
    assert FILTERS["stage_label"] is stage_label and FILTERS["funnel_label"] is funnel_label
