"""Reads for the log-meeting and quick-note forms: the account picker and what belongs to the
chosen account (its contacts and open opportunities)."""
from __future__ import annotations

from sqlalchemy import case, exists, or_, select

from webapp.extensions import db
from webapp.models import OPEN_STAGES, Account, Contact, Meeting, Opportunity, User
from webapp.queries.access import account_visibility

RECENT_ACCOUNTS = 5
SEARCH_LIMIT = 20
MAX_SEARCH_WORDS = 5


def _literal(text: str) -> str:
    """`text` for a LIKE pattern, its wildcards taken literally (escape character: backslash)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _label(row) -> str:
    return f"{row.name} · {row.city}" if row.city else row.name


def recent_accounts(user: User, limit: int = RECENT_ACCOUNTS) -> list[tuple[int, str]]:
    """The accounts `user` touched last (then by name), as (id, "Name · City"): the picker's
    first offer.

    A bounded read whatever the territory's size (the rest is found by `search_accounts`)."""
    rows = db.session.execute(
        select(Account.id, Account.name, Account.city)
        .where(account_visibility(user))
        .order_by(Account.last_touch_at.is_(None), Account.last_touch_at.desc(), Account.name,
                  Account.id)
        .limit(limit)
    ).all()
    return [(r.id, _label(r)) for r in rows]


def search_accounts(user: User, text: str, limit: int = SEARCH_LIMIT) -> list[tuple[int, str]]:
    """Accounts `user` may see whose name (or city) contains `text`, names that start with it
    first, then by name: at most `limit` (id, "Name · City"). Blank text finds nothing."""
    words = text.split()[:MAX_SEARCH_WORDS]
    if not words:
        return []
    query = select(Account.id, Account.name, Account.city).where(account_visibility(user))
    for word in words:  # every word somewhere in the name or the city: "acme chic"
        query = query.where(or_(Account.name.ilike(f"%{_literal(word)}%", escape="\\"),
                                Account.city.ilike(f"%{_literal(word)}%", escape="\\")))
    starts = Account.name.ilike(f"{_literal(words[0])}%", escape="\\")
    rows = db.session.execute(
        query.order_by(case((starts, 0), else_=1), Account.name, Account.id).limit(limit)
    ).all()
    return [(r.id, _label(r)) for r in rows]


def account_label(user: User, account_id: int) -> tuple[int, str] | None:
    """(id, "Name · City") of one account `user` may see, else None (the picker keeps a
    chosen account offered while the rep searches for another)."""
    row = db.session.execute(
        select(Account.id, Account.name, Account.city)
        .where(account_visibility(user), Account.id == account_id)
    ).first()
    return (row.id, _label(row)) if row else None


def account_choices(user: User) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """(recently touched, all others by name) as (id, "Name · City") for the pickers that still
    list every account (filing a note, a contact or deal opened without an account).

    One query, only the three columns the picker shows. TODO(issue 13): these pickers should
    search like the log-meeting form's (`search_accounts`) instead of listing every account."""
    rows = db.session.execute(
        select(Account.id, Account.name, Account.city, Account.last_touch_at)
        .where(account_visibility(user))
        .order_by(Account.name, Account.id)
    ).all()
    touched = sorted((r for r in rows if r.last_touch_at), key=lambda r: r.last_touch_at,
                     reverse=True)[:RECENT_ACCOUNTS]
    recent_ids = {r.id for r in touched}
    return ([(r.id, _label(r)) for r in touched],
            [(r.id, _label(r)) for r in rows if r.id not in recent_ids])


def account_contacts(account_id: int) -> list[Contact]:
    """The account's contacts, by name (to pick attendees)."""
    return list(db.session.scalars(
        select(Contact).where(Contact.account_id == account_id).order_by(Contact.name, Contact.id)
    ))


def open_opportunities(account_id: int) -> list[Opportunity]:
    """The account's open opportunities, soonest close first (a meeting may be about one)."""
    return list(db.session.scalars(
        select(Opportunity)
        .where(Opportunity.account_id == account_id, Opportunity.stage.in_(OPEN_STAGES))
        .order_by(Opportunity.close_on, Opportunity.id)
    ))


def has_meetings(account_id: int) -> bool:
    """Whether anyone has logged a meeting with this account (else the next is a first one)."""
    return bool(db.session.scalar(select(exists().where(Meeting.account_id == account_id))))


def opportunity_of_account(account_id: int, opportunity_id: int) -> Opportunity | None:
    """The opportunity a meeting names, if it belongs to the meeting's account (which the
    caller has reached through the access filter)."""
    return db.session.scalar(select(Opportunity).where(Opportunity.id == opportunity_id,
                                                       Opportunity.account_id == account_id))
