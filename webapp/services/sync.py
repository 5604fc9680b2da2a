"""The replay ledger of offline writes: remember the answer given to a client write, and give
the same answer to every repeat of it.

The records a write creates carry its client UUID under a unique constraint (see
`services/idempotency.py`), which is what makes a duplicate impossible, even for two
concurrent replays. The ledger adds the *answer*: a repeat is told exactly what the original
was told (a 303 to the same page), for every kind of write, even when the data has moved on
since (the opportunity was changed again, the update changed nothing, a form rule changed)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from webapp.clock import utcnow
from webapp.models import ClientWrite


def original_answer(session: Session, user_id: int, key: str) -> ClientWrite | None:
    """The answer already given to this user's write `key`, if it was confirmed before."""
    return session.scalar(
        select(ClientWrite).where(ClientWrite.key == key, ClientWrite.user_id == user_id)
    )


def remember_answer(session: Session, user_id: int, key: str, kind: str, status_code: int,
                    location: str) -> None:
    """Record the answer a write got; commits. A concurrent twin that recorded it first wins."""
    session.add(ClientWrite(key=key, user_id=user_id, kind=kind, status_code=status_code,
                            location=location[:500], created_at=utcnow()))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()


