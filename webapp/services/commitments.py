"""Equality of effort: marking what someone committed to as kept or not kept."""
from __future__ import annotations

from sqlalchemy.orm import Session

from webapp.clock import utcnow
from webapp.models import Commitment, User


def resolve_commitment(session: Session, user: User, commitment: Commitment, *,
                       kept: bool | None) -> Commitment:
    """Mark the commitment kept (True), not kept (False) or open again (None).

    Setting the same answer twice changes nothing, so a replay is harmless. The caller has
    checked that `user` may see the commitment's account."""
    if commitment.kept is kept and (kept is None) == (commitment.resolved_at is None):
        return commitment
    commitment.kept = kept
    commitment.resolved_at = None if kept is None else utcnow()
    session.flush()
    return commitment
