"""`groundwork demo`: a realistic, deterministic team to try the app with."""
from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select

from webapp import create_app
from webapp.database import upgrade_database
from webapp.demo import DEMO_PASSWORD, generate_accounts
from webapp.extensions import db
from webapp.models import (
    OPEN_STAGES,
    Account,
    Commitment,
    Meeting,
    Note,
    Opportunity,
    OpportunityChange,
    Quota,
    TeamSettings,
    User,
)


def _load(app) -> list[str]:
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "300 accounts" in result.output
    with app.app_context():
        return list(db.session.scalars(select(Account.name).order_by(Account.name)))


def test_demo_team_signs_in_and_sees_realistic_data(app, client, clock):
    _load(app)

    for email in ("manager@example.com", "admin@example.com",
                  *(f"rep{i}@example.com" for i in range(1, 5))):
        response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 303, email
        assert client.get("/").status_code == 200
        assert client.get("/accounts/").status_code == 200
        client.post("/logout")

    with app.app_context():
        session = db.session
        manager = session.scalar(select(User).where(User.email == "manager@example.com"))
        reps = session.scalars(select(User).where(User.role == "rep").order_by(User.email)).all()
        assert [r.email for r in reps] == [f"rep{i}@example.com" for i in range(1, 5)]
        assert all(r.manager_id == manager.id for r in reps)
        assert len({r.password_hash for r in session.scalars(select(User))}) == 1  # hashed once

        settings = session.scalar(select(TeamSettings))
        assert (settings.fiscal_year_start_month, float(settings.coverage_target),
                settings.currency) == (1, 4.0, "USD")
        assert session.scalar(select(func.count(Quota.id))) == 12  # 3 quarters x 4 reps

        per_rep = Counter(session.scalars(select(Account.owner_id)))
        assert sorted(per_rep.values()) == [75, 75, 75, 75]
        segments = set(session.scalars(select(Account.segment)))
        assert {"Major", "Federal"} <= segments
        assert set(session.scalars(select(Account.status))) == {"prospect", "customer"}
        assert all(-95 < lon < -82 and 41 < lat < 46 for lat, lon in
                   session.execute(select(Account.latitude, Account.longitude)))

        opps = session.scalars(select(Opportunity)).all()
        assert {o.stage for o in opps} == {"first_meeting", "qualified", "proposal",
                                           "negotiation", "won", "lost"}
        today = clock().date()
        open_opps = [o for o in opps if o.stage in OPEN_STAGES]
        assert any(o.next_step_on == today for o in open_opps)
        assert any(o.next_step_on and o.next_step_on < today for o in open_opps)
        assert all(o.qualified for o in opps if o.stage in ("qualified", "proposal", "negotiation",
                                                              "won"))
        assert not any(o.qualified for o in opps if o.stage == "first_meeting")
        assert all(o.closed_at and o.closed_at <= clock() for o in opps if not o.is_open)

        # The history leads to the current stage, and spans the 18 months before today.
        last_stage = {}
        for change in session.scalars(select(OpportunityChange).where(
                OpportunityChange.field == "stage").order_by(OpportunityChange.changed_at)):
            last_stage[change.opportunity_id] = change.new_value
        assert all(last_stage.get(o.id, "first_meeting") == o.stage for o in opps)
        first, last = session.execute(select(func.min(Meeting.started_at),
                                             func.max(Meeting.started_at))).one()
        assert clock() - first > timedelta(days=500) and clock() - last < timedelta(days=3)

        open_theirs = session.scalars(select(Commitment).where(
            Commitment.party == "theirs", Commitment.kept.is_(None))).all()
        assert any(c.due_on < today for c in open_theirs)
        assert session.scalar(select(func.count(Note.id)).where(Note.account_id.is_(None))) > 0

        # last_touch_at is the latest meeting or note of the account.
        latest = dict(session.execute(select(Meeting.account_id, func.max(Meeting.started_at))
                                      .group_by(Meeting.account_id)).all())
        for account_id, noted in session.execute(select(Note.account_id, func.max(Note.created_at))
                                                 .where(Note.account_id.is_not(None))
                                                 .group_by(Note.account_id)):
            latest[account_id] = max(noted, latest.get(account_id, noted))
        for account in session.scalars(select(Account)):
            assert account.last_touch_at == latest.get(account.id)


def test_demo_is_the_same_every_time(app, clock, tmp_path):
    first = _load(app)
    other_url = f"sqlite:///{tmp_path / 'second.sqlite'}"
    upgrade_database(other_url)
    second_app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": other_url,
                             "SECRET_KEY": "x", "CLOCK": clock})
    second = _load(second_app)
    with second_app.app_context():
        db.engine.dispose()
    assert first == second
    assert len(set(first)) == 300


def test_demo_goes_only_into_an_empty_database(app, make):
    make.user("rep")
    refused = app.test_cli_runner().invoke(args=["demo"])
    assert refused.exit_code != 0 and "already has users" in refused.output
    skipped = app.test_cli_runner().invoke(args=["demo", "--if-empty"])
    assert skipped.exit_code == 0 and "not loaded" in skipped.output


def test_generate_accounts_adds_a_big_territory_for_benchmarks(app, make):
    rep = make.user("rep")
    made = generate_accounts(db.session, rep, 120, random.Random(1))
    db.session.commit()
    assert made["accounts"] == 120
    owned = select(func.count(Account.id)).where(Account.owner_id == rep.id)
    assert db.session.scalar(owned) == 120
    assert made["meetings"] > 0 and made["opportunities"] > 0


def test_demo_team_view_has_forecast_history_and_new_first_meetings(app, client, clock):
    import re

    _load(app)
    client.post("/login", data={"email": "manager@example.com", "password": DEMO_PASSWORD})
    page = client.get("/pipeline/team").get_data(as_text=True)
    accuracies = re.findall(r"<dt>Forecast accuracy</dt><dd>(\d+)%</dd>", page)
    assert len(accuracies) == 4 and len(set(accuracies)) > 2  # reps forecast differently
    this_period = [int(n) for n in re.findall(r"(\d+) this period", page)]
    assert len(this_period) == 4 and all(n > 0 for n in this_period)
    client.post("/logout")

    client.post("/login", data={"email": "rep1@example.com", "password": DEMO_PASSWORD})
    page = client.get("/pipeline/forecast").get_data(as_text=True)
    assert page.count("no forecast") <= 2  # the last closed periods all have a forecast
    assert "Submit FY2026 Q4" in page  # this period's is left for the rep to submit


def test_demo_territories_have_rules_that_match_the_accounts_they_hold(app, client):
    _load(app)
    with app.app_context():
        manager = db.session.scalar(select(User).where(User.email == "manager@example.com"))
        held = dict(db.session.execute(
            select(Account.territory_id, func.count(Account.id))
            .group_by(Account.territory_id)).all())
    client.post("/login", data={"email": "manager@example.com", "password": DEMO_PASSWORD})
    assert manager is not None and len(held) == 4
    for territory_id, count in held.items():
        page = client.get(f"/territories/{territory_id}/edit").get_data(as_text=True)
        # The preview agrees with the list: every account it holds, and no other, matches.
        assert f"<b>{count}</b> accounts match these rules" in page
        assert "0 accounts match no territory" in page
