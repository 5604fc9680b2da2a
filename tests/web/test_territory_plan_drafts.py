"""A scheduled plan goes back to draft until it starts; a draft can be discarded."""
from __future__ import annotations

import json
from datetime import datetime

import pytest
from sqlalchemy import func, select

from tests.web.test_territories import _apply, _owner_and_territory, _set_rules
from tests.web.test_territories import team  # noqa: F401  (fixture)
from webapp.extensions import db
from webapp.models import AuditEvent, ChangePlan, PlanAssignment, TerritoryOverride


@pytest.fixture
def scheduled(client, login, team, clock):  # noqa: F811
    """Wisconsin goes to Ben: a plan announced 24 October, effective 9 November, scheduled."""
    clock.set(datetime(2026, 10, 24, 15))
    login(team["manager"])
    _set_rules(client, team["south"], team["ben"], "WI")
    plan_url = client.post("/territories/plans/new", data={
        "name": "Wisconsin to Ben", "announced_on": "2026-10-24", "effective_on": "2026-11-09",
        "protection_mode": "quarters", "major_federal": "exempt"}).headers["Location"]
    assert client.post(plan_url + "/schedule").status_code == 303
    return plan_url


def _changes_of(client, login, user) -> str:
    client.post("/logout")
    login(user)
    return client.get("/territories/my-changes").get_data(as_text=True)


def _plan() -> ChangePlan:
    db.session.expire_all()
    return db.session.scalar(select(ChangePlan))


def _events(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_back_to_draft_takes_the_plan_off_the_reps_changes(app, client, login, team, scheduled,
                                                           clock):
    t = team
    assert "You gain 2 accounts on Mon Nov 9 2026" in _changes_of(client, login, t["ben"])
    assert "1 stays with you until Wed Mar 31 2027" in _changes_of(client, login, t["ana"])

    client.post("/logout")
    login(t["manager"])
    page = client.get(scheduled).get_data(as_text=True)
    assert "Back to draft" in page and "Schedule: announce" not in page
    response = client.post(scheduled + "/unschedule", follow_redirects=True)
    body = response.get_data(as_text=True)
    assert "Back to draft: reps no longer see this plan" in body
    assert "<dt>Status</dt><dd>draft</dd>" in body
    assert "Schedule: announce these decisions" in body and "Discard draft" in body
    assert "Moves on Mon Nov 9 2026 (2)" in body  # decided live again, as a draft is

    assert "No announced territory changes" in _changes_of(client, login, t["ben"])
    assert "No announced territory changes" in _changes_of(client, login, t["ana"])
    [event] = _events("territory_plan.unscheduled")
    assert event.actor_id == t["manager"].id
    assert json.loads(event.detail)["name"] == "Wisconsin to Ben"
    # Nothing happens on the effective date to a draft.
    assert "0 accounts moved" in _apply(app, "2026-11-09")
    assert _owner_and_territory(t["quiet"].id) == (t["ana"].id, t["north"].id)
    # It can be scheduled again; the reps are told again.
    client.post("/logout")
    login(t["manager"])
    assert client.post(scheduled + "/schedule").status_code == 303
    assert "You gain 2 accounts on Mon Nov 9 2026" in _changes_of(client, login, t["ben"])


def test_a_plan_that_has_moved_accounts_cannot_go_back_to_draft(app, client, login, team,
                                                                 scheduled, clock):
    t = team
    assert "2 accounts moved" in _apply(app, "2026-11-09")
    clock.set(datetime(2026, 11, 10, 15))
    login(t["manager"])
    before = _owner_and_territory(t["quiet"].id)
    assert "Back to draft" not in client.get(scheduled).get_data(as_text=True)

    response = client.post(scheduled + "/unschedule")

    assert response.status_code == 400
    assert "can no longer go back to draft" in response.get_data(as_text=True)
    assert _plan().status == "applied"
    assert _owner_and_territory(t["quiet"].id) == before == (t["ben"].id, t["south"].id)
    assert db.session.scalar(select(func.count(PlanAssignment.id))
                             .where(PlanAssignment.decision.is_(None))) == 0
    assert _events("territory_plan.unscheduled") == []


def test_on_its_effective_date_a_plan_stays_scheduled_even_before_the_cron_ran(
        client, login, team, scheduled, clock):
    clock.set(datetime(2026, 11, 9, 15))
    login(team["manager"])
    response = client.post(scheduled + "/unschedule")
    assert response.status_code == 400
    assert "The effective date has come" in response.get_data(as_text=True)
    assert _plan().status == "scheduled"
    assert "You gain 2 accounts" in _changes_of(client, login, team["ben"])


def test_discarding_a_draft_asks_first_then_deletes_it_but_keeps_its_pins(client, login, team,
                                                                          clock):
    t = team
    clock.set(datetime(2026, 10, 24, 15))
    login(t["manager"])
    plan_url = client.post("/territories/plans/new", data={
        "name": "Try out", "announced_on": "2026-10-24", "protection_mode": "quarters",
        "major_federal": "exempt"}).headers["Location"]
    client.post(plan_url + "/move", data={"account_id": t["home"].id,
                                          "territory_id": t["south"].id})
    assert "Discard draft" in client.get(plan_url).get_data(as_text=True)

    ask = client.get(plan_url + "/discard").get_data(as_text=True)
    assert "Discard “Try out”?" in ask and "the 1 account change in it" in ask
    unconfirmed = client.post(plan_url + "/discard")
    assert unconfirmed.status_code == 400 and _plan() is not None

    response = client.post(plan_url + "/discard", data={"confirm": "yes"}, follow_redirects=True)
    body = response.get_data(as_text=True)
    assert "Draft “Try out” discarded." in body and "No plans yet." in body
    assert _plan() is None
    assert db.session.scalar(select(func.count(PlanAssignment.id))) == 0
    assert client.get(plan_url).status_code == 404
    # The move made in the draft pinned the account: the pin belongs to the design and stays.
    pin = db.session.scalar(select(TerritoryOverride))
    assert (pin.account_id, pin.territory_id) == (t["home"].id, t["south"].id)
    [event] = _events("territory_plan.discarded")
    assert event.actor_id == t["manager"].id
    detail = json.loads(event.detail)
    assert (detail["name"], detail["accounts"]) == ("Try out", 1)


def test_a_scheduled_plan_cannot_be_discarded(client, login, team, scheduled):
    response = client.post(scheduled + "/discard", data={"confirm": "yes"})
    assert response.status_code == 400
    assert "Only a draft can be discarded" in response.get_data(as_text=True)
    assert _plan().status == "scheduled"
    assert _events("territory_plan.discarded") == []


def test_a_draft_cannot_be_unscheduled(client, login, team, clock):
    login(team["manager"])
    plan_url = client.post("/territories/plans/new", data={
        "name": "Draft", "announced_on": "2026-11-23", "protection_mode": "quarters",
        "major_federal": "exempt"}).headers["Location"]
    response = client.post(plan_url + "/unschedule")
    assert response.status_code == 400
    assert "This plan is a draft already." in response.get_data(as_text=True)


def test_another_manager_can_neither_unschedule_nor_discard_a_plan(client, login, make, team,
                                                                   scheduled):
    client.post("/logout")
    login(make.user("manager", name="Other Manager"))
    assert client.post(scheduled + "/unschedule").status_code == 404
    assert client.get(scheduled + "/discard").status_code == 404
    assert client.post(scheduled + "/discard", data={"confirm": "yes"}).status_code == 404
    client.post("/logout")
    login(team["ben"])
    assert client.post(scheduled + "/unschedule").status_code == 404
    assert _plan().status == "scheduled"


def test_a_plan_back_in_draft_cannot_promise_accounts_another_plan_has_since_announced(
        client, login, team, scheduled):
    t = team
    assert client.post(scheduled + "/unschedule").status_code == 303
    rival = client.post("/territories/plans/new", data={
        "name": "Rival", "announced_on": "2026-10-24", "effective_on": "2026-11-16",
        "protection_mode": "quarters", "major_federal": "exempt"}).headers["Location"]
    assert client.post(rival + "/schedule").status_code == 303

    response = client.post(scheduled + "/schedule")

    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "3 accounts of this draft already change hands under another scheduled plan" in body
    assert "Deal Foundry" in body
    db.session.expire_all()
    statuses = dict(db.session.execute(select(ChangePlan.name, ChangePlan.status)).all())
    assert statuses == {"Wisconsin to Ben": "draft", "Rival": "scheduled"}
    # Ben is told about each account once: by the plan that holds it.
    ben = _changes_of(client, login, t["ben"])
    assert "You gain 2 accounts on Mon Nov 16 2026" in ben
    assert "Nov 9 " not in ben
