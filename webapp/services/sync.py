"""The replay ledger of offline writes: remember the answer given to a client write, and give
the same answer to every repeat of it.

The records a write creates carry its client UUID under a unique constraint (see
`services/idempotency.py`), which is what makes a duplicate impossible, even for two
concurrent replays. The ledger adds the *answer*: a repeat is told exactly what the original
was told (a 303 to the same page), for every kind of write, even when the data has moved on
since (the opportunity was changed again, the update changed nothing, a form rule changed)."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
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
    """Add the answer a write got to the write's own transaction (the request commits them
    together). A concurrent twin that recorded it first wins: only this row is undone."""
    try:
        with session.begin_nested():
            session.add(ClientWrite(key=key, user_id=user_id, kind=kind,
                                    status_code=status_code, location=location[:500],
                                    created_at=utcnow()))
    except IntegrityError:
        pass


# Longer than any plausible offline stretch: a phone's outbox keeps writes through an expired
# session (30 days at most) and a long trip; a write replayed after its ledger row went is still
# never duplicated (the record's unique client id), but its answer may differ from the first.
DEFAULT_LEDGER_DAYS = 90
_PRUNE_BATCH = 1000


def prune_cutoff(days: int) -> datetime:
    """Ledger rows recorded before this moment (naive UTC) are older than `days` days."""
    if days < 1:
        raise ValueError("Keep at least one day of the replay ledger.")
    return utcnow() - timedelta(days=days)


def prune_ledger(session: Session, older_than: datetime, *, dry_run: bool = False) -> int:
    """Delete the replay ledger's rows recorded before `older_than`; returns how many.

    In batches, each committed here on purpose (the one service that commits, like an
    import's batches), so a large first prune never holds SQLite's write lock for long while
    reps sync. Idempotent: a second run finds nothing more to delete."""
    old = select(ClientWrite.key).where(ClientWrite.created_at < older_than)
    if dry_run:
        return session.scalar(select(func.count()).select_from(old.subquery())) or 0
    deleted = 0
    while True:
        keys = session.scalars(old.order_by(ClientWrite.created_at).limit(_PRUNE_BATCH)).all()
        if not keys:
            return deleted
        session.execute(delete(ClientWrite).where(ClientWrite.key.in_(keys)))
        session.commit()
        deleted += len(keys)
