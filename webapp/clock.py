"""The one source of 'now', so tests can inject a clock instead of sleeping."""
from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context


def utcnow() -> datetime:
    """Naive UTC 'now' (the database stores naive UTC); tests set app.config['CLOCK']."""
    if has_app_context():
        clock = current_app.config.get("CLOCK")
        if clock is not None:
            return clock()
    return datetime.now(UTC).replace(tzinfo=None)


def local_now(tz: str) -> datetime:
    """'Now' in the user's time zone, naive, for form defaults and 'today'."""
    return utcnow().replace(tzinfo=UTC).astimezone(ZoneInfo(tz)).replace(tzinfo=None)


def local_today(tz: str) -> date:
    return local_now(tz).date()


def to_local(value: datetime, tz: str) -> datetime:
    return value.replace(tzinfo=UTC).astimezone(ZoneInfo(tz)).replace(tzinfo=None)


def to_utc(value: datetime, tz: str) -> datetime:
    """A naive local datetime typed by the user, to naive UTC."""
    return value.replace(tzinfo=ZoneInfo(tz)).astimezone(UTC).replace(tzinfo=None)
