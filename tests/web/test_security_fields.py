"""Posting fields a role may not set (owner, territory, role, manager, version) changes nothing:
the forms ignore what they do not declare, and the manager and admin routes are 404 to a rep."""
from __future__ import annotations

import uuid

from sqlalchemy import func, select

from tests.support.security import sign_in_as
from webapp.extensions import db
from webapp.models import Account, Meeting, Note, Opportunity, Territory, User


def _smuggled(rep_b, territory, manager_b) -> dict:
    return {"owner_id": rep_b.id, "user_id": rep_b.id, "territory_id": territory.id,
            "role": "admin", "manager_id": manager_b.id, "active": "0", "created_by_id": rep_b.id,
            "session_version": "99", "must_change_password": "y", "uuid": str(uuid.uuid4()),
            "id": "1"}


def _people(make):
    manager_a, manager_b = make.user("manager"), make.user("manager")
    rep_a, rep_b = make.user("rep", manager=manager_a), make.user("rep", manager=manager_b)
    account = make.account(owner=rep_a)
    territory = Territory(name="Rep B's patch", owner_id=rep_b.id)
    db.session.add(territory)
    db.session.commit()
    return manager_a, manager_b, rep_a, rep_b, account, territory


def test_extra_fields_on_a_reps_writes_never_change_owner_territory_or_role(app, make):
    manager_a, manager_b, rep_a, rep_b, account, territory = _people(make)
    opportunity = make.opportunity(account)
    start_version = opportunity.version
    client = sign_in_as(app, app.test_client(), rep_a)
    extra = _smuggled(rep_b, territory, manager_b)

    assert client.post("/meetings/new", data={**extra, "account_id": account.id,
                                              "notes": "Met the CFO"}).status_code == 303
    assert client.post("/notes/new", data={**extra, "account_id": account.id,
                                           "body": "Parking on 5th"}).status_code == 303
    assert client.post("/opportunities/new", data={
        **extra, "account_id": account.id, "name": "Expansion", "amount": "1000",
        "close_on": "2027-01-31", "stage": "qualified"}).status_code == 303
    update = {**extra, "version": str(start_version), "stage": "proposal"}
    assert client.post(f"/opportunities/{opportunity.id}", data=update).status_code == 303

    db.session.expire_all()
    assert {m.user_id for m in db.session.scalars(select(Meeting))} == {rep_a.id}
    assert {n.user_id for n in db.session.scalars(select(Note))} == {rep_a.id}
    assert {o.owner_id for o in db.session.scalars(select(Opportunity))} == {rep_a.id}
    assert db.session.get(Account, account.id).owner_id == rep_a.id
    assert db.session.get(Territory, territory.id).owner_id == rep_b.id
    me = db.session.get(User, rep_a.id)
    assert (me.role, me.manager_id, me.active, me.must_change_password) == \
        ("rep", manager_a.id, True, False)
    assert db.session.get(Opportunity, opportunity.id).version == start_version + 1


def test_a_made_up_version_cannot_skip_ahead_or_overwrite_a_newer_change(app, make):
    _ma, _mb, rep_a, _rb, account, _t = _people(make)
    opportunity = make.opportunity(account)
    start = opportunity.version
    client = sign_in_as(app, app.test_client(), rep_a)
    ahead = client.post(f"/opportunities/{opportunity.id}",
                        data={"version": str(start + 50), "stage": "proposal"})
    assert ahead.status_code == 400
    assert "a version that does not exist" in ahead.get_data(as_text=True)
    db.session.expire_all()
    saved = db.session.get(Opportunity, opportunity.id)
    assert (saved.version, saved.stage) == (start, opportunity.stage)


def test_a_rep_posting_to_manager_and_admin_forms_gets_404_and_nothing_changes(app, make):
    manager_a, _mb, rep_a, rep_b, account, territory = _people(make)
    client = sign_in_as(app, app.test_client(), rep_a)
    before = {model.__name__: db.session.scalar(select(func.count()).select_from(model))
              for model in (User, Territory, Account)}
    attempts = [
        ("/admin/users/new", {"name": "Me Again", "email": "me2@example.com", "role": "admin",
                              "manager_id": "", "password": "a-long-passphrase"}),
        (f"/admin/users/{rep_a.id}", {"role": "admin", "manager_id": ""}),
        (f"/admin/users/{rep_b.id}/active", {"active": "0"}),
        ("/territories/new", {"name": "Mine now", "owner_id": str(rep_a.id)}),
        (f"/territories/{territory.id}/edit", {"action": "save", "owner_id": str(rep_a.id)}),
        ("/territories/plans/new", {"name": "Grab", "announced_on": "2026-11-23"}),
        ("/territories/plans/apply", {}),
        ("/pipeline/settings", {"methodology": "meddic", "stuck_days": "7"}),
        ("/pipeline/settings/items", {"label": "Mine"}),
        ("/pipeline/forecast/team", {"rep_id": str(rep_b.id), "commit": "1", "period": "x"}),
        (f"/pipeline/one-to-ones/{rep_a.id}/2026-11-23/intel", {"body": "news"}),
    ]
    for url, data in attempts:
        assert client.post(url, data=data).status_code == 404, url
    db.session.expire_all()
    after = {model.__name__: db.session.scalar(select(func.count()).select_from(model))
             for model in (User, Territory, Account)}
    assert after == before
    assert db.session.get(User, rep_a.id).role == "rep"
    assert db.session.get(Territory, territory.id).owner_id == rep_b.id
