"""Check-in and check-out: the visit's time (and place, if the phone gave it) from two taps."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from webapp.clock import utcnow
from webapp.domain.checkins import CheckInError, departure, valid_position
from webapp.models import Account, CheckIn, Meeting, User
from webapp.services.idempotency import add_once, existing_for

__all__ = ["CheckInError", "check_in", "check_out", "discard", "link_meeting"]


def check_in(session: Session, user: User, account: Account, *, client_id: str,
             at: datetime, latitude: float | None = None,
             longitude: float | None = None) -> CheckIn:
    """Record that `user` arrived at `account` at `at` (naive UTC). An open check-in elsewhere
    stays open: the phone asks the rep about it, nothing closes it by guessing.

    Idempotent on `client_id`. The caller has checked that `user` may see `account`."""
    existing = existing_for(session, CheckIn, client_id, user.id)
    if existing is not None:
        return existing
    if not valid_position(latitude, longitude):
        raise CheckInError("The position is not on the map.")
    checkin = CheckIn(uuid=client_id, user_id=user.id, account_id=account.id, in_at=at,
                      latitude=latitude, longitude=longitude)
    return add_once(session, checkin, CheckIn, client_id, user.id)


def check_out(session: Session, user: User, checkin: CheckIn, *, at: datetime) -> CheckIn:
    """Record when the rep left (tapped, or told afterwards). Checking out again keeps the
    first departure (a second phone's tap or a replay changes nothing)."""
    if checkin.discarded_at is not None:
        raise CheckInError("That check-in was discarded.")
    if checkin.out_at is not None:
        return checkin
    checkin.out_at = departure(checkin.in_at, at, utcnow())
    session.flush()
    return checkin


def discard(session: Session, user: User, checkin: CheckIn) -> CheckIn:
    """The rep says the check-in was a mistake (or they do not know when they left): it stays
    out of everything, and nothing is guessed."""
    if checkin.discarded_at is None and checkin.meeting_id is None:
        checkin.discarded_at = utcnow()
        session.flush()
    return checkin


def link_meeting(session: Session, user: User, checkin: CheckIn, meeting: Meeting) -> None:
    """The meeting logged for this visit (the first one logged from it stays)."""
    if checkin.meeting_id is None and meeting.account_id == checkin.account_id:
        checkin.meeting_id = meeting.id
        session.flush()
