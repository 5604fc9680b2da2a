"""Capturing what a rep meets in the field: a new account, a contact, a contact's new details.

Each record carries the client id the form (or the phone, offline) made for it in its `uuid`
column, so a replay of the same write returns the record it made instead of a second one, and
writes queued after it on the phone (a contact at the new account, a deal on it) can name it
before it has a database id. Every creation and change is in the audit log."""
from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from webapp.clock import utcnow
from webapp.domain.client_ids import ClientIdTaken
from webapp.models import SEGMENTS, Account, AuditEvent, Contact, User
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
    """A new account owned by `user` (the rep who met the company).

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
        with session.begin_nested():  # a savepoint: a twin's win undoes only this
            session.add(account)
            session.flush()
            audit.record(session, user, "account.created", "account", account.id, name=name,
                         client_id=client_id)
    except IntegrityError:
        # a concurrent replay of the same write made it first
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
    """A new contact at `account`. Returns (contact, created); a repeat of the same
    client id returns the contact it made. The caller has checked that `user` may see
    `account`."""
    existing = _made_by(session, Contact, client_id, lambda c: c.account_id == account.id)
    if existing is not None:
        return existing, False
    values = _clean(details)
    contact = Contact(uuid=client_id, account_id=account.id, created_at=utcnow(), **values)
    try:
        with session.begin_nested():  # a savepoint: a twin's win undoes only this
            session.add(contact)
            session.flush()
            audit.record(session, user, "contact.created", "contact", contact.id,
                         account_id=account.id, name=values["name"], client_id=client_id)
    except IntegrityError:
        existing = _made_by(session, Contact, client_id, lambda c: c.account_id == account.id)
        if existing is None:
            raise
        return existing, False
    return contact, True


class ContactConflict(Exception):
    """An edit made on an older version met someone else's change of a field the rep changed
    too. Nothing was applied. `conflicts` lists (field, yours, theirs, started from); `keep`
    holds what the edit would save otherwise; `changed_by` / `changed_at` say who and when;
    a resolution is based on `current_version`."""

    def __init__(self, contact: Contact, conflicts: list[tuple[str, str, str, str]],
                 keep: dict[str, str], changed_by: list[str], changed_at):
        super().__init__(f"Contact {contact.id} changed meanwhile.")
        self.contact = contact
        self.conflicts = conflicts
        self.keep = keep
        self.changed_by = changed_by
        self.changed_at = changed_at
        self.current_version = contact.version


@dataclass(frozen=True)
class _LaterChange:
    fields: frozenset[str]
    actor_id: int | None
    actor_name: str | None
    at: object


def _changes_since(session: Session, contact: Contact, version: int) -> list[_LaterChange]:
    """The changes of the contact after `version`, from the audit log (each records the
    version it made and who made it)."""
    rows = session.execute(
        select(AuditEvent.detail, AuditEvent.actor_id, User.name, AuditEvent.at)
        .outerjoin(User, AuditEvent.actor_id == User.id)
        .where(AuditEvent.action == "contact.changed", AuditEvent.target_type == "contact",
               AuditEvent.target_id == str(contact.id))
        .order_by(AuditEvent.id)).all()
    later = []
    for detail, actor_id, actor_name, at in rows:
        values = json.loads(detail or "{}")
        if int(values.get("version") or 0) > version:
            later.append(_LaterChange(frozenset(values) & set(CONTACT_FIELDS), actor_id,
                                      actor_name, at))
    return later


def _merge(yours: dict[str, str], current: dict[str, str], base: dict[str, str],
           others_changed: set[str]) -> tuple[dict[str, str], list[tuple[str, str, str, str]]]:
    """The opportunity edit's rule: only the fields the rep changed from `base` are applied (a
    stale form also posts what it was shown, which must not undo a colleague's change); a field
    is a conflict only when someone else changed it too and to something else."""
    apply, conflicts = {}, []
    for name in CONTACT_FIELDS:
        if yours[name] == base[name]:
            continue
        if name in others_changed and yours[name] != current[name]:
            conflicts.append((name, yours[name], current[name], base[name]))
        else:
            apply[name] = yours[name]
    return apply, conflicts


def update_contact(session: Session, user: User, contact: Contact, details: ContactDetails, *,
                   based_on_version: int | None = None, base: ContactDetails | None = None,
                   _retried: bool = False) -> dict[str, tuple[str, str]]:
    """Apply the contact's new details. Returns what changed (field: (old, new));
    a repeat of the same change changes nothing. The caller has checked access.

    An edit made on an older version (`based_on_version`, the form having shown `base`) is
    merged as an opportunity edit is: the fields the rep changed are applied unless someone
    else changed one of them too since (ContactConflict, nothing applied); the rep's own
    earlier queued edits never count against them."""
    values = _clean(details)
    current = {name: getattr(contact, name) or "" for name in CONTACT_FIELDS}
    if based_on_version is not None and based_on_version != contact.version:
        if not 1 <= based_on_version < contact.version:
            raise CaptureError("name", "This form is for a version that does not exist. "
                                       "Reload the contact.")
        later = _changes_since(session, contact, based_on_version)
        by_others = [c for c in later if c.actor_id != user.id]
        others_changed = {name for c in by_others for name in c.fields}
        started = {name: (getattr(base, name) or "").strip() for name in CONTACT_FIELDS} \
            if base is not None else dict(current)
        apply, conflicts = _merge(values, current, started, others_changed)
        if conflicts:
            fields = {c[0] for c in conflicts}
            theirs = [c for c in by_others if c.fields & fields]
            raise ContactConflict(contact, conflicts, apply,
                                  list(dict.fromkeys(c.actor_name or "An import" for c in theirs)),
                                  max((c.at for c in theirs), default=None))
        values = {**current, **apply}
    changed = {name: (current[name], value) for name, value in values.items()
               if current[name] != value}
    if not changed:
        return {}
    version = contact.version
    # Compare-and-set: of two concurrent edits of one version only one may win.
    claimed = session.execute(
        update(Contact).where(Contact.id == contact.id, Contact.version == version)
        .values(version=version + 1).execution_options(synchronize_session=False)).rowcount
    if claimed != 1:  # the winner has committed: read it (READ COMMITTED) and merge again
        session.refresh(contact)
        if _retried:
            raise ContactConflict(contact, [], {}, [], None)
        return update_contact(session, user, contact, details,
                              based_on_version=based_on_version or version, base=base,
                              _retried=True)
    for name, (_, value) in changed.items():
        setattr(contact, name, value)
    contact.version = version + 1
    audit.record(session, user, "contact.changed", "contact", contact.id,
                 account_id=contact.account_id, version=contact.version,
                 **{name: f"{old} → {new}" for name, (old, new) in changed.items()})
    session.flush()
    return changed
