"""Quick notes: one field, about an account or unfiled."""
from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from webapp.clock import utcnow
from webapp.models import Account, Note, User
from webapp.services.idempotency import existing_for

MAX_NOTE_LENGTH = 50_000  # generous: a pasted e-mail thread fits


class NoteError(ValueError):
    """The note cannot be saved; the message says why."""


def find_note(session: Session, user: User, client_id: str) -> Note | None:
    """The note this user already saved with this client id (a replay), if any."""
    return existing_for(session, Note, client_id, user.id)


def add_note(session: Session, user: User, *, body: str, client_id: str,
             account: Account | None = None) -> Note:
    """Save a quick note (unfiled when `account` is None) and touch the account.

    Idempotent on `client_id`: a repeat returns the note already saved. The caller has
    checked that `user` may see `account`."""
    existing = find_note(session, user, client_id)
    if existing is not None:
        return existing
    body = body.strip()
    if not body:
        raise NoteError("Write the note.")
    if len(body) > MAX_NOTE_LENGTH:
        raise NoteError(f"A note holds at most {MAX_NOTE_LENGTH:,} characters.")
    now = utcnow()
    note = Note(uuid=client_id, user_id=user.id, account_id=account.id if account else None,
                body=body, created_at=now)
    try:
        with session.begin_nested():  # a savepoint: a twin's win undoes only this
            session.add(note)
            session.flush()
            if account is not None and (account.last_touch_at is None
                                        or account.last_touch_at < now):
                account.last_touch_at = now
    except IntegrityError:
        existing = find_note(session, user, client_id)
        if existing is None:
            raise
        return existing
    return note


def file_note(session: Session, user: User, note: Note, account: Account) -> Note:
    """File the user's unfiled note under `account` and touch the account.

    Filing again under the same account changes nothing (a replayed write). The caller has
    checked that the note is the user's and that `user` may see `account`."""
    if note.account_id == account.id:
        return note
    if note.account_id is not None:
        raise NoteError("This note is already filed under another account.")
    note.account_id = account.id
    if account.last_touch_at is None or account.last_touch_at < note.created_at:
        account.last_touch_at = note.created_at
    session.flush()
    return note
