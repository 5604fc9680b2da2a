"""The opportunity page: one tap per stage, a small edit form, the history, and conflicts with
a newer server copy resolved field by field."""
from __future__ import annotations

import threading
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Opportunity, OpportunityChange


def _fresh(opp: Opportunity) -> Opportunity:
    db.session.expire_all()
    return db.session.get(Opportunity, opp.id)


def _changes(opp) -> list[OpportunityChange]:
    db.session.expire_all()
    return list(db.session.scalars(select(OpportunityChange)
                                   .where(OpportunityChange.opportunity_id == opp.id)
                                   .order_by(OpportunityChange.id)))


def test_opportunity_page_shows_stage_buttons_details_and_account(client, make, login):
    rep = make.user("rep")
    account = make.account(owner=rep, name="Globex")
    opp = make.opportunity(account, name="Fleet renewal", stage="qualified")
    login(rep)
    page = client.get(f"/opportunities/{opp.id}").get_data(as_text=True)
    assert "Fleet renewal" in page and "Globex" in page
    assert 'name="stage" value="proposal"' in page
    assert 'value="qualified" class="primary" aria-pressed="true"' in page
    assert 'name="version" value="1"' in page
    assert "No changes yet." in page


def test_stage_tap_moves_the_deal_and_writes_history(client, make, login, clock):
    rep = make.user("rep", name="Dana Cole", timezone="America/Chicago")
    opp = make.opportunity(make.account(owner=rep), stage="qualified")
    login(rep)
    client_id = str(uuid.uuid4())

    response = client.post(f"/opportunities/{opp.id}", data={"stage": "proposal", "version": "1",
                                                             "client_id": client_id})

    assert response.status_code == 303
    assert response.headers["Location"] == f"/opportunities/{opp.id}"
    opp = _fresh(opp)
    assert (opp.stage, opp.version, opp.stage_changed_at) == ("proposal", 2, clock.now)
    [change] = _changes(opp)
    assert (change.field, change.old_value, change.new_value) == ("stage", "qualified", "proposal")
    assert (change.user_id, change.changed_at, change.client_id, change.version) == (
        rep.id, clock.now, client_id, 2)
    page = client.get(f"/opportunities/{opp.id}").get_data(as_text=True)
    assert "Saved." in page
    assert "Qualified → Proposal" in page
    assert "Dana Cole" in page and "Mon Nov 23, 9:00 AM" in page  # in the rep's time zone


def test_stage_tap_with_htmx_swaps_the_section_in_place(client, make, login):
    rep = make.user("rep")
    opp = make.opportunity(make.account(owner=rep))
    login(rep)
    response = client.post(f"/opportunities/{opp.id}", data={"stage": "negotiation",
                                                             "version": "1"},
                           headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<section id="opp"')
    assert "<html" not in body
    assert 'name="version" value="2"' in body  # the next tap is based on the new version
    assert _fresh(opp).stage == "negotiation"


def test_a_closed_deal_changes_stage_only_by_reopening(client, make, login, clock):
    rep = make.user("rep")
    opp = make.opportunity(make.account(owner=rep), stage="lost", closed_at=datetime(2026, 10, 1))
    login(rep)
    response = client.post(f"/opportunities/{opp.id}", data={"stage": "negotiation", "version": "1"})
    assert response.status_code == 400
    assert "reopen it to change its stage" in response.get_data(as_text=True)
    assert _fresh(opp).stage == "lost" and _fresh(opp).closed_at is not None


def test_details_form_changes_several_fields_in_one_version(client, make, login):
    rep = make.user("rep")
    opp = make.opportunity(make.account(owner=rep), amount=Decimal("50000"),
                           close_on=date(2027, 1, 31))
    login(rep)
    response = client.post(f"/opportunities/{opp.id}", data={
        "version": "1", "amount": "$62,500", "close_on": "2027-02-28", "next_step": "Pricing call",
        "next_step_on": "2026-12-02", "qualified": "y", "forecast_category": "best_case"})
    assert response.status_code == 303
    opp = _fresh(opp)
    assert opp.amount == Decimal("62500") and opp.close_on == date(2027, 2, 28)
    # "Qualified" is not a field of this form any more: it follows the checklist.
    assert (opp.next_step, opp.next_step_on, opp.qualified, opp.forecast_category) == (
        "Pricing call", date(2026, 12, 2), False, "best_case")
    assert opp.version == 2
    changes = _changes(opp)
    assert {c.field for c in changes} == {"amount", "close_on", "next_step", "next_step_on",
                                         "forecast_category"}
    assert {c.version for c in changes} == {2}
    assert next(c for c in changes if c.field == "amount").old_value == "50000.00"


def test_saving_unchanged_details_writes_nothing(client, make, login):
    rep = make.user("rep")
    opp = make.opportunity(make.account(owner=rep), amount=Decimal("50000"),
                           close_on=date(2027, 1, 31))
    login(rep)
    client.post(f"/opportunities/{opp.id}", data={"version": "1", "amount": "50000.00",
                                                  "close_on": "2027-01-31", "qualified": "n"})
    assert _fresh(opp).version == 1 and _changes(opp) == []


def test_replaying_an_applied_update_changes_nothing_more(client, make, login):
    rep = make.user("rep")
    opp = make.opportunity(make.account(owner=rep), stage="qualified")
    login(rep)
    data = {"stage": "proposal", "version": "1", "client_id": str(uuid.uuid4())}
    assert client.post(f"/opportunities/{opp.id}", data=data).status_code == 303
    replay = client.post(f"/opportunities/{opp.id}", data=data)
    assert replay.status_code == 303  # the original answer, not a conflict
    assert _fresh(opp).version == 2 and len(_changes(opp)) == 1


def test_concurrent_replays_of_one_update_apply_it_once(app, make, login):
    rep = make.user("rep")
    opp = make.opportunity(make.account(owner=rep), stage="qualified")
    clients = [login(rep, client=app.test_client()) for _ in range(4)]
    url = f"/opportunities/{opp.id}"
    data = {"stage": "proposal", "version": "1", "client_id": str(uuid.uuid4())}
    db.session.rollback()  # release this thread's SQLite write lock before the race
    statuses, barrier = [], threading.Barrier(len(clients))

    def post(c):
        barrier.wait()
        statuses.append(c.post(url, data=data).status_code)

    threads = [threading.Thread(target=post, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [303] * len(clients)
    assert _fresh(opp).version == 2 and len(_changes(opp)) == 1


def test_version_conflict_shows_both_sides_and_applies_the_reps_choice(client, make, login, app, clock):
    rep = make.user("rep")
    manager = make.user("manager")
    rep.manager_id = manager.id
    db.session.commit()
    opp = make.opportunity(make.account(owner=rep), amount=Decimal("40000"), stage="qualified",
                           next_step="Call CFO")
    # The rep opened the page on version 1 (then lost signal) ...
    login(rep)
    # ... meanwhile the manager changed the amount and the next step.
    other = login(manager, client=app.test_client())
    clock.advance(hours=1)
    assert other.post(f"/opportunities/{opp.id}", data={
        "version": "1", "amount": "45000", "next_step": "Send proposal"}).status_code == 303

    mine = {"version": "1", "client_id": str(uuid.uuid4()), "amount": "60000",
            "next_step": "Call CFO", "stage": "proposal"}
    response = client.post(f"/opportunities/{opp.id}", data=mine)

    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "changed meanwhile" in page
    assert "Keep mine: <b>$60,000</b>" in page
    assert "Take theirs (now on the server): <b>$45,000</b>" in page
    assert "You started from: $40,000" in page
    # Who changed it and when, in the rep's words.
    assert f"<b>{manager.name}</b> changed this opportunity on" in page
    # The next step the rep left as it was is not a question: the manager's stays.
    assert "Send proposal" not in page
    # The stage only the rep changed goes along with the choices.
    assert '<input type="hidden" name="stage" value="proposal">' in page
    assert 'name="version" value="2"' in page and mine["client_id"] in page
    # Nothing of the rep's was applied yet.
    opp = _fresh(opp)
    assert (opp.version, opp.amount, opp.stage) == (2, Decimal("45000"), "qualified")

    # The rep keeps their amount and stage, takes the manager's next step.
    resolved = client.post(f"/opportunities/{opp.id}", data={
        "version": "2", "client_id": mine["client_id"], "amount": "60000.00",
        "next_step": "Send proposal", "stage": "proposal"})
    assert resolved.status_code == 303
    opp = _fresh(opp)
    assert (opp.version, opp.amount, opp.stage, opp.next_step) == (
        3, Decimal("60000"), "proposal", "Send proposal")
    # The original offline write replayed once more is recognised as done.
    assert client.post(f"/opportunities/{opp.id}", data=mine).status_code == 303
    assert _fresh(opp).version == 3


def test_conflict_under_htmx_replaces_the_page_content(client, make, login, app):
    rep = make.user("rep")
    manager = make.user("manager")
    rep.manager_id = manager.id
    db.session.commit()
    opp = make.opportunity(make.account(owner=rep), stage="qualified")
    other = login(manager, client=app.test_client())
    assert other.post(f"/opportunities/{opp.id}",
                      data={"version": "1", "stage": "proposal"}).status_code == 303
    login(rep)
    response = client.post(f"/opportunities/{opp.id}", data={"version": "1", "stage": "negotiation"},
                           headers={"HX-Request": "true"})
    assert response.status_code == 409
    assert response.headers["HX-Retarget"] == "#main"
    assert b"<html" not in response.data and b"changed meanwhile" in response.data


def test_stale_tap_on_the_stage_already_set_is_not_a_conflict(client, make, login):
    rep = make.user("rep")
    opp = make.opportunity(make.account(owner=rep), stage="qualified")
    login(rep)
    client.post(f"/opportunities/{opp.id}", data={"version": "1", "stage": "proposal"})
    again = client.post(f"/opportunities/{opp.id}", data={"version": "1", "stage": "proposal"})
    assert again.status_code == 303
    assert _fresh(opp).version == 2


def test_a_stale_change_of_a_field_nobody_else_changed_is_merged_not_a_conflict(
        client, make, login, app):
    rep = make.user("rep")
    manager = make.user("manager")
    rep.manager_id = manager.id
    db.session.commit()
    opp = make.opportunity(make.account(owner=rep), stage="qualified", amount=Decimal("50000"))
    other = login(manager, client=app.test_client())
    assert other.post(f"/opportunities/{opp.id}",
                      data={"version": "1", "stage": "proposal"}).status_code == 303
    login(rep)
    # The rep's queued details form, made on version 1: only the amount differs from it.
    response = client.post(f"/opportunities/{opp.id}", data={
        "version": "1", "client_id": str(uuid.uuid4()), "amount": "61000",
        "close_on": opp.close_on.isoformat(), "next_step": opp.next_step or "",
        "qualified": "y" if opp.qualified else "n", "forecast_category": opp.forecast_category})
    assert response.status_code == 303
    opp = _fresh(opp)
    assert (opp.stage, opp.amount, opp.version) == ("proposal", Decimal("61000"), 3)


def test_a_reps_own_queued_edits_of_one_deal_never_conflict(client, make, login):
    rep = make.user("rep")
    opp = make.opportunity(make.account(owner=rep), stage="qualified", amount=Decimal("50000"))
    login(rep)
    # Both made offline on the cached page of version 1, replayed in order.
    first = {"version": "1", "client_id": str(uuid.uuid4()), "amount": "55000"}
    second = {"version": "1", "client_id": str(uuid.uuid4()), "amount": "60000",
              "stage": "proposal"}
    third = {"version": "1", "client_id": str(uuid.uuid4()), "stage": "negotiation"}
    for data in (first, second, third):
        assert client.post(f"/opportunities/{opp.id}", data=data).status_code == 303
    opp = _fresh(opp)
    assert (opp.amount, opp.stage, opp.version) == (Decimal("60000"), "negotiation", 4)


def test_a_stale_form_does_not_undo_a_colleagues_change(client, make, login, app):
    rep = make.user("rep")
    manager = make.user("manager")
    rep.manager_id = manager.id
    db.session.commit()
    opp = make.opportunity(make.account(owner=rep), amount=Decimal("50000"), next_step="Call")
    other = login(manager, client=app.test_client())
    assert other.post(f"/opportunities/{opp.id}",
                      data={"version": "1", "next_step": "Send proposal"}).status_code == 303
    login(rep)
    response = client.post(f"/opportunities/{opp.id}", data={
        "version": "1", "amount": "52000", "next_step": "Call"})
    assert response.status_code == 303
    opp = _fresh(opp)
    assert (opp.amount, opp.next_step) == (Decimal("52000"), "Send proposal")


def test_rep_cannot_see_or_change_another_reps_opportunity(client, make, login):
    rep, other = make.user("rep"), make.user("rep")
    theirs = make.opportunity(make.account(owner=other), stage="qualified")
    login(rep)
    assert client.get(f"/opportunities/{theirs.id}").status_code == 404
    assert client.post(f"/opportunities/{theirs.id}",
                       data={"version": "1", "stage": "lost"}).status_code == 404
    assert client.get("/opportunities/999999").status_code == 404
    assert client.get("/opportunities/99999999999999999999999").status_code == 404
    assert _fresh(theirs).stage == "qualified"


def test_bad_values_are_explained_next_to_the_field_and_nothing_changes(client, make, login):
    rep = make.user("rep")
    opp = make.opportunity(make.account(owner=rep))
    login(rep)
    cases = [
        ({"amount": "-5"}, "Enter an amount of 0 or more."),
        ({"amount": "lots"}, "Enter an amount, like 25000."),
        ({"amount": "NaN"}, "Enter an amount, like 25000."),
        ({"close_on": "2026-02-30"}, "Enter a real date"),
        ({"close_on": ""}, "Enter the expected close date."),
        ({"next_step_on": "9999-01-01"}, "Enter a date between"),
        ({"stage": "bribed"}, "Choose a stage."),
        ({"next_step": "x" * 501}, "Field cannot be longer than 500 characters."),
        ({"version": "99", "stage": "proposal"}, "version that does not exist"),
        ({"stage": "won"}, "Close a deal with “Close this deal”"),
    ]
    for fields, message in cases:
        data = {"version": "1", **fields}
        response = client.post(f"/opportunities/{opp.id}", data=data)
        assert response.status_code == 400, fields
        assert message in response.get_data(as_text=True), fields
    assert client.post(f"/opportunities/{opp.id}", data={"stage": "won"}).status_code == 400
    assert _fresh(opp).version == 1 and _changes(opp) == []


def test_opportunity_page_queries_do_not_grow_with_history(client, make, login, count_queries):
    rep = make.user("rep")
    opp = make.opportunity(make.account(owner=rep))
    url = f"/opportunities/{opp.id}"
    login(rep)
    with count_queries() as short:
        client.get(url)
    for n in range(40):
        db.session.add(OpportunityChange(opportunity_id=opp.id, user_id=rep.id, field="amount",
                                         old_value=str(n), new_value=str(n + 1), version=n + 2,
                                         changed_at=datetime(2026, 1, 1) + timedelta(days=n)))
    db.session.commit()
    with count_queries() as long:
        page = client.get(url)
    # Session, user, opportunity, history; the team's qualification rule and this deal's
    # answers and override (the page says why it is qualified or not).
    assert long.count == short.count <= 6
    assert page.get_data(as_text=True).count("<li>") == 40


def test_rep_adds_an_opportunity_to_an_account(client, make, login):
    rep = make.user("rep")
    account = make.account(owner=rep)
    login(rep)
    form = client.get(f"/opportunities/new?account_id={account.id}")
    assert form.status_code == 200 and b'value="2027-02-21"' in form.data  # 90 days out
    data = {"client_id": str(uuid.uuid4()), "account_id": account.id, "name": "Pilot",
            "amount": "25000", "close_on": "2027-03-31", "stage": "qualified"}
    first = client.post("/opportunities/new", data=data)
    again = client.post("/opportunities/new", data=data)
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    [opp] = db.session.scalars(select(Opportunity)).all()
    assert (opp.name, opp.amount, opp.stage, opp.owner_id, opp.version) == (
        "Pilot", Decimal("25000"), "qualified", rep.id, 1)


def test_new_opportunity_needs_a_name_and_a_visible_account(client, make, login):
    rep, other = make.user("rep"), make.user("rep")
    mine, theirs = make.account(owner=rep), make.account(owner=other)
    login(rep)
    assert client.get(f"/opportunities/new?account_id={theirs.id}").status_code == 404
    # Without an account: the form with a picker of the rep's accounts (offline it also
    # offers accounts made on the phone), never another rep's.
    generic = client.get("/opportunities/new").get_data(as_text=True)
    assert f'value="{mine.id}"' in generic and f'value="{theirs.id}"' not in generic
    assert client.post("/opportunities/new", data={
        "account_id": theirs.id, "name": "x", "amount": "1", "close_on": "2027-01-01"}).status_code == 404
    bad = client.post("/opportunities/new", data={"account_id": mine.id, "name": " ",
                                                  "amount": "-1", "close_on": "2027-13-01"})
    assert bad.status_code == 400
    assert b"Name the opportunity." in bad.data and b"Enter a real date" in bad.data
    assert db.session.scalar(select(func.count()).select_from(Opportunity)) == 0
