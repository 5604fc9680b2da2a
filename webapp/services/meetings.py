"""Logging a meeting (with what each side committed to) and touching the account."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from webapp.clock import utcnow
from webapp.models import (MEETING_INITIATORS, MEETING_KINDS, Account, Commitment, Meeting,
                           Opportunity, User)
from webapp.services.idempotency import existing_for

# A meeting is logged after it happened; a day of slack covers a phone in another time zone.
FUTURE_SLACK = timedelta(days=1)


class MeetingError(ValueError):
    """The meeting cannot be logged; `field` names the form field, the message says why."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Promise:
    """One side's commitment from a meeting: what, and by when (optional)."""

    description: str
    due_on: date | None = None


def find_logged_meeting(session: Session, user: User, client_id: str) -> Meeting | None:
    """The meeting this user already logged with this client id (a replay), if any."""
    return existing_for(session, Meeting, client_id, user.id)


def log_meeting(session: Session, user: User, account: Account, *, client_id: str, notes: str,
                started_at: datetime | None = None, kind: str = "in_person",
                duration_minutes: int = 30, location: str = "", attendees: str = "",
                engagement: int | None = None, initiated_by: str | None = None,
                is_first_meeting: bool = False,
                opportunity: Opportunity | None = None, theirs: Promise | None = None,
                ours: Promise | None = None) -> Meeting:
    """Record a meeting (naive UTC `started_at`, default now) and its commitments.

    Idempotent on `client_id`: a repeat returns the meeting already logged and changes
    nothing. The meeting, its commitments and the account's last touch are saved together
    or not at all. The caller has checked that `user` may see `account`."""
    existing = find_logged_meeting(session, user, client_id)
    if existing is not None:
        return existing
    now = utcnow()
    started_at = started_at or now
    if not notes.strip():
        raise MeetingError("notes", "Write a few words about the meeting.")
    if kind not in MEETING_KINDS:
        raise MeetingError("kind", "Choose how you met.")
    if not 1 <= duration_minutes <= 24 * 60:
        raise MeetingError("duration_minutes", "A meeting lasts between 1 minute and 24 hours.")
    if engagement is not None and not 1 <= engagement <= 5:
        raise MeetingError("engagement", "Engagement is 1 to 5.")
    if initiated_by is not None and initiated_by not in MEETING_INITIATORS:
        raise MeetingError("initiated_by", "Choose who asked for the meeting.")
    if started_at > now + FUTURE_SLACK:
        raise MeetingError("started_at", "That is in the future: log a meeting after it happened.")
    if opportunity is not None and opportunity.account_id != account.id:
        raise MeetingError("opportunity_id", "That opportunity belongs to another account.")

    meeting = Meeting(
        uuid=client_id, account_id=account.id, user_id=user.id,
        opportunity_id=opportunity.id if opportunity else None, started_at=started_at,
        kind=kind, duration_minutes=duration_minutes, location=location.strip(),
        attendees=attendees.strip(), engagement=engagement, initiated_by=initiated_by,
        notes=notes.strip(),
        is_first_meeting=is_first_meeting, created_at=now,
    )
    # A meeting logged late does not make an account look touched in the future.
    touched = min(started_at, now)
    try:
        with session.begin_nested():  # a savepoint: a twin's win undoes only this
            session.add(meeting)
            session.flush()  # the meeting's id; a duplicate client id fails here
            for party, promise in (("theirs", theirs), ("ours", ours)):
                if promise is not None and promise.description.strip():
                    session.add(Commitment(account_id=account.id, meeting_id=meeting.id,
                                           party=party, description=promise.description.strip(),
                                           due_on=promise.due_on, created_at=now))
            if account.last_touch_at is None or account.last_touch_at < touched:
                account.last_touch_at = touched
    except IntegrityError:
        # A concurrent replay of the same write won the race: answer with its meeting.
        existing = find_logged_meeting(session, user, client_id)
        if existing is None:
            raise
        return existing
    return meeting
