"""Capturing what a rep meets in the field: a new account, a contact, a contact's new details.

Each record carries the client id the form (or the phone, offline) made for it in its `uuid`
column, so a replay of the same write returns the record it made instead of a second one, and
writes queued after it on the phone (a contact at the new account, a deal on it) can name it
before it has a database id. Every creation and change is in the audit log."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from webapp.clock import utcnow
from webapp.domain.client_ids import ClientIdTaken
from webapp.models import SEGMENTS, Account, Contact, User
from webapp.services import audit

CONTACT_FIELDS = ("name", "title", "phone", "email")


class CaptureError(ValueError):
    """A value the record cannot take; `field` names the form field."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class NewAccount:
    name: str
    city: str = ""
    region: str = ""
    country: str = "US"
    industry: str = ""
    segment: str = "Mid-Market"
    phone: str = ""
    website: str = ""


@dataclass(frozen=True)
class ContactDetails:
    name: str
    title: str = ""
    phone: str = ""
    email: str = ""


def _made_by(session: Session, model, client_id: str, check) -> object | None:
    """The record this client id already made, if the same user's write made it (a replay);
    ClientIdTaken when the id belongs to a record the user may not have."""
    row = session.scalar(select(model).where(model.uuid == client_id))
    if row is not None and not check(row):
        raise ClientIdTaken("That client id is already used.")
    return row


def create_account(session: Session, user: User, values: NewAccount, *,
                   client_id: str) -> tuple[Account, bool]:
    """A new account owned by `user` (the rep who met the company); commits.

    Returns (account, created): a repeat of the same client id returns the account it made,
    with created False. The caller has offered possible duplicates already."""
    existing = _made_by(session, Account, client_id, lambda a: a.owner_id == user.id)
    if existing is not None:
        return existing, False
    name = values.name.strip()
    if not name:
        raise CaptureError("name", "Name the company.")
    if values.segment not in SEGMENTS:
        raise CaptureError("segment", "Choose a segment.")
    now = utcnow()
    account = Account(
        uuid=client_id, name=name, city=values.city.strip(), region=values.region.strip(),
        country=(values.country.strip() or "US").upper()[:2], industry=values.industry.strip(),
        segment=values.segment, phone=values.phone.strip(), website=values.website.strip(),
        owner_id=user.id, status="prospect", created_at=now, updated_at=now,
    )
    try:
        session.add(account)
        session.flush()
        audit.record(session, user, "account.created", "account", account.id, name=name,
                     client_id=client_id)
        session.commit()
    except IntegrityError:
        session.rollback()  # a concurrent replay of the same write made it first
        existing = _made_by(session, Account, client_id, lambda a: a.owner_id == user.id)
        if existing is None:
            raise
        return existing, False
    return account, True


def _clean(details: ContactDetails) -> dict[str, str]:
    values = {name: (getattr(details, name) or "").strip() for name in CONTACT_FIELDS}
    if not values["name"]:
        raise CaptureError("name", "Enter the person's name.")
    return values


def create_contact(session: Session, user: User, account: Account, details: ContactDetails, *,
                   client_id: str) -> tuple[Contact, bool]:
    """A new contact at `account`; commits. Returns (contact, created); a repeat of the same
    client id returns the contact it made. The caller has checked that `user` may see
    `account`."""
    existing = _made_by(session, Contact, client_id, lambda c: c.account_id == account.id)
    if existing is not None:
        return existing, False
    values = _clean(details)
    contact = Contact(uuid=client_id, account_id=account.id, created_at=utcnow(), **values)
    try:
        session.add(contact)
        session.flush()
        audit.record(session, user, "contact.created", "contact", contact.id,
                     account_id=account.id, name=values["name"], client_id=client_id)
        session.commit()
    except IntegrityError:
        session.rollback()
        existing = _made_by(session, Contact, client_id, lambda c: c.account_id == account.id)
        if existing is None:
            raise
        return existing, False
    return contact, True


def update_contact(session: Session, user: User, contact: Contact,
                   details: ContactDetails) -> dict[str, tuple[str, str]]:
    """Apply the contact's new details; commits. Returns what changed (field: (old, new));
    a repeat of the same change changes nothing. The caller has checked access."""
    values = _clean(details)
    changed = {name: (getattr(contact, name), value) for name, value in values.items()
               if getattr(contact, name) != value}
    if not changed:
        return {}
    for name, (_, value) in changed.items():
        setattr(contact, name, value)
    audit.record(session, user, "contact.changed", "contact", contact.id,
                 account_id=contact.account_id,
                 **{name: f"{old} → {new}" for name, (old, new) in changed.items()})
    session.commit()
    return changed
