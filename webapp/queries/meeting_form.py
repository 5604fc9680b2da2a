"""Reads for the log-meeting and quick-note forms: the account picker and what belongs to the
chosen account (its contacts and open opportunities)."""
from __future__ import annotations

from sqlalchemy import exists, select

from webapp.extensions import db
from webapp.models import OPEN_STAGES, Account, Contact, Meeting, Opportunity, User
from webapp.queries.access import account_visibility

RECENT_ACCOUNTS = 5


def account_choices(user: User) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """(recently touched, all others by name) as (id, "Name · City") for the account picker.

    One query, only the three columns the picker shows, whatever the territory's size."""
    rows = db.session.execute(
        select(Account.id, Account.name, Account.city, Account.last_touch_at)
        .where(account_visibility(user))
        .order_by(Account.name, Account.id)
    ).all()

    def label(row) -> str:
        return f"{row.name} · {row.city}" if row.city else row.name

    touched = sorted((r for r in rows if r.last_touch_at), key=lambda r: r.last_touch_at,
                     reverse=True)[:RECENT_ACCOUNTS]
    recent_ids = {r.id for r in touched}
    return ([(r.id, label(r)) for r in touched],
            [(r.id, label(r)) for r in rows if r.id not in recent_ids])


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
