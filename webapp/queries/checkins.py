"""Reads for check-ins: the rep's open one (the account page asks about it)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.domain.checkins import is_stale
from webapp.domain.client_ids import parse_client_id
from webapp.models import CheckIn, User


def own_checkin_by_ref(session: Session, user: User, ref: str | None) -> CheckIn | None:
    """The user's own check-in by the client id the phone made for it, or None (a meeting
    form that names a check-in that is not theirs, or not there, just logs the meeting)."""
    client_id = parse_client_id(ref)
    if client_id is None:
        return None
    return session.scalar(select(CheckIn).where(CheckIn.uuid == client_id,
                                                CheckIn.user_id == user.id))


def visit_state(found: tuple[CheckIn, str] | None, now) -> dict | None:
    """What the account page's check-in section needs about the open check-in (a plain dict:
    the template and static/js/checkin.js read the same values)."""
    if found is None:
        return None
    checkin, account_name = found
    return {"id": checkin.uuid, "account_id": checkin.account_id, "account_name": account_name,
            "in_at": checkin.in_at, "stale": is_stale(checkin.in_at, now)}
