"""Exports leave the building: each one is written to the audit log before it is sent."""
from __future__ import annotations

from sqlalchemy.orm import Session

from webapp.models import User
from webapp.services import audit


def record_export(session: Session, user: User, kind: str) -> None:
    """Record that `user` exported their visible `kind`; the caller commits."""
    audit.record(session, user, f"export.{kind}", "export", kind)
    session.flush()
