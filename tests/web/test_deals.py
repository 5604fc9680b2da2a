"""Closing a deal (won with its final amount, lost with a reason and competitor), confirmed on
its own step and undoable for 7 days; commitments closed from Today and the account page."""
from __future__ import annotations

import json
import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import AuditEvent, Commitment, DealClosure, Opportunity, OpportunityChange

OUTBOX = {"X-Groundwork-Outbox": "1", "Accept": "text/html"}


def _fresh(opp) -> Opportunity:
    db.session.expire_all()
    return db.session.get(Opportunity, opp.id)


def _closures(opp) -> list[DealClosure]:
    db.session.expire_all()
    return list(db.session.scalars(select(DealClosure).where(DealClosure.opportunity_id == opp.id)))


def _audit(action) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _close(client, opp, **data):
    return client.post(f"/opportunities/{opp.id}/close", data={"confirm": "yes", **data})


# --- closing ------------------------------------------------------------------------------

def test_won_and_lost_are_not_one_tap_stage_buttons(client, make, login):
    rep = make.user("rep")
    opp = make.opportunity(make.account(owner=rep), stage="negotiation", amount=Decimal("47000"))
    login(rep)
    page = client.get(f"/opportunities/{opp.id}").get_data(as_text=True)
    assert 'name="stage" value="won"' not in page and 'name="stage" value="lost"' not in page
    assert "Close this deal" in page
    # The final amount is prefilled; loss reasons are a short list.
    assert 'name="amount" type="text" value="47000.00"' in page or 'value="47000.00"' in page
    for reason in ("no_decision", "timing", "price", "competitor", "other"):
        assert f'name="reason" value="{reason}"' in page
    refused = client.post(f"/opportunities/{opp.id}", data={"version": "1", "stage": "won"})
    assert refused.status_code == 400 and _fresh(opp).stage == "negotiation"


def test_losing_a_deal_stores_the_reason_and_competitor_as_data(client, make, login, clock):
    rep = make.user("rep", name="Dana Cole")
    opp = make.opportunity(make.account(owner=rep), stage="proposal")
    login(rep)
    client_id = str(uuid.uuid4())
    response = _close(client, opp, outcome="lost", reason="competitor", competitor=" Initech ",
                      client_id=client_id)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/opportunities/{opp.id}"
    opp = _fresh(opp)
    assert (opp.stage, opp.closed_at, opp.version) == ("lost", clock.now, 2)
    [closure] = _closures(opp)
    assert (closure.outcome, closure.loss_reason, closure.competitor, closure.previous_stage,
            closure.closed_by_id, closure.client_id) == ("lost", "competitor", "Initech",
                                                         "proposal", rep.id, client_id)
    [event] = _audit("deal.closed")
    assert event.actor_id == rep.id and json.loads(event.detail)["reason"] == "competitor"
    page = client.get(f"/opportunities/{opp.id}").get_data(as_text=True)
    assert "Went with a competitor" in page and "to Initech" in page and "Closed by Dana Cole" in page
    assert "Reopen as Proposal" in page and "Close this deal" not in page


def test_winning_a_deal_records_the_final_amount(client, make, login):
    rep = make.user("rep")
    opp = make.opportunity(make.account(owner=rep), stage="negotiation", amount=Decimal("47000"))
    login(rep)
    assert _close(client, opp, outcome="won", amount="$50,000").status_code == 303
    opp = _fresh(opp)
    assert (opp.stage, opp.amount) == ("won", Decimal("50000"))
    [closure] = _closures(opp)
    assert (closure.amount, closure.previous_amount, closure.loss_reason) == (
        Decimal("50000"), Decimal("47000"), None)
    fields = set(db.session.scalars(select(OpportunityChange.field)
                                    .where(OpportunityChange.opportunity_id == opp.id)))
    assert fields == {"stage", "amount"}


def test_closing_without_what_a_manager_needs_is_refused_next_to_the_field(client, make, login):
    rep = make.user("rep")
    opp = make.opportunity(make.account(owner=rep), stage="proposal")
    login(rep)
    cases = [
        ({"outcome": "lost"}, "Choose why it was lost."),
        ({"outcome": "lost", "reason": "bribery"}, "Choose why it was lost."),
        ({"outcome": "lost", "reason": "competitor"}, "Name the competitor who won it."),
        ({"outcome": "won", "amount": ""}, "Enter the final amount"),
        ({"outcome": "won", "amount": "-3"}, "Enter an amount of 0 or more."),
        ({}, "Choose won or lost."),
    ]
    for data, message in cases:
        response = _close(client, opp, **data)
        assert response.status_code == 400, data
        page = response.get_data(as_text=True)
        assert message in page, data
        assert '<details class="toggle close" open' in page  # the form stays open, input kept
    # Not confirmed: nothing is closed.
    response = client.post(f"/opportunities/{opp.id}/close",
                           data={"outcome": "lost", "reason": "price"})
    assert response.status_code == 400 and "Confirm to close the deal." in response.get_data(as_text=True)
    assert _fresh(opp).stage == "proposal" and _closures(opp) == []


def test_a_replayed_close_closes_once(client, make, login):
    rep = make.user("rep")
    opp = make.opportunity(make.account(owner=rep), stage="proposal")
    login(rep)
    data = {"outcome": "lost", "reason": "timing", "client_id": str(uuid.uuid4())}
    assert _close(client, opp, **data).status_code == 303
    again = client.post(f"/opportunities/{opp.id}/close", data={"confirm": "yes", **data},
                        headers=OUTBOX)
    assert again.status_code == 303
    assert len(_closures(opp)) == 1 and _fresh(opp).version == 2
    # A new close of a closed deal is refused, not applied twice.
    other = _close(client, opp, outcome="won", amount="1")
    assert other.status_code == 400 and "already closed" in other.get_data(as_text=True)


def test_a_close_can_be_undone_for_seven_days_back_to_the_previous_stage(client, make, login, clock):
    rep = make.user("rep")
    opp = make.opportunity(make.account(owner=rep), stage="negotiation", amount=Decimal("47000"))
    login(rep)
    _close(client, opp, outcome="won", amount="52000")
    clock.advance(days=6, hours=23)
    response = client.post(f"/opportunities/{opp.id}/reopen",
                           data={"client_id": str(uuid.uuid4())}, headers=OUTBOX)
    assert response.status_code == 303
    opp = _fresh(opp)
    assert (opp.stage, opp.amount, opp.closed_at) == ("negotiation", Decimal("47000"), None)
    [closure] = _closures(opp)
    assert (closure.reopened_at, closure.reopened_by_id) == (clock.now, rep.id)
    assert len(_audit("deal.reopened")) == 1

    _close(client, opp, outcome="lost", reason="no_decision")
    clock.advance(days=7, minutes=1)
    page = client.get(f"/opportunities/{opp.id}").get_data(as_text=True)
    assert "can no longer be reopened" in page and "Reopen as" not in page
    late = client.post(f"/opportunities/{opp.id}/reopen", data={})
    assert late.status_code == 400 and "more than 7 days ago" in late.get_data(as_text=True)
    assert _fresh(opp).stage == "lost"


def test_another_reps_deal_cannot_be_closed_or_reopened(client, make, login):
    rep, other = make.user("rep"), make.user("rep")
    theirs = make.opportunity(make.account(owner=other), stage="proposal")
    login(rep)
    assert _close(client, theirs, outcome="lost", reason="price").status_code == 404
    assert client.post(f"/opportunities/{theirs.id}/reopen", data={}).status_code == 404
    assert _fresh(theirs).stage == "proposal"


# --- commitments ----------------------------------------------------------------------------

def _commitment(account, party, description, **kw) -> Commitment:
    row = Commitment(account_id=account.id, party=party, description=description, **kw)
    db.session.add(row)
    db.session.commit()
    return row


def test_commitments_are_closed_from_today_and_leave_the_list(client, make, login, clock):
    rep = make.user("rep")
    account = make.account(owner=rep, name="Globex")
    theirs = _commitment(account, "theirs", "Send the downtime numbers",
                         due_on=date(2026, 11, 20))
    ours = _commitment(account, "ours", "Send the pricing sheet")
    login(rep)
    today = client.get("/").get_data(as_text=True)
    for row in (theirs, ours):
        assert f'action="/meetings/commitments/{row.id}"' in today
    assert 'data-outbox="commitment"' in today and 'value="yes"' in today and 'value="no"' in today

    response = client.post(f"/meetings/commitments/{theirs.id}",
                           data={"kept": "yes", "next": "/", "client_id": str(uuid.uuid4())},
                           headers=OUTBOX)
    assert response.status_code == 303 and response.headers["Location"] == "/"
    client.post(f"/meetings/commitments/{ours.id}", data={"kept": "no", "next": "/"})
    db.session.expire_all()
    assert (db.session.get(Commitment, theirs.id).kept, db.session.get(Commitment, ours.id).kept) \
        == (True, False)
    assert db.session.get(Commitment, theirs.id).resolved_at == clock.now
    today = client.get("/").get_data(as_text=True)
    assert "Send the downtime numbers" not in today and "Send the pricing sheet" not in today


def test_commitments_are_closed_from_the_account_page(client, make, login, count_queries):
    rep = make.user("rep")
    account = make.account(owner=rep)
    rows = [_commitment(account, "theirs", f"Promise {n}") for n in range(3)]
    login(rep)
    url = f"/accounts/{account.id}"
    with count_queries() as few:
        page = client.get(url).get_data(as_text=True)
    assert all(f'action="/meetings/commitments/{r.id}"' in page for r in rows)
    assert f'name="next" value="{url}"' in page
    for n in range(3, 30):
        _commitment(account, "theirs", f"Promise {n}")
    with count_queries() as many:
        client.get(url)
    assert many.count == few.count
    back = client.post(f"/meetings/commitments/{rows[0].id}", data={"kept": "yes", "next": url})
    assert back.headers["Location"] == url
    assert "Promise 0</b>" not in client.get(url).get_data(as_text=True)


def test_another_reps_commitment_cannot_be_closed(client, make, login):
    rep, other = make.user("rep"), make.user("rep")
    row = _commitment(make.account(owner=other), "theirs", "Theirs")
    login(rep)
    assert client.post(f"/meetings/commitments/{row.id}", data={"kept": "yes"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Commitment, row.id).kept is None
