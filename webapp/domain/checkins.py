"""Check-in rules: which time a tap on the phone stands for, how long a visit was, and when an
open check-in is old enough that the rep is asked what happened (hours are never invented)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

# A phone's clock may run a little ahead of the server's: up to this is "now".
CLOCK_SKEW = timedelta(minutes=10)
# The outbox may send a tap days later; older than this is not a tap we believe.
OLDEST_TAP = timedelta(days=30)
# A check-in still open after this long was probably forgotten: ask, never close it by itself.
STALE_AFTER = timedelta(hours=12)
# No visit is longer than this; a "left at" further from the arrival is a typo.
LONGEST_VISIT = timedelta(hours=24)


class CheckInError(ValueError):
    """A tap or an answer that cannot be right; the message says why, in the rep's words."""


def tapped_at(sent: str | None, now: datetime) -> datetime:
    """The naive UTC moment the rep tapped, from the phone's ISO time ("…Z"); `now` when the
    phone sent none (a plain form without JavaScript). A phone clock slightly ahead counts as
    now; one far ahead or a tap older than OLDEST_TAP is refused."""
    text = (sent or "").strip()
    if not text:
        return now
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise CheckInError("The time of the tap is not a time.") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    if moment > now + CLOCK_SKEW:
        raise CheckInError("The phone's clock is ahead: check its date and time.")
    if moment < now - OLDEST_TAP:
        raise CheckInError("That tap is more than 30 days old.")
    return min(moment, now)


def departure(in_at: datetime, out_at: datetime, now: datetime) -> datetime:
    """A departure time the rep gave (or tapped): after the arrival, not in the future, and
    within a day of arriving."""
    if out_at < in_at:
        raise CheckInError("Leaving comes after arriving: pick a later time.")
    if out_at > now + CLOCK_SKEW:
        raise CheckInError("That time has not come yet.")
    if out_at - in_at > LONGEST_VISIT:
        raise CheckInError("A visit of more than a day? Pick the time you left.")
    return min(out_at, now)


def visit_minutes(in_at: datetime, out_at: datetime) -> int:
    """The visit's length for the meeting form: whole minutes, at least one."""
    return max(1, round((out_at - in_at).total_seconds() / 60))


def is_stale(in_at: datetime, now: datetime) -> bool:
    """An open check-in this old is asked about instead of offering "Check out"."""
    return now - in_at > STALE_AFTER


def valid_position(latitude: float | None, longitude: float | None) -> bool:
    """Both or neither, and on the globe."""
    if latitude is None and longitude is None:
        return True
    if latitude is None or longitude is None:
        return False
    return -90 <= latitude <= 90 and -180 <= longitude <= 180
