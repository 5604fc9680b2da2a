"""Territories: design by rules, balance, and a roll-forward plan from preview to roll."""
from __future__ import annotations

import gzip
import json
from datetime import date, datetime

import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Account, AuditEvent, ChangePlan, Opportunity, Territory


@pytest.fixture
def team(make):
    """A manager, two reps (Ana in Illinois+Wisconsin today, Ben with nothing yet) and
    Ana's accounts: the new design gives Wisconsin to Ben."""
    manager = make.user("manager", name="Maya Manager")
    ana = make.user("rep", manager=manager, name="Ana Alvarez")
    ben = make.user("rep", manager=manager, name="Ben Brooks")
    north = Territory(name="Illinois", owner_id=ana.id)
    south = Territory(name="Wisconsin", owner_id=ben.id)
    db.session.add_all([north, south])
    db.session.commit()

    def acct(name, region, **kw):
        return make.account(ana, name=name, region=region, territory_id=north.id, **kw)

    accounts = {
        "quiet": acct("Quiet Dairy", "WI"),
        "deal": acct("Deal Foundry", "WI", status="customer", potential=90),
        "faked": acct("Faked Brewing", "WI"),
        "major": acct("Major Paper", "WI", segment="Major"),
        "home": acct("Home Steel", "IL"),
    }
    make.opportunity(accounts["deal"], name="Plant rollout", stage="proposal", qualified=True,
                     created_at=datetime(2026, 9, 1, 12), close_on=date(2026, 12, 15))
    make.opportunity(accounts["faked"], name="Sudden deal", stage="qualified",
                     created_at=datetime(2026, 10, 24, 9), close_on=date(2026, 12, 1))
    make.opportunity(accounts["major"], name="Mill upgrade", stage="proposal",
                     created_at=datetime(2026, 6, 1), close_on=date(2026, 12, 1))
    return dict(manager=manager, ana=ana, ben=ben, north=north, south=south, **accounts)


def _set_rules(client, territory, owner, regions):
    response = client.post(f"/territories/{territory.id}/edit",
                           data={"owner_id": owner.id, "regions": regions, "action": "save"})
    assert response.status_code == 303, response.get_data(as_text=True)


def _owner_and_territory(account_id):
    db.session.expire_all()
    account = db.session.get(Account, account_id)
    return account.owner_id, account.territory_id


def _apply(app, day):
    result = app.test_cli_runner().invoke(args=["territories", "apply-plans", "--today", day])
    assert result.exit_code == 0, result.output
    return result.output


def test_roll_forward_from_preview_to_protected_accounts_rolling(app, client, login, team, clock):
    t = team
    clock.set(datetime(2026, 10, 24, 15))
    login(t["manager"])
    _set_rules(client, t["north"], t["ana"], "IL")
    _set_rules(client, t["south"], t["ben"], "WI")
    # Saving rules moves nobody.
    assert _owner_and_territory(t["quiet"].id) == (t["ana"].id, t["north"].id)

    response = client.post("/territories/plans/new", data={
        "name": "Wisconsin to Ben", "announced_on": "2026-10-24", "effective_on": "2026-11-09",
        "protection_mode": "quarters", "major_federal": "exempt"})
    assert response.status_code == 303
    plan_url = response.headers["Location"]

    page = client.get(plan_url).get_data(as_text=True)
    assert "Moves on Mon Nov 9 2026 (2)" in page
    assert "Quiet Dairy" in page and "Faked Brewing" in page  # created after the cut-off
    assert "until Wed Mar 31 2027 (Plant rollout)" in page
    assert "Exempt: Major and Federal (1)" in page
    assert "Home Steel" not in page  # stays where it is: not in the plan
    assert "Cut-off</dt><dd>Fri Oct 23 2026" in page

    # Reps see nothing until the plan is scheduled.
    client.post("/logout")
    login(t["ben"])
    assert "No announced territory changes" in client.get("/territories/my-changes").get_data(as_text=True)
    client.post("/logout")
    login(t["manager"])
    assert client.post(plan_url + "/schedule").status_code == 303

    client.post("/logout")
    login(t["ben"])
    ben_view = client.get("/territories/my-changes").get_data(as_text=True)
    assert "You gain 2 accounts on Mon Nov 9 2026" in ben_view
    assert "You gain 1 account on Thu Apr 1 2027" in ben_view
    client.post("/logout")
    login(t["ana"])
    ana_view = client.get("/territories/my-changes").get_data(as_text=True)
    assert "1 stays with you until Wed Mar 31 2027 because of open deals" in ana_view
    assert "Plant rollout" in ana_view
    assert "2 move to another rep on Mon Nov 9 2026" in ana_view

    # The day before: nothing happens.
    assert "0 accounts moved" in _apply(app, "2026-11-08")
    assert _owner_and_territory(t["quiet"].id) == (t["ana"].id, t["north"].id)

    # The effective date: moves, protected ones get the new territory but keep their rep.
    clock.set(datetime(2026, 11, 9, 15))
    assert "2 accounts moved" in _apply(app, "2026-11-09")
    assert _owner_and_territory(t["quiet"].id) == (t["ben"].id, t["south"].id)
    assert _owner_and_territory(t["faked"].id) == (t["ben"].id, t["south"].id)
    assert _owner_and_territory(t["deal"].id) == (t["ana"].id, t["south"].id)
    assert _owner_and_territory(t["major"].id) == (t["ana"].id, t["north"].id)
    faked_deal = db.session.scalar(select(Opportunity).where(Opportunity.name == "Sudden deal"))
    assert faked_deal.owner_id == t["ben"].id  # open pipeline follows the account

    plan_events = AuditEvent.action.like("account.%_by_plan")
    events = list(db.session.scalars(select(AuditEvent).where(plan_events)))
    moved = [e for e in events if e.action == "account.moved_by_plan"]
    assert {e.target_id for e in moved} == {str(t["quiet"].id), str(t["faked"].id)}
    plan_id = db.session.scalar(select(ChangePlan.id))
    assert all(json.loads(e.detail)["plan_id"] == plan_id for e in moved)

    # Idempotent: the cron and the manager's button both run; nothing happens twice.
    assert "0 accounts moved, 0 rolled" in _apply(app, "2026-11-09")
    assert db.session.query(AuditEvent).filter(plan_events).count() == len(events)

    # The protection window ends on 31 March; the account rolls on 1 April.
    assert "0 rolled" in _apply(app, "2027-03-31")
    assert _owner_and_territory(t["deal"].id) == (t["ana"].id, t["south"].id)
    assert "1 rolled" in _apply(app, "2027-04-01")
    assert _owner_and_territory(t["deal"].id) == (t["ben"].id, t["south"].id)
    rolled = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "account.rolled_by_plan"))
    assert rolled.target_id == str(t["deal"].id)
    assert json.loads(rolled.detail)["plan_id"] == plan_id

    clock.set(datetime(2027, 4, 2, 15))
    login(t["ben"])  # months later: a fresh sign-in
    assert "No announced territory changes" in client.get("/territories/my-changes").get_data(as_text=True)


def test_manager_button_applies_due_plans(client, login, team, clock):
    t = team
    clock.set(datetime(2026, 10, 24, 15))
    login(t["manager"])
    _set_rules(client, t["south"], t["ben"], "WI")
    plan_url = client.post("/territories/plans/new", data={
        "name": "Now", "announced_on": "2026-10-24", "protection_mode": "quarters",
        "major_federal": "exempt"}).headers["Location"]
    client.post(plan_url + "/schedule")
    clock.set(datetime(2026, 11, 7, 18))  # default effective date: two weeks later
    login(t["manager"])
    response = client.post("/territories/plans/apply", follow_redirects=True)
    assert "2 accounts moved" in response.get_data(as_text=True)
    assert _owner_and_territory(t["quiet"].id)[0] == t["ben"].id


def test_moving_an_account_by_hand_puts_it_in_the_plan_and_wins_over_rules(client, login, team, clock):
    t = team
    clock.set(datetime(2026, 10, 24, 15))
    login(t["manager"])
    plan_url = client.post("/territories/plans/new", data={
        "name": "By hand", "announced_on": "2026-10-24", "protection_mode": "quarters",
        "major_federal": "exempt"}).headers["Location"]
    assert "change nobody" in client.get(plan_url).get_data(as_text=True)
    found = client.get(plan_url + "?q=home").get_data(as_text=True)
    assert "Home Steel" in found
    response = client.post(plan_url + "/move", data={"account_id": t["home"].id,
                                                     "territory_id": t["south"].id})
    assert response.status_code == 303
    page = client.get(plan_url).get_data(as_text=True)
    assert "Home Steel</b> Ana Alvarez → Ben Brooks" in page


def test_plan_dates_in_the_wrong_order_are_refused_next_to_the_field(client, login, team):
    login(team["manager"])
    response = client.post("/territories/plans/new", data={
        "name": "Backwards", "announced_on": "2026-10-24", "effective_on": "2026-10-20",
        "protection_mode": "quarters", "major_federal": "exempt"})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "effective date must be after the announcement" in body
    assert 'value="Backwards"' in body


def test_rule_preview_counts_matched_unmatched_and_double_matched(client, login, team):
    t = team
    login(t["manager"])
    _set_rules(client, t["north"], t["ana"], "IL, WI")
    response = client.post(f"/territories/{t['south'].id}/edit",
                           data={"owner_id": t["ben"].id, "regions": "WI", "action": "preview"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<b>4</b> accounts match these rules" in body
    assert "<b>4</b> match two or more" in body
    # A preview saves nothing.
    assert db.session.scalar(select(Territory).where(Territory.id == t["south"].id)).owner_id == t["ben"].id
    fragment = client.post(f"/territories/{t['south'].id}/edit", headers={"HX-Request": "true"},
                           data={"owner_id": t["ben"].id, "postal_prefixes": "999"})
    assert fragment.get_data(as_text=True).lstrip().startswith('<section id="rule-preview"')


def test_balance_page_flags_imbalance_with_a_chart_and_a_table(client, login, team, count_queries):
    login(team["manager"])
    with count_queries() as n:
        response = client.get("/territories/")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<svg" in body and 'role="img"' in body
    assert "Ana Alvarez" in body and "Ben Brooks" in body
    assert 'class="flag"' in body  # Ben has nothing: far off the mean
    assert n.count <= 12
    assert len(gzip.compress(response.data)) < 14 * 1024


def test_reps_cannot_design_territories_and_managers_only_see_their_own_plans(client, login, make, team, clock):
    login(team["ana"])
    assert client.get("/territories/").status_code == 404
    assert client.post("/territories/plans/apply").status_code == 404
    client.post("/logout")
    login(team["manager"])
    plan_url = client.post("/territories/plans/new", data={
        "name": "Mine", "announced_on": "2026-11-23", "protection_mode": "quarters",
        "major_federal": "exempt"}).headers["Location"]
    client.post("/logout")
    other = make.user("manager", name="Other Manager")
    login(other)
    assert client.get(plan_url).status_code == 404
    assert client.get(f"/territories/{team['north'].id}/edit").status_code == 404
    # Another team's account cannot be moved into a plan.
    own_plan = client.post("/territories/plans/new", data={
        "name": "Theirs", "announced_on": "2026-11-23", "protection_mode": "quarters",
        "major_federal": "exempt"}).headers["Location"]
    response = client.post(own_plan + "/move", data={"account_id": team["home"].id,
                                                     "territory_id": team["south"].id})
    assert response.status_code == 400
