"""Customer success (health, goals, renewals), reference customers (cascade deals) and effort
against potential, through the pages a rep and a manager use."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from urllib.parse import unquote

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import AccountSuccess, AuditEvent, Opportunity, ReferenceAsk


def _renewal_deals(account_id):
    db.session.expire_all()
    return list(db.session.scalars(select(Opportunity).where(
        Opportunity.account_id == account_id, Opportunity.name.like("Renewal:%"))))


def _form(**kw):
    data = {"client_id": str(uuid.uuid4()), "health": "good", "health_reason": "",
            "goal": "", "outcome": "", "renewal_on": ""}
    data.update(kw)
    return data


def test_rep_sets_health_goal_and_renewal_and_the_renewal_deal_is_made_once(client, make, login):
    rep = make.user("rep")
    account = make.account(owner=rep, name="Lakeside Metal", status="customer")
    login(rep)
    page = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert 'data-outbox="success"' in page and "Not said yet" in page

    data = _form(health="watch", health_reason="New CFO reviews every contract",
                 goal="Cut scrap by 20 %", outcome="A second plant on the platform",
                 renewal_on="2027-01-15", willing="y")
    response = client.post(f"/accounts/{account.id}/success", data=data)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/accounts/{account.id}#success"
    page = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert "New CFO reviews every contract" in page and "Watch" in page
    assert "A second plant on the platform" in page and "Cut scrap by 20 %" in page
    assert "Willing to host" in page and "set Nov 23" in page
    [deal] = _renewal_deals(account.id)
    assert (deal.name, deal.close_on, deal.stage, deal.owner_id) == (
        "Renewal: Lakeside Metal", date(2027, 1, 15), "first_meeting", rep.id)

    # Saved again (a new form, same date): no second renewal deal; the replay changes nothing.
    assert client.post(f"/accounts/{account.id}/success",
                       data=_form(health="good", renewal_on="2027-01-15")).status_code == 303
    assert client.post(f"/accounts/{account.id}/success", data=data).status_code == 303
    assert len(_renewal_deals(account.id)) == 1
    assert db.session.get(AccountSuccess, account.id).health == "good"  # the replay did not run
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "account.success_changed")) == 2


def test_a_renewal_far_off_gets_no_deal_until_the_daily_command_reaches_it(app, client, make,
                                                                           login, clock):
    rep = make.user("rep")
    account = make.account(owner=rep, status="customer")
    login(rep)
    client.post(f"/accounts/{account.id}/success", data=_form(renewal_on="2027-08-01"))
    assert _renewal_deals(account.id) == []
    runner = app.test_cli_runner()
    assert "0 renewal" in runner.invoke(args=["success", "renewals", "--today", "2027-01-01"]).output
    result = runner.invoke(args=["success", "renewals", "--today", "2027-04-10"])
    assert result.exit_code == 0 and "1 renewal" in result.output
    assert "0 renewal" in runner.invoke(args=["success", "renewals", "--today", "2027-04-11"]).output
    assert len(_renewal_deals(account.id)) == 1


def test_bad_input_is_said_next_to_the_field_and_nothing_is_saved(client, make, login):
    rep = make.user("rep")
    account = make.account(owner=rep, status="customer")
    login(rep)
    for data, message in (
            (_form(health="at_risk"), "Say why, in a few words."),
            (_form(health="splendid"), "Choose good, watch or at risk."),
            (_form(renewal_on="2027-02-30"), "Enter a real date"),
            (_form(renewal_on="20270-01-01"), "Enter a real date"),
            (_form(goal="x" * 2001), "At most 2,000 characters."),
            (_form(client_id="not-a-uuid"), "")):
        response = client.post(f"/accounts/{account.id}/success", data=data)
        assert response.status_code == 400, data
        assert message in response.get_data(as_text=True), data
    db.session.expire_all()
    assert db.session.get(AccountSuccess, account.id) is None


def test_a_rep_never_sees_or_changes_another_reps_customers(client, make, login):
    rep, other = make.user("rep"), make.user("rep")
    mine = make.account(owner=rep, name="Mine Co", status="customer", renewal_on=date(2026, 12, 20))
    theirs = make.account(owner=other, name="Theirs Co", status="customer",
                          renewal_on=date(2026, 12, 21))
    prospect = make.account(owner=rep, status="prospect")
    login(rep)
    page = client.get("/renewals").get_data(as_text=True)
    assert "Mine Co" in page and "Theirs Co" not in page
    assert client.post(f"/accounts/{theirs.id}/success", data=_form()).status_code == 404
    assert client.get(f"/accounts/{theirs.id}/success").status_code == 404
    assert client.get(f"/accounts/{theirs.id}/references").status_code == 404
    # A prospect has no health; asking another rep's customer to host is refused too.
    response = client.post(f"/accounts/{prospect.id}/success", data=_form())
    assert response.status_code == 400
    assert "Only a customer has health" in response.get_data(as_text=True)
    assert client.post(f"/accounts/{prospect.id}/references/{prospect.id}/ask",
                       data={"client_id": str(uuid.uuid4())}).status_code == 400
    assert client.post(f"/accounts/{prospect.id}/references/{theirs.id}/ask",
                       data={"client_id": str(uuid.uuid4())}).status_code == 404
    assert mine.id


def test_renewals_list_for_the_rep_and_for_the_managers_team_with_health(client, make, login):
    manager = make.user("manager")
    rep, outsider = make.user("rep", manager=manager, name="Ann Rep"), make.user("rep")
    soon = make.account(owner=rep, name="Soon Co", status="customer", renewal_on=date(2026, 12, 10))
    later = make.account(owner=rep, name="Later Co", status="customer", renewal_on=date(2027, 4, 1))
    make.account(owner=rep, name="Gone Co", status="customer", renewal_on=date(2026, 11, 1))
    make.account(owner=outsider, name="Elsewhere Co", status="customer",
                 renewal_on=date(2026, 12, 11))
    db.session.add(AccountSuccess(account_id=soon.id, outcome="", health="at_risk",
                                  health_reason="Champion left", health_set_at=datetime(2026, 11, 1),
                                  reference_willing=False, updated_at=datetime(2026, 11, 1)))
    db.session.commit()
    login(rep)
    page = client.get("/renewals").get_data(as_text=True)
    assert "Soon Co" in page and "At risk" in page and "Champion left" in page
    assert "Later Co" not in page and "Gone Co" not in page
    assert "Later Co" in client.get("/renewals?days=180").get_data(as_text=True)
    assert "Renewals" in client.get("/more").get_data(as_text=True)

    client.post("/logout")
    login(manager)
    page = client.get("/renewals").get_data(as_text=True)
    assert "Soon Co" in page and "Ann Rep" in page and "Elsewhere Co" not in page
    assert later.id


def test_reference_suggestions_draft_the_invitation_and_count_the_ask(client, make, login, clock):
    rep, other = make.user("rep", name="Rita Rep"), make.user("rep")
    prospect = make.account(owner=rep, name="Prairie Foods", industry="Food",
                            latitude=41.88, longitude=-87.63)
    make.contact(prospect, name="Dana Kim", email="dana@prairie.example")
    happy = make.account(owner=rep, name="Lakeside Metal", industry="Metal", status="customer",
                         latitude=41.95, longitude=-87.70)
    make.contact(happy, name="Ann Lee", title="COO", email="ann@lakeside.example")
    unhappy = make.account(owner=rep, name="Grumpy Grain", industry="Food", status="customer")
    elsewhere = make.account(owner=other, name="Other Reps Foods", industry="Food",
                             status="customer")
    for a, health in ((happy, "good"), (unhappy, "at_risk"), (elsewhere, "good")):
        db.session.add(AccountSuccess(account_id=a.id, outcome="", health=health, health_reason="",
                                      reference_willing=True, updated_at=clock.now))
    db.session.commit()
    make.meeting(happy, rep, engagement=5, started_at=clock.now - timedelta(days=20))
    login(rep)

    page = client.get(f"/accounts/{prospect.id}/references").get_data(as_text=True)
    assert "Lakeside Metal" in page and "Ann Lee, COO" in page and "recent good meeting" in page
    assert "Grumpy Grain" not in page and "Other Reps Foods" not in page
    mailto = unquote(page.split('href="mailto:', 1)[1].split('"', 1)[0].replace("&amp;", "&"))
    assert mailto.startswith("dana@prairie.example,ann@lakeside.example?subject=Lunch with Lakeside")
    assert "Hi Dana," in mailto and "Rita Rep" in mailto
    assert "Find a reference customer" in client.get(f"/accounts/{prospect.id}").get_data(as_text=True)

    ask = {"client_id": str(uuid.uuid4())}
    response = client.post(f"/accounts/{prospect.id}/references/{happy.id}/ask", data=ask)
    assert response.status_code == 303
    assert response.headers["Location"].startswith(f"/meetings/new?account_id={prospect.id}&kind=lunch")
    meeting_form = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="lunch" checked' in meeting_form
    assert client.post(f"/accounts/{prospect.id}/references/{happy.id}/ask", data=ask).status_code == 303
    assert db.session.scalar(select(func.count()).select_from(ReferenceAsk)) == 1
    page = client.get(f"/accounts/{prospect.id}/references").get_data(as_text=True)
    assert "asked 1× this year" in page and "Last asked Nov 23" in page


def test_effort_against_potential_on_the_pipeline_and_one_to_one_pages(client, make, login, clock):
    manager = make.user("manager")
    rep = make.user("rep", manager=manager)
    high = make.account(owner=rep, potential=90)
    low = make.account(owner=rep, potential=10)
    for days in range(1, 9):
        make.meeting(low, rep, started_at=clock.now - timedelta(days=days))
    make.meeting(high, rep, started_at=clock.now - timedelta(days=3))
    make.meeting(high, rep, started_at=clock.now - timedelta(days=200))  # before the quarter
    login(rep)
    page = client.get("/pipeline/").get_data(as_text=True)
    assert "Effort against potential" in page
    assert "Too much effort on low-potential accounts leaves money on the table." in page
    assert "89%" in page and "11%" in page  # 8 of 9 meetings on 10 % of the potential
    client.post("/logout")
    login(manager)
    monday = (clock.now.date() - timedelta(days=clock.now.weekday())).isoformat()
    page = client.get(f"/pipeline/one-to-ones/{rep.id}/{monday}").get_data(as_text=True)
    assert f'hx-get="/pipeline/reps/{rep.id}/effort"' in page  # loaded on its own
    fragment = client.get(f"/pipeline/reps/{rep.id}/effort").get_data(as_text=True)
    assert "Too much effort on low-potential accounts" in fragment and "89%" in fragment
    client.post("/logout")
    login(make.user("rep"))
    assert client.get(f"/pipeline/reps/{rep.id}/effort").status_code == 404
