"""People across companies and old lists: record a move, keep in touch, log a touch, snooze or
dismiss an old-list entry. Session + plain values; add/flush only (the request commits)."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from webapp.clock import utcnow
from webapp.domain.relationships import SNOOZE_DAYS
from webapp.models import (
    TOUCH_KINDS,
    Account,
    Contact,
    ContactPosition,
    KeepInTouch,
    OldListMark,
    Touch,
    User,
)
from webapp.services import audit
from webapp.services.idempotency import add_once, existing_for

MAX_COMPANY = 200
MAX_TITLE = 160


class MoveError(ValueError):
    """The move cannot be recorded; `field` names the form field it is about."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def open_position(session: Session, contact: Contact) -> ContactPosition | None:
    """Where the person is now, when a move put them there (else: their contact's account)."""
    return session.scalar(select(ContactPosition).where(
        ContactPosition.contact_id == contact.id, ContactPosition.ended_on.is_(None))
        .order_by(ContactPosition.id.desc()).limit(1))


def keep_in_touch(session: Session, user: User, contact: Contact) -> KeepInTouch:
    """Put the person on the user's keep-in-touch list (once)."""
    kept = session.scalar(select(KeepInTouch).where(
        KeepInTouch.user_id == user.id, KeepInTouch.contact_id == contact.id))
    if kept is not None:
        return kept
    kept = KeepInTouch(user_id=user.id, contact_id=contact.id, created_at=utcnow())
    try:
        with session.begin_nested():
            session.add(kept)
            session.flush()
    except IntegrityError:  # a twin request added it first
        kept = session.scalar(select(KeepInTouch).where(
            KeepInTouch.user_id == user.id, KeepInTouch.contact_id == contact.id))
    return kept


def record_move(session: Session, user: User, contact: Contact, *, client_id: str,
                account: Account | None = None, company: str = "", title: str = "",
                left_on: date | None = None, champion: bool = False) -> ContactPosition:
    """The person left where they were for `account` (one the user may see), or a company
    known by name only (`company`), or no company yet (neither). The contact row stays the
    same person (meetings, notes, history); the stint they left becomes a past position; the
    user keeps in touch with them. Idempotent on `client_id`. The caller checked that the
    user may reach `contact` and see `account`."""
    done = session.scalar(select(ContactPosition).where(ContactPosition.client_id == client_id))
    if done is not None:
        if done.contact_id != contact.id:
            raise MoveError("client_id", "This change was already used for someone else.")
        return done
    company, title = (company or "").strip(), (title or "").strip()
    today = utcnow().date()
    left_on = left_on or today
    if len(company) > MAX_COMPANY:
        raise MoveError("company", f"A company name holds at most {MAX_COMPANY} characters.")
    if len(title) > MAX_TITLE:
        raise MoveError("title", f"A title holds at most {MAX_TITLE} characters.")
    if left_on > today:
        raise MoveError("left_on", "Record a move once it has happened.")
    if account is not None and company:
        raise MoveError("company", "Choose an account or type a company, not both.")
    current = open_position(session, contact)
    if account is not None and contact.left_on is None and current is None \
            and account.id == contact.account_id:
        raise MoveError("company", f"{contact.name} already works at {account.name}.")
    if current is not None:
        current.ended_on = max(left_on, current.started_on or left_on)
    else:
        started = contact.created_at.date() if contact.created_at else None
        session.add(ContactPosition(
            contact_id=contact.id, account_id=contact.account_id, title=contact.title or "",
            started_on=started if started and started <= left_on else None, ended_on=left_on,
            recorded_by_id=user.id, created_at=utcnow()))
    moved_from = contact.account_id
    position = ContactPosition(contact_id=contact.id, account_id=account.id if account else None,
                               company_name="" if account else company, title=title,
                               started_on=left_on, recorded_by_id=user.id, created_at=utcnow(),
                               client_id=client_id)
    session.add(position)
    if account is not None:
        contact.account_id = account.id
        contact.left_on = None
    else:
        contact.left_on = left_on
    contact.title = title
    contact.champion = contact.champion or champion
    contact.version = (contact.version or 1) + 1
    session.flush()
    keep_in_touch(session, user, contact)
    audit.record(session, user, "contact.moved", "contact", contact.id,
                 account_id=[moved_from, contact.account_id], company=company or None)
    return position


def record_import_move(session: Session, contact_id: int, from_account_id: int,
                       to_account_id: int, title_before: str, keepers: list[int],
                       created_at, on: date) -> list[tuple[str, int]]:
    """What the import adds when it finds a known person (by e-mail) at a new account: the
    stint they left, the new one, and the old account's owner keeping in touch. Returns the
    (table, id) rows it inserted, for the import's undo log."""
    made: list[tuple[str, int]] = []
    previous = session.scalar(select(ContactPosition).where(
        ContactPosition.contact_id == contact_id, ContactPosition.ended_on.is_(None)))
    if previous is not None:
        previous.ended_on = on
    else:
        past = ContactPosition(contact_id=contact_id, account_id=from_account_id,
                               title=title_before or "", ended_on=on, created_at=created_at)
        session.add(past)
        session.flush()
        made.append((ContactPosition.__tablename__, past.id))
    for user_id in keepers:
        exists = session.scalar(select(KeepInTouch.id).where(
            KeepInTouch.user_id == user_id, KeepInTouch.contact_id == contact_id))
        if exists is None:
            kept = KeepInTouch(user_id=user_id, contact_id=contact_id, created_at=created_at)
            session.add(kept)
            session.flush()
            made.append((KeepInTouch.__tablename__, kept.id))
    current = ContactPosition(contact_id=contact_id, account_id=to_account_id, started_on=on,
                              created_at=created_at)
    session.add(current)
    session.flush()
    made.append((ContactPosition.__tablename__, current.id))
    return made


def log_touch(session: Session, user: User, *, client_id: str, kind: str,
              contact: Contact | None = None, account: Account | None = None) -> Touch:
    """The user reached someone: a person (kept in touch with, or at a visible account) or an
    account (its old-list entry). Idempotent on `client_id`. The caller checked access."""
    done = existing_for(session, Touch, client_id, user.id)
    if done is not None:
        return done
    if kind not in TOUCH_KINDS:
        raise MoveError("kind", "Say how you reached them.")
    if contact is None and account is None:
        raise MoveError("contact_id", "Say whom you reached.")
    now = utcnow()
    if account is None and contact is not None and contact.left_on is None:
        account = contact.account
    touch = Touch(uuid=client_id, user_id=user.id, contact_id=contact.id if contact else None,
                  account_id=account.id if account else None, kind=kind, touched_at=now)
    saved = add_once(session, touch, Touch, client_id, user.id)
    if saved is not touch:
        return saved  # a concurrent twin of this write saved it first
    if account is not None and account.owner_id == user.id \
            and (account.last_touch_at is None or account.last_touch_at < now):
        account.last_touch_at = now
    return touch


def mark_old_list(session: Session, user: User, account: Account, *, action: str,
                  days: int = SNOOZE_DAYS) -> OldListMark:
    """Snooze the account's old-list entry for `days`, or dismiss it for good. Setting the
    same again changes nothing (a replay)."""
    if action not in ("snooze", "dismiss"):
        raise MoveError("action", "Snooze or dismiss.")
    mark = session.scalar(select(OldListMark).where(
        OldListMark.user_id == user.id, OldListMark.account_id == account.id))
    now = utcnow()
    if mark is None:
        mark = OldListMark(user_id=user.id, account_id=account.id, updated_at=now)
        session.add(mark)
    if action == "snooze":
        mark.snoozed_until = now.date() + timedelta(days=days)
    else:
        mark.dismissed_at = mark.dismissed_at or now
    mark.updated_at = now
    session.flush()
    return mark
