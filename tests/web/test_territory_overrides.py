"""Pinned accounts (manual overrides): a manager pins an account to a territory by name; the
pin wins over the rules in the preview and in the next change plan, and moves nobody today."""
from __future__ import annotations

import gzip
import json
import re
from datetime import datetime

import pytest
from sqlalchemy import func, select

from tests.web.test_territories import _owner_and_territory, _set_rules
from tests.web.test_territories import team  # noqa: F401  (fixture)
from webapp.extensions import db
from webapp.models import AuditEvent, ChangePlan, PlanAssignment, Territory, TerritoryOverride


def _pins() -> set[tuple[int, int]]:
    db.session.expire_all()
    return set(db.session.execute(select(TerritoryOverride.account_id,
                                         TerritoryOverride.territory_id)).all())


def _events(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _draft(client, name="Next") -> str:
    response = client.post("/territories/plans/new", data={
        "name": name, "announced_on": "2026-10-24", "protection_mode": "quarters",
        "major_federal": "exempt"})
    assert response.status_code == 303
    return response.headers["Location"]


def _balance_row(html: str, rep: str) -> str:
    return re.search(rf"<th scope=\"row\">{rep}</th>(.*?)</tr>", html, re.S).group(1)


def test_a_pin_counts_in_the_preview_and_the_next_plan_but_moves_nobody_today(
        client, login, team, clock):
    t = team
    clock.set(datetime(2026, 10, 24, 15))
    login(t["manager"])
    _set_rules(client, t["south"], t["ben"], "MN")  # Ben's rules match nobody here
    earlier_draft = _draft(client, "Before the pin")
    balance_before = _balance_row(client.get("/territories/").get_data(as_text=True), "Ana Alvarez")
    edit = client.get(f"/territories/{t['south'].id}/edit").get_data(as_text=True)
    assert "Pinned accounts (0)" in edit and "<b>0</b> accounts match" in edit

    response = client.post(f"/territories/{t['south'].id}/overrides",
                           data={"account": "  home STEEL "}, follow_redirects=True)

    page = response.get_data(as_text=True)
    assert "Home Steel pinned to Wisconsin" in page
    assert "Pinned here (1)" in page
    assert "<b>Home Steel</b><small>Chicago · pinned by Maya Manager, Oct 24</small>" in page
    # Nobody's accounts change today, and today's balance with them.
    assert _owner_and_territory(t["home"].id) == (t["ana"].id, t["north"].id)
    assert _balance_row(client.get("/territories/").get_data(as_text=True),
                        "Ana Alvarez") == balance_before
    # The design counts it for Wisconsin, whatever the rules say.
    edit = client.get(f"/territories/{t['south'].id}/edit").get_data(as_text=True)
    assert "Pinned accounts (1)" in edit and "<b>1</b> accounts match" in edit
    # A draft made before the pin keeps what it held; the next one carries the pin out.
    assert "Home Steel" not in client.get(earlier_draft).get_data(as_text=True)
    plan = client.get(_draft(client, "After the pin")).get_data(as_text=True)
    assert "Home Steel</b> Ana Alvarez → Ben Brooks" in plan
    assert re.match(r"<td[^>]*>1<small>", _balance_row(plan, "Ben Brooks"))  # balance after it
    [event] = _events("territory.override_added")
    assert (event.actor_id, event.target_id) == (t["manager"].id, str(t["home"].id))
    assert json.loads(event.detail)["territory"] == "Wisconsin"


def test_removing_a_pin_lets_the_rules_decide_again(client, login, team, clock):
    t = team
    clock.set(datetime(2026, 10, 24, 15))
    login(t["manager"])
    overrides = f"/territories/{t['south'].id}/overrides"
    client.post(overrides, data={"account": "Home Steel"})
    assert _pins() == {(t["home"].id, t["south"].id)}

    page = client.get(overrides).get_data(as_text=True)
    assert 'aria-label="Remove pin: Home Steel"' in page
    response = client.post(f"{overrides}/{t['home'].id}/remove", follow_redirects=True)

    page = response.get_data(as_text=True)
    assert "Home Steel is no longer pinned here" in page and "Pinned here (0)" in page
    assert _pins() == set()
    assert _owner_and_territory(t["home"].id) == (t["ana"].id, t["north"].id)
    assert "The current rules change nobody" in client.get(_draft(client)).get_data(as_text=True)
    [event] = _events("territory.override_removed")
    assert (event.actor_id, event.target_id) == (t["manager"].id, str(t["home"].id))
    # Removing it again (a second tap, another tab) changes nothing and says so.
    again = client.post(f"{overrides}/{t['home'].id}/remove", follow_redirects=True)
    assert "Home Steel was not pinned here." in again.get_data(as_text=True)
    assert len(_events("territory.override_removed")) == 1


def test_pinning_elsewhere_moves_the_pin_and_pinning_twice_changes_nothing(client, login, team):
    t = team
    login(t["manager"])
    client.post(f"/territories/{t['north'].id}/overrides", data={"account": "Quiet Dairy"})
    response = client.post(f"/territories/{t['south'].id}/overrides",
                           data={"account": "Quiet Dairy"}, follow_redirects=True)
    assert "Quiet Dairy pinned to Wisconsin, replacing its earlier pin." in \
        response.get_data(as_text=True)
    assert _pins() == {(t["quiet"].id, t["south"].id)}
    again = client.post(f"/territories/{t['south'].id}/overrides",
                        data={"account": "quiet dairy"}, follow_redirects=True)
    assert "Quiet Dairy is pinned here already." in again.get_data(as_text=True)
    assert len(_events("territory.override_added")) == 2


def test_part_of_a_name_offers_the_matches_to_pick_from(client, login, team):
    t = team
    login(t["manager"])
    overrides = f"/territories/{t['south'].id}/overrides"

    response = client.post(overrides, data={"account": "dairy"})

    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "No account has exactly this name: pick one below." in body
    assert 'value="dairy"' in body  # the input is kept
    assert 'aria-label="Pin Quiet Dairy"' in body
    assert _pins() == set()
    picked = client.post(overrides, data={"account_id": str(t["quiet"].id)})
    assert picked.status_code == 303
    assert _pins() == {(t["quiet"].id, t["south"].id)}


def test_two_accounts_with_the_same_name_are_offered_both(client, login, make, team):
    t = team
    twin = make.account(t["ana"], name="Home Steel", city="Peoria")
    login(t["manager"])
    response = client.post(f"/territories/{t['south'].id}/overrides",
                           data={"account": "Home Steel"})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Several accounts have this name" in body
    assert body.count('aria-label="Pin Home Steel"') == 2 and "Peoria" in body
    assert _pins() == set()
    client.post(f"/territories/{t['south'].id}/overrides", data={"account_id": str(twin.id)})
    assert _pins() == {(twin.id, t["south"].id)}


@pytest.mark.parametrize("form, message", [
    ({"account": ""}, "Enter an account name."),
    ({"account": "   "}, "Enter an account name."),
    ({"account": "Zeppelin Works"}, "None of the accounts you can see has a name like this."),
    ({"account": "Their Account"}, "None of the accounts you can see has a name like this."),
    ({"account": "x" * 201}, "Field cannot be longer than 200 characters."),
    ({"account_id": "their"}, "Choose one of the accounts you can see."),
    ({"account_id": "²"}, "Choose one of the accounts you can see."),
    ({"account_id": str(2**40)}, "Choose one of the accounts you can see."),
    ({"account_id": "0"}, "Choose one of the accounts you can see."),
])
def test_bad_input_is_refused_next_to_the_field_and_saves_nothing(client, login, make, team,
                                                                  form, message):
    t = team
    outsider = make.account(make.user("rep", manager=make.user("manager")), name="Their Account")
    if form.get("account_id") == "their":
        form = {"account_id": str(outsider.id)}
    login(t["manager"])
    events = db.session.scalar(select(func.count(AuditEvent.id)))

    response = client.post(f"/territories/{t['south'].id}/overrides", data=form)

    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert re.search(r'<p class="error" id="account-error">' + re.escape(message), body), body
    if form.get("account", "").strip():
        assert f'value="{form["account"]}"' in body
    assert "Their Account" not in body.replace(f'value="{form.get("account")}"', "")
    assert _pins() == set()
    assert db.session.scalar(select(func.count(AuditEvent.id))) == events


def test_another_team_cannot_see_or_change_a_territorys_pins(client, login, make, team):
    t = team
    login(t["manager"])
    client.post(f"/territories/{t['south'].id}/overrides", data={"account": "Home Steel"})
    overrides = f"/territories/{t['south'].id}/overrides"
    client.post("/logout")

    other = make.user("manager", name="Other Manager")
    theirs = make.account(make.user("rep", manager=other), name="Their Account")
    login(other)
    assert client.get(overrides).status_code == 404
    assert client.post(overrides, data={"account": "Their Account"}).status_code == 404
    assert client.post(f"{overrides}/{t['home'].id}/remove").status_code == 404
    client.post("/logout")
    login(t["ana"])
    assert client.get(overrides).status_code == 404
    assert client.post(f"{overrides}/{t['home'].id}/remove").status_code == 404
    client.post("/logout")
    # Their own manager cannot unpin an account they cannot see, through their own territory.
    login(t["manager"])
    assert client.post(f"{overrides}/{theirs.id}/remove").status_code == 404
    assert _pins() == {(t["home"].id, t["south"].id)}


def test_a_managers_plan_never_hands_an_account_to_another_teams_territory(client, login, make,
                                                                          team, clock):
    t = team
    other_rep = make.user("rep", manager=make.user("manager"), name="Olga Other")
    elsewhere = Territory(name="Elsewhere", owner_id=other_rep.id)
    db.session.add(elsewhere)
    db.session.commit()
    admin = make.user("admin")
    login(admin)  # an admin pins one of Maya's team's accounts to another team's territory
    assert client.post(f"/territories/{elsewhere.id}/overrides",
                       data={"account": "Home Steel"}).status_code == 303
    client.post("/logout")

    clock.set(datetime(2026, 10, 24, 15))
    login(t["manager"])
    page = client.get(_draft(client)).get_data(as_text=True)

    assert "Home Steel" not in page  # not handed to "nobody", not to a rep Maya does not manage
    assert db.session.scalar(select(func.count(PlanAssignment.id))
                             .where(PlanAssignment.to_owner_id.is_(None))) == 0


def test_pinned_accounts_page_runs_the_same_queries_for_many_pins(client, login, make, team,
                                                                 count_queries):
    t = team
    login(t["manager"])
    overrides = f"/territories/{t['south'].id}/overrides"
    client.post(overrides, data={"account": "Home Steel"})
    with count_queries() as few:
        assert client.get(overrides).status_code == 200
    for i in range(30):
        account = make.account(t["ana"], name=f"Pinned {i:02d}")
        db.session.add(TerritoryOverride(account_id=account.id, territory_id=t["south"].id,
                                         created_by_id=t["manager"].id))
    db.session.commit()
    with count_queries() as many:
        response = client.get(overrides)
    assert many.count == few.count
    assert "Pinned here (31)" in response.get_data(as_text=True)
    assert len(gzip.compress(response.data)) < 14 * 1024
    assert db.session.scalar(select(func.count(ChangePlan.id))) == 0
