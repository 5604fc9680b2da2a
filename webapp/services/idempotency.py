"""Client ids (idempotency keys) on created records: a replay returns the record it created.

Every record a client creates carries the UUID the client generated for it (the `uuid`
column, unique). A repeat of the same write finds that row and returns it instead of
creating another; two concurrent repeats cannot both insert, the unique constraint refuses
the second, which then returns the first one's row."""
from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from webapp.domain.client_ids import ClientIdTaken

T = TypeVar("T")


def existing_for(session: Session, model: type[T], client_id: str, user_id: int) -> T | None:
    """The record this client id created for this user, if any (ClientIdTaken if another's)."""
    row = session.scalar(select(model).where(model.uuid == client_id))
    if row is not None and row.user_id != user_id:
        raise ClientIdTaken("That client id is already used.")
    return row


def add_once(session: Session, row: T, model: type[T], client_id: str, user_id: int) -> T:
    """Add `row` (made with `client_id`) in a savepoint: if a concurrent twin of the same write
    inserted it first, the unique constraint refuses this one, only the savepoint is undone,
    and the twin's row is returned instead."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        existing = existing_for(session, model, client_id, user_id)
        if existing is None:
            raise
        return existing
    return row
