"""The import recognises a person it knows (same e-mail) at a new company: a move, not a
second contact; the old account's rep keeps in touch, the new account's owner sees who came."""
from __future__ import annotations

from sqlalchemy import func, select

from tests.web.test_imports import _import, _upload, team  # noqa: F401 (the fixture)
from webapp.extensions import db
from webapp.models import Contact, ContactPosition, KeepInTouch


def test_the_same_email_at_a_new_company_is_a_move_not_a_duplicate(client, login, team, make):  # noqa: F811
    old = make.account(team["ana"], name="Acme Foundry", external_id="HS-1")
    new = make.account(team["ben"], name="Blue Dairy", external_id="HS-2")
    ada = make.contact(old, name="Ada Lovelace", title="CTO", email="ada@example.test")
    login(team["manager"])
    contacts = ("Record ID,First Name,Last Name,Job Title,Email,Phone Number,"
                "Associated Company ID\nC9,Ada,Lovelace,CIO,ADA@example.test,555-0100,HS-2\n")
    url = _upload(client, contacts)
    assert "Moved here: the same person" in client.get(url).get_data(as_text=True)
    assert _import(client, url).imported
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Contact.id))) == 1
    moved = db.session.get(Contact, ada.id)
    assert (moved.account_id, moved.title, moved.external_id) == (new.id, "CIO", "C9")
    assert [(p.account_id, p.title, p.ended_on is None) for p in db.session.scalars(
        select(ContactPosition).order_by(ContactPosition.id))] == [
        (old.id, "CTO", False), (new.id, "", True)]
    assert db.session.scalar(select(KeepInTouch.user_id)) == team["ana"].id
    login(team["ben"])
    page = client.get(f"/accounts/{new.id}").get_data(as_text=True)
    assert "Ada Lovelace joined from Acme Foundry" in page and "Known to Ana Alvarez" in page
    login(team["ana"])
    assert "Ada Lovelace" in client.get("/people/").get_data(as_text=True)
