"""Writes for Web Push reminders: a user's settings, a device opting in or out, and sending
what is due (`groundwork reminders send`, from cron) exactly once per sent-log key."""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from webapp.clock import utcnow
from webapp.domain import reminders as rules
from webapp.models import PushSubscription, ReminderSent, User
from webapp.queries import reminders as queries
from webapp.services import web_push

GONE = (404, 410)


class ReminderError(ValueError):
    """Input the reminder settings or a subscription cannot take."""


def save_settings(session: Session, user: User, *, kinds: set[str], slip_days: int,
                  quiet_start: time, quiet_end: time) -> None:
    """Store which kinds the user wants and their quiet hours (their local time)."""
    unknown = kinds - set(rules.KINDS)
    if unknown:
        raise ReminderError(f"Unknown kind of reminder: {', '.join(sorted(unknown))}.")
    if not 1 <= slip_days <= 90:
        raise ReminderError("Between 1 and 90 days.")
    settings = queries.reminder_settings(session, user)
    for kind in rules.KINDS:
        setattr(settings, kind, kind in kinds)
    settings.slip_days = slip_days
    settings.quiet_start = quiet_start
    settings.quiet_end = quiet_end
    settings.updated_at = utcnow()
    session.add(settings)
    session.flush()


def endpoint_hash(endpoint: str) -> str:
    return hashlib.sha256(endpoint.encode()).hexdigest()


def subscribe(session: Session, user: User, *, endpoint: str, p256dh: str, auth: str,
              device: str = "") -> PushSubscription:
    """This device takes the user's notifications from now on. A browser has one
    subscription: signed in as someone else, it now belongs to them."""
    if not endpoint.startswith("https://") and not endpoint.startswith("http://"):
        raise ReminderError("Not a push service address.")
    if not (0 < len(p256dh) <= 200 and 0 < len(auth) <= 64) or len(endpoint) > 2000:
        raise ReminderError("Not a push subscription.")
    key = endpoint_hash(endpoint)
    row = queries.subscription_by_hash(session, key)
    if row is None:
        row = PushSubscription(endpoint=endpoint, endpoint_hash=key)
        session.add(row)
    row.user_id = user.id
    row.p256dh, row.auth, row.device = p256dh, auth, device[:120]
    session.flush()
    return row


def unsubscribe(session: Session, user: User, endpoint: str) -> bool:
    """This device no longer takes the user's notifications. False when it did not."""
    row = queries.subscription_by_hash(session, endpoint_hash(endpoint))
    if row is None or row.user_id != user.id:
        return False
    session.delete(row)
    session.flush()
    return True


@dataclass
class SendResult:
    sent: int = 0  # reminders that reached at least one device
    quiet: bool = False  # inside the user's quiet hours: nothing tried
    removed: int = 0  # subscriptions the push service said are gone
    failed: int = 0  # reminders no device took (tried again on the next run)
    subjects: list[str] = field(default_factory=list)


Push = Callable[[str, str, str, dict, web_push.Vapid], int]


def send_user_reminders(session: Session, user: User, now: datetime, link: queries.Link,
                        vapid: web_push.Vapid, push: Push = web_push.push) -> SendResult:
    """Send `user` what is due now and not sent before, unless it is their quiet time.

    The sent-log row is written (and flushed, so a second run at the same moment hits the
    unique key) before the message goes; when no device took it, the row goes again so the
    next run tries once more. Devices the push service calls gone (404/410) are removed."""
    settings = queries.reminder_settings(session, user)
    result = SendResult()
    if rules.in_quiet_hours(now, user.timezone, settings.quiet_start, settings.quiet_end):
        result.quiet = True
        return result
    today = rules.local_moment(now, user.timezone).date()
    due = queries.due_reminders(session, user, today, settings, link)
    sent = queries.already_sent(session, user, [rules.sent_key(user.id, r) for r in due])
    devices = queries.subscriptions(session, user)
    for reminder in due:
        if rules.sent_key(user.id, reminder) in sent or not devices:
            continue
        log = ReminderSent(user_id=user.id, kind=reminder.kind, subject=reminder.subject,
                           key_day=reminder.key_day, sent_at=now)
        try:
            with session.begin_nested():  # another run at the same moment took this one
                session.add(log)
        except IntegrityError:
            continue
        payload = {"title": reminder.title, "body": reminder.body, "url": reminder.url,
                   "tag": f"{reminder.kind}:{reminder.subject}", "kind": reminder.kind}
        delivered = False
        for device in list(devices):
            status = push(device.endpoint, device.p256dh, device.auth, payload, vapid)
            if 200 <= status < 300:
                delivered = True
                device.last_sent_at = now
            elif status in GONE:
                session.delete(device)
                devices.remove(device)
                result.removed += 1
        if delivered:
            result.sent += 1
            result.subjects.append(reminder.subject)
        else:
            session.delete(log)
            result.failed += 1
        session.flush()
    return result
