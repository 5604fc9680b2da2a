"""Pipeline pages: coverage, qualification, forecast with its lock date, team view access,
one-to-ones, and query counts that do not grow with the data."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import (
    ForecastOverride,
    ForecastSubmission,
    Intel,
    Meeting,
    Opportunity,
    OpportunityChange,
    Quota,
)

# The clock fixture says Mon 2026-11-23; fiscal years start in January (FY2026 Q4 = Oct-Dec).
Q4 = date(2026, 10, 1)
Q3 = date(2026, 7, 1)


def quota(rep, start=Q4, amount="100000"):
    end = {Q4: date(2026, 12, 31), Q3: date(2026, 9, 30)}.get(start, start + timedelta(days=89))
    db.session.add(Quota(user_id=rep.id, period_start=start, period_end=end, amount=Decimal(amount)))
    db.session.commit()


def won(make, rep, amount, closed_at, account=None):
    account = account or make.account(owner=rep)
    return make.opportunity(account, stage="won", amount=Decimal(amount), closed_at=closed_at,
                            close_on=closed_at.date(), qualified=True,
                            created_at=closed_at - timedelta(days=120))


def team(make, reps=1):
    manager = make.user("manager")
    return manager, [make.user("rep", manager=manager) for _ in range(reps)]


def text(response) -> str:
    return response.get_data(as_text=True)


# --- access ---------------------------------------------------------------------------------

def test_manager_sees_only_their_own_team(client, make, login):
    manager, (mine,) = team(make)
    _other_manager, (theirs,) = team(make)
    login(manager)
    page = text(client.get("/pipeline/team"))
    assert mine.name in page and theirs.name not in page
    assert client.get(f"/pipeline/reps/{mine.id}").status_code == 200
    assert client.get(f"/pipeline/reps/{theirs.id}").status_code == 404
    assert client.get(f"/pipeline/reps/{theirs.id}/farming").status_code == 404
    assert client.get(f"/pipeline/one-to-ones/{theirs.id}/2026-11-23").status_code == 404
    assert client.post(f"/pipeline/one-to-ones/{theirs.id}/2026-11-23",
                       data={"notes": "x"}).status_code == 404


def test_rep_cannot_open_the_team_pages_or_another_reps_pipeline(client, make, login):
    _manager, (rep, colleague) = team(make, 2)
    login(rep)
    for path in ("/pipeline/team", "/pipeline/forecast/team", "/pipeline/one-to-ones",
                 "/pipeline/settings", f"/pipeline/reps/{colleague.id}",
                 f"/pipeline/one-to-ones/{colleague.id}/2026-11-23"):
        assert client.get(path).status_code == 404, path
    assert client.get("/pipeline/").status_code == 200


def test_team_view_explains_why_it_has_no_activity_counts(client, make, login):
    manager, (rep,) = team(make)
    make.meeting(make.account(owner=rep), rep, started_at=datetime(2026, 11, 20, 14),
                 is_first_meeting=True)
    login(manager)
    page = text(client.get("/pipeline/team"))
    assert "Why there are no call or e-mail counts here" in page
    assert "1 this week" in page  # first meetings held: a signal, not an activity tally
    assert "calls made" not in page.lower() and "e-mails sent" not in page.lower()


# --- my pipeline --------------------------------------------------------------------------

def test_rep_sees_coverage_and_the_gap_to_four_times(client, make, login):
    _manager, (rep,) = team(make)
    quota(rep, amount="100000")
    won(make, rep, "20000", datetime(2026, 11, 2, 15))
    account = make.account(owner=rep)
    make.opportunity(account, stage="proposal", qualified=True, amount=Decimal("160000"),
                     close_on=date(2026, 12, 15))
    make.opportunity(account, stage="first_meeting", qualified=False, amount=Decimal("90000"),
                     close_on=date(2026, 12, 15))  # not qualified: not coverage
    make.opportunity(account, stage="proposal", qualified=True, amount=Decimal("70000"),
                     currency="EUR", close_on=date(2026, 12, 15))  # other currency: listed apart
    login(rep)
    page = text(client.get("/pipeline/"))
    assert "2.0×" in page  # 160,000 / (100,000 - 20,000)
    assert "$80,000" in page  # still to close
    assert "$160,000" in page  # the gap to 4x: 320,000 needed
    assert "≈ 8 deals of $20,000" in page  # the average won deal
    assert "€70,000" in page and "Not counted" in page


def test_deal_with_close_date_pushed_twice_is_flagged_slipping(client, make, login):
    _manager, (rep,) = team(make)
    account = make.account(owner=rep)
    opp = make.opportunity(account, stage="qualified", qualified=True, name="Pushed Deal",
                           stage_changed_at=datetime(2026, 11, 1))
    for old, new in (("2026-11-30", "2026-12-20"), ("2026-12-20", "2027-01-31")):
        db.session.add(OpportunityChange(opportunity_id=opp.id, field="close_on", old_value=old,
                                         new_value=new, changed_at=datetime(2026, 11, 10)))
    make.meeting(account, rep, started_at=datetime(2026, 11, 20, 14))
    db.session.commit()
    login(rep)
    page = text(client.get("/pipeline/"))
    deal = page.split("Pushed Deal", 1)[1].split("</li>", 1)[0]
    assert "slipping" in deal and "quiet" not in deal and "22 d in stage" in deal


def test_farming_algorithm_uses_team_rates_when_history_is_thin(client, make, login):
    _manager, (rep, veteran) = team(make, 2)
    quota(rep, amount="100000")
    account = make.account(owner=veteran)
    for index in range(6):  # the veteran: 6 won, 6 lost at proposal
        won(make, veteran, "50000", datetime(2026, 6, 1 + index, 15), account)
        make.opportunity(account, stage="lost", amount=Decimal("50000"),
                         closed_at=datetime(2026, 6, 1), created_at=datetime(2026, 3, 1))
    lost = db.session.scalars(select(Opportunity).where(Opportunity.stage == "lost")).all()
    for opp in lost:
        db.session.add(OpportunityChange(opportunity_id=opp.id, field="stage",
                                         old_value="proposal", new_value="lost",
                                         changed_at=datetime(2026, 6, 1)))
    db.session.commit()
    login(rep)
    page = text(client.get("/pipeline/farming?period=current"))
    assert "Still to close in FY2026 Q4" in page
    assert "team</span>" in page  # the rep has no history of their own
    # $100,000 at $50,000 a deal = 2 won; proposals convert 50% -> 4 proposals.
    assert "Won: 2 needed" in page and "Proposals: 4 needed" in page
    assert "<svg" in page and 'role="img"' in page


# --- qualification ------------------------------------------------------------------------

def meddic_answers(**extra):
    data = {"meddic_metrics": "Cut stock-outs 20%", "meddic_economic_buyer": "Dana, CFO",
            "meddic_pain": "Manual counts", "meddic_champion": "Lee, ops lead"}
    data.update(extra)
    return data


def test_answering_the_required_checklist_items_qualifies_the_deal(client, make, login):
    _manager, (rep,) = team(make)
    opp = make.opportunity(make.account(owner=rep), stage="first_meeting", qualified=False)
    login(rep)
    assert "Economic buyer" in text(client.get(f"/pipeline/opportunities/{opp.id}/qualify"))

    partial = {"meddic_metrics": "Cut stock-outs 20%"}
    assert client.post(f"/pipeline/opportunities/{opp.id}/qualify", data=partial).status_code == 303
    db.session.refresh(opp)
    assert not opp.qualified

    response = client.post(f"/pipeline/opportunities/{opp.id}/qualify", data=meddic_answers())
    assert response.status_code == 303
    db.session.refresh(opp)
    assert opp.qualified and opp.stage == "qualified"
    fields = set(db.session.scalars(select(OpportunityChange.field)
                                    .where(OpportunityChange.opportunity_id == opp.id)))
    assert {"qualified", "stage"} <= fields
    page = text(client.get(f"/pipeline/opportunities/{opp.id}/qualify"))
    assert "Dana, CFO" in page and "Qualified." in page


def test_rep_can_mark_qualified_with_a_reason_but_not_without(client, make, login):
    _manager, (rep,) = team(make)
    opp = make.opportunity(make.account(owner=rep), stage="first_meeting", qualified=False)
    login(rep)
    response = client.post(f"/pipeline/opportunities/{opp.id}/qualify",
                           data={"qualified_anyway": "y", "reason": "  "})
    assert response.status_code == 400
    assert "Say why" in text(response)
    db.session.refresh(opp)
    assert not opp.qualified
    response = client.post(f"/pipeline/opportunities/{opp.id}/qualify",
                           data={"qualified_anyway": "y", "reason": "Board approved the budget"})
    assert response.status_code == 303
    db.session.refresh(opp)
    assert opp.qualified


def test_checklist_of_another_reps_deal_is_not_found(client, make, login):
    _manager, (rep, other) = team(make, 2)
    opp = make.opportunity(make.account(owner=other))
    login(rep)
    assert client.get(f"/pipeline/opportunities/{opp.id}/qualify").status_code == 404
    assert client.post(f"/pipeline/opportunities/{opp.id}/qualify",
                       data=meddic_answers()).status_code == 404


def test_team_can_use_its_own_checklist(client, make, login):
    manager, (rep,) = team(make)
    login(manager)
    client.post("/pipeline/settings/items", data={"label": "Site visit done", "required": "y"})
    response = client.post("/pipeline/settings", data={
        "methodology": "custom", "slip_pushes": 2, "quiet_weeks": 4, "stuck_days": 60,
        "forecast_lock_days": 30, "history_months": 12, "min_history": 5, "qualify_answers": 1})
    assert response.status_code == 303
    opp = make.opportunity(make.account(owner=rep), stage="first_meeting", qualified=False)
    client.post("/logout")
    login(rep)
    page = text(client.get(f"/pipeline/opportunities/{opp.id}/qualify"))
    assert "Site visit done" in page and "Economic buyer" not in page


# --- forecast -------------------------------------------------------------------------------

def forecast(client, commit, best, which=0, period="2026-10-01"):
    return client.post("/pipeline/forecast", data={
        "which": which, f"p{which}-commit": commit, f"p{which}-best_case": best,
        f"p{which}-period": period})


def test_rep_submits_and_edits_a_forecast_until_the_lock_date(client, make, login, clock):
    _manager, (rep,) = team(make)
    login(rep)
    assert forecast(client, "100000", "150000").status_code == 303
    assert forecast(client, "120000", "150000").status_code == 303
    row = db.session.scalar(select(ForecastSubmission).where(ForecastSubmission.user_id == rep.id))
    assert (row.commit, row.best_case, row.period_start) == (Decimal("120000"), Decimal("150000"), Q4)

    clock.set(datetime(2026, 12, 2, 15))  # Q4 locks 30 days before Dec 31: Dec 1 is the last day
    response = forecast(client, "200000", "250000")
    assert response.status_code == 400
    assert "locked" in text(response)
    db.session.refresh(row)
    assert row.commit == Decimal("120000")
    assert "Locked since" in text(client.get("/pipeline/forecast"))


def test_best_case_below_commit_is_refused_and_input_kept(client, make, login):
    _manager, (rep,) = team(make)
    login(rep)
    response = forecast(client, "100000", "90000")
    assert response.status_code == 400
    page = text(response)
    assert "Best case is at least the commit." in page and 'value="100000"' in page


def test_accuracy_compares_commit_with_what_closed(client, make, login):
    _manager, (rep,) = team(make)
    db.session.add(ForecastSubmission(user_id=rep.id, period_start=Q3, period_end=date(2026, 9, 30),
                                      commit=Decimal("100000"), best_case=Decimal("120000")))
    db.session.commit()
    won(make, rep, "80000", datetime(2026, 8, 10, 15))
    won(make, rep, "999999", datetime(2026, 10, 10, 15))  # next period: not counted for Q3
    login(rep)
    page = text(client.get("/pipeline/forecast"))
    row = page.split("FY2026 Q3</th>", 1)[1].split("</tr>", 1)[0]
    assert "$100,000" in row and "$80,000" in row and "80%" in row and "over" in row


def test_manager_overrides_a_reps_commit_in_the_rollup(client, make, login):
    manager, (rep, quiet_rep) = team(make, 2)
    db.session.add(ForecastSubmission(user_id=rep.id, period_start=Q4, period_end=date(2026, 12, 31),
                                      commit=Decimal("100000"), best_case=Decimal("150000")))
    db.session.commit()
    login(manager)
    response = client.post("/pipeline/forecast/team", data={
        "rep_id": rep.id, "period": "2026-10-01", "commit": "80000", "note": "Acme slips"})
    assert response.status_code == 303
    override = db.session.scalar(select(ForecastOverride))
    assert (override.commit, override.manager_id, override.note) == (Decimal("80000"), manager.id,
                                                                     "Acme slips")
    page = text(client.get("/pipeline/forecast/team"))
    assert "$100,000" in page and "$80,000" in page  # reps' commit beside the manager's number


# --- one-to-ones ------------------------------------------------------------------------------

def test_one_to_one_notes_and_intel_are_shared_with_the_rep(client, make, login, app):
    manager, (rep, other_rep) = team(make, 2)
    account = make.account(owner=rep, name="Acme Foods", potential=95)
    make.opportunity(account, name="Acme Roll-out", next_step="Demo for the CFO")
    login(manager)
    page = text(client.get(f"/pipeline/one-to-ones/{rep.id}/2026-11-23"))
    assert "Acme Foods" in page and "Demo for the CFO" in page
    assert client.post(f"/pipeline/one-to-ones/{rep.id}/2026-11-23",
                       data={"notes": "Focus on Acme's CFO"}).status_code == 303
    client.post(f"/pipeline/one-to-ones/{rep.id}/2026-11-23/intel",
                data={"body": "Competitor X raised prices 15%", "audience": "team"})
    client.post(f"/pipeline/one-to-ones/{rep.id}/2026-11-23/intel",
                data={"body": "Your contact at Acme moved to Beta", "audience": "rep"})
    assert db.session.query(Intel).count() == 2
    client.post("/logout")

    login(rep)
    page = text(client.get(f"/pipeline/one-to-ones/{rep.id}/2026-11-23"))
    assert "Focus on Acme&#39;s CFO" in page
    assert "Competitor X raised prices 15%" in page and "Your contact at Acme" in page
    assert client.post(f"/pipeline/one-to-ones/{rep.id}/2026-11-23/intel",
                       data={"body": "x", "audience": "team"}).status_code == 404
    client.post("/logout")

    with app.test_client() as other:
        login(other_rep, client=other)
        page = text(other.get(f"/pipeline/one-to-ones/{other_rep.id}/2026-11-23"))
        assert "Competitor X raised prices 15%" in page  # the whole team
        assert "Your contact at Acme" not in page  # only for the one rep


def test_one_to_one_url_snaps_to_the_monday(client, make, login):
    manager, (rep,) = team(make)
    login(manager)
    response = client.get(f"/pipeline/one-to-ones/{rep.id}/2026-11-26")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/pipeline/one-to-ones/{rep.id}/2026-11-23")


# --- bounded queries --------------------------------------------------------------------------

def _plan(rep):
    quota(rep)
    quota(rep, Q3)
    db.session.add(ForecastSubmission(user_id=rep.id, period_start=Q3, period_end=date(2026, 9, 30),
                                      commit=Decimal("1000"), best_case=Decimal("2000")))
    db.session.commit()


def _grow(make, reps, deals_per_rep):
    """Each rep gets accounts, open and closed deals with history, and meetings."""
    for rep in reps:
        for n in range(deals_per_rep):
            account = make.account(owner=rep)
            stage = ("first_meeting", "qualified", "proposal", "won", "lost")[n % 5]
            closed = datetime(2026, 8, 1 + n % 20) if stage in ("won", "lost") else None
            opp = Opportunity(account_id=account.id, owner_id=rep.id, name=f"Deal {n}",
                              stage=stage, amount=Decimal("1000"), qualified=stage != "first_meeting",
                              closed_at=closed, close_on=date(2026, 12, 1 + n % 20),
                              created_at=datetime(2026, 3, 1))
            db.session.add(opp)
            db.session.flush()
            db.session.add_all([
                OpportunityChange(opportunity_id=opp.id, field="stage", old_value="first_meeting",
                                  new_value="qualified", changed_at=datetime(2026, 11, 20)),
                OpportunityChange(opportunity_id=opp.id, field="close_on", old_value="2026-11-01",
                                  new_value="2026-12-01", changed_at=datetime(2026, 11, 20)),
                Meeting(account_id=account.id, user_id=rep.id, started_at=datetime(2026, 11, 19),
                        is_first_meeting=n % 2 == 0),
            ])
        db.session.commit()


@pytest.mark.parametrize("who,path", [
    ("rep", "/pipeline/"),
    ("rep", "/pipeline/farming"),
    ("rep", "/pipeline/forecast"),
    ("rep", "/pipeline/one-to-ones/{rep}/2026-11-23"),
    ("manager", "/pipeline/team"),
    ("manager", "/pipeline/forecast/team"),
    ("manager", "/pipeline/one-to-ones"),
    ("manager", "/pipeline/reps/{rep}"),
])
def test_page_query_count_does_not_grow_with_data_or_team_size(client, make, login,
                                                               count_queries, who, path):
    manager, reps = team(make, 2)
    for rep in reps:
        _plan(rep)
    _grow(make, reps, 2)
    user = manager if who == "manager" else reps[0]
    url = path.format(rep=reps[0].id)
    login(user)
    with count_queries() as small:
        assert client.get(url).status_code == 200
    more_reps = [make.user("rep", manager=manager) for _ in range(4)]
    for rep in more_reps:
        _plan(rep)
    _grow(make, reps + more_reps, 10)
    with count_queries() as large:
        assert client.get(url).status_code == 200
    assert large.count == small.count, large.statements


def test_htmx_swap_gets_only_the_fragment(client, make, login):
    manager, (_rep,) = team(make)
    login(manager)
    response = client.get("/pipeline/team", headers={"HX-Request": "true"})
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    body = text(response)
    assert "<html" not in body and "<h1>Team</h1>" in body


# --- added: bad input stays on the page, intel from an admin, roll-forward consistency -------

def test_manager_override_with_a_bad_amount_shows_the_error_beside_the_field(client, make, login):
    manager, (rep, other) = team(make, 2)
    login(manager)
    for typed in ("-5", "lots", "sNaN"):
        response = client.post("/pipeline/forecast/team", data={
            "rep_id": rep.id, "period": "2026-10-01", "commit": typed, "note": "Acme slips"})
        assert response.status_code == 400, typed
        page = text(response)
        row = page.split(f'id="o-{rep.id}"', 1)[1].split("</form>", 1)[0]
        assert f'value="{typed}"' in row and 'aria-invalid="true"' in row
        assert "Enter an amount" in row and 'value="Acme slips"' in row  # input kept
        assert 'aria-invalid' not in page.split(f'id="o-{other.id}"', 1)[1].split("</form>")[0]
    assert db.session.query(ForecastOverride).count() == 0
    response = client.post("/pipeline/forecast/team", data={
        "rep_id": rep.id, "period": "2026-10-01", "commit": "$90,000", "note": ""})
    assert response.status_code == 303
    assert db.session.scalar(select(ForecastOverride.commit)) == Decimal("90000")


def test_forecast_refuses_nan_without_an_error_page(client, make, login):
    _manager, (rep,) = team(make)
    login(rep)
    response = forecast(client, "sNaN", "100000")
    assert response.status_code == 400 and "Enter an amount" in text(response)


def test_admin_shares_intel_with_every_rep_and_a_manager_with_their_team(client, make, login,
                                                                        app):
    manager, (rep,) = team(make)
    _other_manager, (other_rep,) = team(make)
    admin = make.user("admin")
    login(admin)
    page = text(client.get(f"/pipeline/one-to-ones/{rep.id}/2026-11-23"))
    assert "Every rep (all teams)" in page
    assert client.post(f"/pipeline/one-to-ones/{rep.id}/2026-11-23/intel", data={
        "body": "Price list changes on January 1", "audience": "team"}).status_code == 303
    response = client.post(f"/pipeline/one-to-ones/{rep.id}/2026-11-23/intel",
                           data={"body": "  ", "audience": "team"})
    assert response.status_code == 400 and "Write the news to share." in text(response)
    client.post("/logout")
    login(manager)
    client.post(f"/pipeline/one-to-ones/{rep.id}/2026-11-23/intel",
                data={"body": "Our team offsite is on Friday", "audience": "team"})
    client.post("/logout")

    for user, sees_team_news in ((rep, True), (other_rep, False)):
        with app.test_client() as browser:
            login(user, client=browser)
            page = text(browser.get(f"/pipeline/one-to-ones/{user.id}/2026-11-23"))
            assert "Price list changes on January 1" in page and "to every rep" in page
            assert ("Our team offsite is on Friday" in page) is sees_team_news


def test_deal_kept_by_a_rep_after_its_account_rolled_counts_and_is_listed(client, make, login):
    manager, (rep, new_owner) = team(make, 2)
    quota(rep, amount="100000")
    moved = make.account(owner=new_owner, name="Rolled Account")  # the roll-forward gave it away
    kept = make.opportunity(moved, owner_id=rep.id, name="Kept Deal", stage="proposal",
                            qualified=True, amount=Decimal("200000"), close_on=date(2026, 12, 15))
    assert kept.owner_id == rep.id
    login(rep)
    page = text(client.get("/pipeline/"))
    assert "2.0×" in page  # 200,000 of qualified pipeline / 100,000 still to close
    deal = page.split("Kept Deal", 1)[1].split("</li>", 1)[0]
    assert "another rep’s" in deal and "Rolled Account" not in page
    assert f"/opportunities/{kept.id}" not in page  # the rep may not open that account
    client.post("/logout")

    login(manager)  # the manager sees both accounts: the deal is listed with its link
    page = text(client.get(f"/pipeline/reps/{rep.id}"))
    assert f"/opportunities/{kept.id}" in page and "Rolled Account" in page
    page = text(client.get(f"/pipeline/reps/{new_owner.id}"))
    assert "Kept Deal" not in page  # not the new owner's pipeline: counted once, for its owner


def test_opportunity_page_links_to_its_qualification_checklist(client, make, login):
    _manager, (rep,) = team(make)
    opp = make.opportunity(make.account(owner=rep), stage="first_meeting", qualified=False)
    login(rep)
    page = text(client.get(f"/opportunities/{opp.id}"))
    assert f'href="/pipeline/opportunities/{opp.id}/qualify"' in page
    assert "Qualify with the checklist" in page
