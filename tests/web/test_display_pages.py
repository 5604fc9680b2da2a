"""Pages show money as money and dates in the one family (webapp/display.py): the one-to-one's
deal changes, the opportunity's history and the account's deals."""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

from webapp.extensions import db
from webapp.models import OpportunityChange


def test_one_to_one_shows_changed_amounts_as_money_and_dates_as_dates(client, make, login):
    manager = make.user("manager")
    rep = make.user("rep", manager=manager)
    opp = make.opportunity(make.account(owner=rep), name="Fleet pilot", amount=Decimal("50000"),
                           close_on=date(2027, 6, 8))
    db.session.add_all([
        OpportunityChange(opportunity_id=opp.id, field="amount", old_value="47000.00",
                          new_value="50000.00", changed_at=datetime(2026, 11, 20, 15)),
        OpportunityChange(opportunity_id=opp.id, field="close_on", old_value="2027-03-31",
                          new_value="2027-06-08", changed_at=datetime(2026, 11, 20, 15)),
    ])
    db.session.commit()
    login(manager)
    page = client.get(f"/pipeline/one-to-ones/{rep.id}/2026-11-23").get_data(as_text=True)
    assert "amount: $47,000 → $50,000" in page
    assert "close date: Wed Mar 31 2027 → Tue Jun 8 2027" in page
    assert "47000.00" not in page and "2027-06-08" not in page.replace('"2027-06-08', "")


def test_opportunity_page_shows_amount_as_money_and_history_in_the_date_family(client, make,
                                                                                 login):
    rep = make.user("rep")
    opp = make.opportunity(make.account(owner=rep), amount=Decimal("120000"),
                           close_on=date(2027, 1, 31))
    login(rep)
    client.post(f"/opportunities/{opp.id}", data={"version": "1", "amount": "125000",
                                                  "close_on": "2027-01-31", "qualified": "n"})
    page = client.get(f"/opportunities/{opp.id}").get_data(as_text=True)
    assert "$125,000 · closes Sun Jan 31 2027" in re.sub(r"<[^>]+>", "", page)  # as read
    assert "$120,000 → $125,000" in page
    assert "Mon Nov 23, 9:00 AM" in page  # the rep's time zone, the one family
