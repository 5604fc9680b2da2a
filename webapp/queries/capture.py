"""Reads for capturing new accounts and contacts: possible duplicates, and records named by
the id a phone made up for them (a client id) or by their database id.

Everything goes through the access filter: a rep is never told about, nor attached to, an
account they may not see."""
from __future__ import annotations

from flask import abort
from sqlalchemy import func, or_, select
from sqlalchemy.orm import contains_eager
from werkzeug.exceptions import NotFound

from webapp.domain.account_matching import company_key, email_key, same_company, search_word
from webapp.domain.client_ids import parse_client_id
from webapp.extensions import db
from webapp.models import Account, Contact, Opportunity, User
from webapp.queries.access import account_visibility, get_visible_account
from webapp.routing import MAX_DATABASE_ID

MAX_SUGGESTIONS = 5
# Light rows compared by name in Python; a word shared by more accounts than this is rare.
MAX_CANDIDATES = 2000


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def similar_accounts(user: User, name: str, *, exclude_uuid: str | None = None) -> list[Account]:
    """Accounts `user` may see whose name is the same or nearly the same company as `name`
    (at most MAX_SUGGESTIONS). Two queries: light candidate rows (id, name) that share the
    name's telling word or first letters, compared in Python; then the few that match."""
    key = company_key(name)
    word = search_word(name)
    if not key:
        return []
    lowered = func.lower(Account.name)
    stmt = (select(Account.id, Account.name).where(account_visibility(user))
            .where(or_(lowered.like(f"%{_escape_like(word)}%", escape="\\"),
                       lowered.like(f"{_escape_like(key[:3])}%", escape="\\")))
            .order_by(func.length(Account.name), Account.id).limit(MAX_CANDIDATES))
    if exclude_uuid:
        stmt = stmt.where(Account.uuid != exclude_uuid)
    ids = [row.id for row in db.session.execute(stmt) if same_company(row.name, name)]
    if not ids:
        return []
    return list(db.session.scalars(select(Account).where(Account.id.in_(ids[:MAX_SUGGESTIONS]))
                                   .order_by(Account.name, Account.id)))


def contacts_with_email(user: User, email: str, *,
                        exclude_id: int | None = None) -> list[Contact]:
    """Contacts on accounts `user` may see with this e-mail address (any case)."""
    key = email_key(email)
    if not key:
        return []
    stmt = (select(Contact).join(Account, Contact.account_id == Account.id)
            .options(contains_eager(Contact.account))
            .where(account_visibility(user), func.lower(Contact.email) == key)
            .order_by(Contact.id).limit(MAX_SUGGESTIONS))
    if exclude_id:
        stmt = stmt.where(Contact.id != exclude_id)
    return list(db.session.scalars(stmt))


def account_by_ref(user: User, ref: str | int | None) -> Account | None:
    """The account named by a database id ("12") or by the client id a phone gave it when it
    was made (a UUID), if `user` may see it; None otherwise (not made yet, or not theirs)."""
    text = str(ref or "").strip()
    if text.isdigit():
        if not 0 < int(text) <= MAX_DATABASE_ID:
            return None
        return db.session.scalar(select(Account).where(account_visibility(user),
                                                       Account.id == int(text)))
    client_id = parse_client_id(text)
    if client_id is None:
        return None
    return db.session.scalar(select(Account).where(account_visibility(user),
                                                   Account.uuid == client_id))


class AccountNotHere(NotFound):
    """A write names an account by a client id the server has no account for (within what
    the user may see): not arrived yet, or not theirs. The page says what to do."""

    rep_message = ("The account this belongs to has not reached the server (or is not "
                   "yours). Send the new account first, then send this again.")


def get_account_by_ref(user: User, ref: str | int | None) -> Account:
    """`account_by_ref`, or 404."""
    account = account_by_ref(user, ref)
    if account is None:
        if parse_client_id(str(ref or "")):
            raise AccountNotHere()
        abort(404)
    return account


def account_for_new_form(user: User, ref: str | None) -> Account | None:
    """The account a new-record form opens for (?account_id=): None for none, or for the
    client id of an account still on the phone (the form then offers it from the outbox);
    404 for an account id the user may not see."""
    text = (ref or "").strip()
    if not text:
        return None
    account = account_by_ref(user, text)
    if account is None and parse_client_id(text) is None:
        abort(404)
    return account


def contact_by_ref(user: User, ref: str | int | None) -> Contact | None:
    """A contact by database id or client id, if it is on an account `user` may see."""
    text = str(ref or "").strip()
    stmt = select(Contact).join(Account, Contact.account_id == Account.id) \
        .where(account_visibility(user))
    if text.isdigit():
        if not 0 < int(text) <= MAX_DATABASE_ID:
            return None
        return db.session.scalar(stmt.where(Contact.id == int(text)))
    client_id = parse_client_id(text)
    if client_id is None:
        return None
    return db.session.scalar(stmt.where(Contact.uuid == client_id))


def get_visible_contact(user: User, contact_id: int) -> Contact:
    """The contact, or 404 unless `user` may see its account."""
    contact = contact_by_ref(user, contact_id)
    if contact is None:
        abort(404)
    return contact


def opportunity_by_ref(user: User, ref: str | int | None) -> Opportunity | None:
    """A deal by database id or by the client id its form made (a deal made on the phone),
    if it is on an account `user` may see."""
    text = str(ref or "").strip()
    stmt = select(Opportunity).join(Account, Opportunity.account_id == Account.id) \
        .options(contains_eager(Opportunity.account)).where(account_visibility(user))
    if text.isdigit():
        if not 0 < int(text) <= MAX_DATABASE_ID:
            return None
        return db.session.scalar(stmt.where(Opportunity.id == int(text)))
    client_id = parse_client_id(text)
    if client_id is None:
        return None
    return db.session.scalar(stmt.where(Opportunity.uuid == client_id))


class DealNotHere(NotFound):
    """A change names a deal by the client id of a deal made on the phone that the server has
    not got (within what the user may see): not arrived yet, or not theirs."""

    rep_message = ("The deal this change belongs to has not reached the server (or is not "
                   "yours). Send the new deal first, then send this again.")


def get_opportunity_by_ref(user: User, ref: str | int | None) -> Opportunity:
    """`opportunity_by_ref`, or 404."""
    opportunity = opportunity_by_ref(user, ref)
    if opportunity is None:
        if parse_client_id(str(ref or "")):
            raise DealNotHere()
        abort(404)
    return opportunity


def find_by_client_id(model, client_id: str):
    """The record of `model` a phone already made with this client id, whoever's it is (the
    caller checks that it is the user's before answering with it)."""
    return db.session.scalar(select(model).where(model.uuid == client_id))


__all__ = ["similar_accounts", "contacts_with_email", "account_by_ref", "get_account_by_ref",
           "contact_by_ref", "account_for_new_form", "opportunity_by_ref", "get_opportunity_by_ref", "get_visible_contact", "find_by_client_id", "get_visible_account"]


def opportunity_by_client_id(client_id: str) -> Opportunity | None:
    """The opportunity a write with this client id made, if any (the caller checks that the
    user may see its account)."""
    return db.session.scalar(select(Opportunity).where(Opportunity.uuid == client_id))
