"""Ownership and territory changes made outside a territory change plan reach the audit log:
a territory's rep set on the territory page, and owners changed by a CSV import."""
from __future__ import annotations

import json

from sqlalchemy import select

from tests.support.security import sign_in_as
from tests.web.test_imports import SALESFORCE_ACCOUNTS, _import, _upload
from webapp.extensions import db
from webapp.models import Account, AuditEvent, Territory


def _events(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_giving_a_territory_to_another_rep_is_audited(app, make):
    manager = make.user("manager")
    ana, ben = make.user("rep", manager=manager), make.user("rep", manager=manager)
    client = sign_in_as(app, app.test_client(), manager)
    created = client.post("/territories/new", data={"name": "North", "owner_id": str(ana.id)})
    assert created.status_code == 303
    territory = db.session.scalar(select(Territory).where(Territory.name == "North"))
    [event] = _events("territory.created")
    assert (event.actor_id, event.target_id) == (manager.id, str(territory.id))
    assert json.loads(event.detail)["owner_id"] == ana.id

    saved = client.post(f"/territories/{territory.id}/edit",
                        data={"action": "save", "owner_id": str(ben.id), "countries": "US"})
    assert saved.status_code == 303
    [event] = _events("territory.owner_changed")
    assert event.actor_id == manager.id
    assert json.loads(event.detail)["owner_id"] == [ana.id, ben.id]
    # Saving the rules again without a new rep is not an ownership change.
    client.post(f"/territories/{territory.id}/edit",
                data={"action": "save", "owner_id": str(ben.id), "countries": "US, CA"})
    assert len(_events("territory.owner_changed")) == 1


def test_an_import_that_hands_accounts_to_another_rep_is_audited_per_account(app, make):
    manager = make.user("manager")
    make.user("rep", manager=manager, email="ana@example.com")
    ben = make.user("rep", manager=manager, email="ben@example.com")
    client = sign_in_as(app, app.test_client(), manager)
    first = _upload(client, SALESFORCE_ACCOUNTS.format(ana="ana@example.com"))
    assert _import(client, first, default_owner=str(ben.id)).imported
    assert _events("account.owner_changed") == []  # new accounts: no change of hands
    again = _upload(client, SALESFORCE_ACCOUNTS.format(ana="ben@example.com"))
    assert _import(client, again, default_owner=str(ben.id)).imported
    acme = db.session.scalar(select(Account).where(Account.external_id == "001A"))
    assert acme.owner_id == ben.id
    [event] = _events("account.owner_changed")
    assert (event.actor_id, event.target_id) == (manager.id, str(acme.id))
    detail = json.loads(event.detail)
    assert detail["via"] == "import" and detail["owner_id"][1] == ben.id
