"""Reads for capturing new accounts and contacts: possible duplicates, and records named by
the id a phone made up for them (a client id) or by their database id.

Everything goes through the access filter: a rep is never told about, nor attached to, an
account they may not see."""
from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, contains_eager

from webapp.domain.account_matching import company_key, email_key, same_company, search_word
from webapp.models import Account, Contact, Opportunity, User
from webapp.queries.access import account_visibility

MAX_SUGGESTIONS = 5
# Light rows compared by name in Python; a word shared by more accounts than this is rare.
MAX_CANDIDATES = 2000


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def similar_accounts(session: Session, user: User, name: str, *,
                     exclude_uuid: str | None = None) -> list[Account]:
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
    ids = [row.id for row in session.execute(stmt) if same_company(row.name, name)]
    if not ids:
        return []
    return list(session.scalars(select(Account).where(Account.id.in_(ids[:MAX_SUGGESTIONS]))
                                .order_by(Account.name, Account.id)))


def contacts_with_email(session: Session, user: User, email: str, *,
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
    return list(session.scalars(stmt))


def find_by_client_id(session: Session, model, client_id: str):
    """The record of `model` a phone already made with this client id, whoever's it is (the
    caller checks that it is the user's before answering with it)."""
    return session.scalar(select(model).where(model.uuid == client_id))


__all__ = ["similar_accounts", "contacts_with_email", "find_by_client_id",
           "opportunity_by_client_id"]


def opportunity_by_client_id(session: Session, client_id: str) -> Opportunity | None:
    """The opportunity a write with this client id made, if any (the caller checks that the
    user may see its account)."""
    return session.scalar(select(Opportunity).where(Opportunity.uuid == client_id))
