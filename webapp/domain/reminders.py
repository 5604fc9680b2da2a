"""Reminders that reach the rep: which are due, when not to disturb, and the key that makes a
reminder go out at most once. Pure rules (no Flask, no database): the queries gather the facts,
these decide."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

COMMITMENTS = "commitments"
SLIPPING = "slipping"
TERRITORY = "territory"
QUEUED = "queued"
# In the order the settings page lists them.
KINDS = (COMMITMENTS, SLIPPING, TERRITORY, QUEUED)
KIND_LABELS = {
    COMMITMENTS: "Commitments due today",
    SLIPPING: "Deals about to slip",
    TERRITORY: "Territory changes for me",
    QUEUED: "Offline changes to fix",
}
DEFAULT_QUIET_START = time(20, 0)
DEFAULT_QUIET_END = time(7, 30)
DEFAULT_SLIP_DAYS = 14
# A deal untouched this long is stale even with a next step written down.
STALE_DAYS = 21


def local_moment(now_utc: datetime, tz: str) -> datetime:
    """A naive UTC instant as a naive wall-clock time in `tz`."""
    return now_utc.replace(tzinfo=UTC).astimezone(ZoneInfo(tz)).replace(tzinfo=None)


def in_quiet_hours(now_utc: datetime, tz: str, start: time, end: time) -> bool:
    """True when the user's local time is inside [start, end). The window may wrap midnight
    (20:00–07:30); start == end means no quiet hours."""
    if start == end:
        return False
    clock = local_moment(now_utc, tz).time()
    if start < end:
        return start <= clock < end
    return clock >= start or clock < end


@dataclass(frozen=True)
class Reminder:
    """One reminder for one user: what it is about and where tapping it leads."""

    kind: str
    subject: str  # "commitment:12", "opportunity:7", "plan:3"
    title: str
    body: str
    url: str
    key_day: date  # the day the reminder belongs to (see sent_key)


def sent_key(user_id: int, reminder: Reminder) -> tuple[int, str, str, date]:
    """The idempotency key of the sent-log: a reminder with the same key is never sent twice."""
    return (user_id, reminder.kind, reminder.subject, reminder.key_day)


def commitment_due(due_on: date | None, kept: bool | None, today: date) -> bool:
    """An open commitment is due on its day (the day it names, in the user's time zone)."""
    return kept is None and due_on == today


def commitment_reminder(commitment_id: int, party: str, description: str, account_name: str,
                        due_on: date, url: str) -> Reminder:
    who = "You promised" if party == "ours" else f"{account_name} promised"
    return Reminder(COMMITMENTS, f"commitment:{commitment_id}", f"Due today: {account_name}",
                    f"{who}: {description}"[:200], url, due_on)


def slip_reason(close_on: date, next_step: str, next_step_on: date | None, updated_on: date,
                today: date, within_days: int = DEFAULT_SLIP_DAYS,
                stale_days: int = STALE_DAYS) -> str | None:
    """Why an open deal is about to slip, or None: it closes within `within_days` (or its
    close date has passed) and has no next step, a next step whose day has passed, or has not
    been touched for `stale_days`."""
    if (close_on - today).days > within_days:
        return None
    if not next_step.strip():
        return "no next step"
    if next_step_on is not None and next_step_on < today:
        return "its next step is overdue"
    if (today - updated_on).days >= stale_days:
        return f"untouched for {(today - updated_on).days} days"
    return None


def week_of(day: date) -> date:
    """The Monday of `day`'s week: a slipping deal is worth one nudge a week, not one a day."""
    return day - timedelta(days=day.weekday())


def slipping_reminder(opportunity_id: int, name: str, close_on: date, reason: str, today: date,
                      url: str) -> Reminder:
    closes = "closed" if close_on < today else "closes"
    return Reminder(SLIPPING, f"opportunity:{opportunity_id}", f"About to slip: {name}"[:120],
                    f"It {closes} on {close_on.isoformat()} and {reason}.", url, week_of(today))


def territory_due(announced_on: date, effective_on: date, today: date) -> bool:
    """A change is worth telling from its announcement until it takes effect."""
    return announced_on <= today <= effective_on


def territory_reminder(plan_id: int, plan_name: str, gaining: int, losing: int,
                       announced_on: date, effective_on: date, url: str) -> Reminder:
    parts = []
    if gaining:
        parts.append(f"you gain {gaining} account{'s' if gaining != 1 else ''}")
    if losing:
        parts.append(f"{losing} account{'s' if losing != 1 else ''} move{'s' if losing == 1 else ''}"
                     " away")
    body = (" and ".join(parts) or "your accounts change") + f" from {effective_on.isoformat()}."
    # Keyed by the announcement day: told once per plan, whichever day the cron reaches them.
    return Reminder(TERRITORY, f"plan:{plan_id}", f"Territory change: {plan_name}"[:120],
                    body[0].upper() + body[1:], url, announced_on)
