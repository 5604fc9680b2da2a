"""Reads for the import pages: one upload of the signed-in user, and their recent ones."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.models import ImportJob, User

RECENT = 8


def get_job(session: Session, user: User, token: str) -> ImportJob | None:
    """The upload `token` of `user` (None: unknown, forgotten, or someone else's). The file
    itself is not loaded."""
    if not token or len(token) > 64:
        return None
    return session.scalar(select(ImportJob).where(ImportJob.token == token,
                                                  ImportJob.user_id == user.id))


def recent_jobs(session: Session, user: User) -> list[ImportJob]:
    """The user's latest uploads, newest first."""
    stmt = (select(ImportJob).where(ImportJob.user_id == user.id)
            .order_by(ImportJob.created_at.desc(), ImportJob.id.desc()).limit(RECENT))
    return list(session.scalars(stmt))
