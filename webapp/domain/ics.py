"""iCalendar in and out (issue 15): read a calendar's events for a window, recurring ones
expanded (icalendar + recurring-ical-events), and write one event for "Add to my calendar".
Plain values in and out: no database, no request."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events

PAST_DAYS, FUTURE_DAYS = 7, 14  # the window read from a calendar, around today
MAX_MINUTES = 24 * 60


class CalendarFileError(ValueError):
    """The calendar cannot be read; the message says so in words a rep understands."""


@dataclass(frozen=True)
class CalendarEvent:
    key: str  # stable per occurrence: sha256 of UID and the occurrence's own start
    starts_at: datetime  # naive UTC
    duration_minutes: int
    summary: str
    location: str
    attendees: tuple[tuple[str, str], ...]  # (name, e-mail)


def parse_calendar(data: bytes | str) -> icalendar.Calendar:
    """The calendar in `data`, or CalendarFileError with a clear message."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise CalendarFileError("This file is not an iCalendar (.ics) file.") from error
    if "BEGIN:VCALENDAR" not in data[:2000].upper():
        raise CalendarFileError("This file is not an iCalendar (.ics) file: it should start "
                                "with BEGIN:VCALENDAR.")
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except (ValueError, KeyError, IndexError, TypeError) as error:
        raise CalendarFileError("This calendar file is damaged and cannot be read.") from error
    if calendar.name != "VCALENDAR":
        raise CalendarFileError("This file is not an iCalendar (.ics) file.")
    return calendar


def _utc(value, tz: str) -> datetime:
    if value.tzinfo is None:  # a "floating" time: the rep's own
        value = value.replace(tzinfo=ZoneInfo(tz))
    return value.astimezone(UTC).replace(tzinfo=None)


def _text(component, name: str, limit: int) -> str:
    value = component.get(name)
    return " ".join(str(value).split())[:limit] if value is not None else ""


def _attendees(component) -> tuple[tuple[str, str], ...]:
    raw = component.get("ATTENDEE") or []
    if not isinstance(raw, list):
        raw = [raw]
    people = []
    for address in raw:
        email = str(address).strip()
        if email.lower().startswith("mailto:"):
            email = email[7:]
        name = str(getattr(address, "params", {}).get("CN", "")).strip().strip('"')
        if "@" in email:
            people.append((name, email.strip().lower()))
    return tuple(people)


def _event_key(uid: str, occurrence: datetime) -> str:
    return hashlib.sha256(f"{uid}\n{occurrence.isoformat()}".encode()).hexdigest()


def calendar_events(data: bytes | str, *, now: datetime, tz: str) -> list[CalendarEvent]:
    """The timed events of the calendar from PAST_DAYS before `now` (naive UTC) to
    FUTURE_DAYS after, recurring events expanded; all-day and cancelled events left out."""
    calendar = parse_calendar(data)
    start = now.replace(tzinfo=UTC) - timedelta(days=PAST_DAYS)
    end = now.replace(tzinfo=UTC) + timedelta(days=FUTURE_DAYS)
    try:
        occurrences = recurring_ical_events.of(calendar).between(start, end)
    except Exception as error:  # the library raises its own errors for broken rules
        raise CalendarFileError("This calendar has an event the app cannot read "
                                f"({type(error).__name__}).") from error
    events = []
    for event in occurrences:
        if event.name != "VEVENT":
            continue
        dtstart = event.get("DTSTART")
        if dtstart is None or not isinstance(dtstart.dt, datetime):
            continue  # all-day: a holiday or a trip, not a meeting
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        starts = _utc(dtstart.dt, tz)
        dtend = event.get("DTEND")
        if dtend is not None and isinstance(dtend.dt, datetime):
            minutes = int((_utc(dtend.dt, tz) - starts).total_seconds() // 60)
        elif event.get("DURATION") is not None:
            minutes = int(event["DURATION"].dt.total_seconds() // 60)
        else:
            minutes = 30
        if minutes <= 0:  # no end given (the library then ends it where it starts)
            minutes = 30
        recurrence = event.get("RECURRENCE-ID")
        original = _utc(recurrence.dt, tz) if recurrence is not None and isinstance(
            recurrence.dt, datetime) else starts
        uid = str(event.get("UID", "")) or f"{_text(event, 'SUMMARY', 200)}@{starts}"
        events.append(CalendarEvent(
            key=_event_key(uid, original), starts_at=starts,
            duration_minutes=min(max(minutes, 1), MAX_MINUTES),
            summary=_text(event, "SUMMARY", 200), location=_text(event, "LOCATION", 200),
            attendees=_attendees(event)))
    return sorted(events, key=lambda e: e.starts_at)


def _calendar() -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Groundwork//Field sales//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    return calendar


def event_ics(*, uid: str, summary: str, stamp: datetime, starts_at: datetime | None = None,
              duration_minutes: int = 30, on: date | None = None, location: str = "",
              description: str = "", url: str = "") -> bytes:
    """One event as an .ics file: timed (`starts_at`, naive UTC) or all day (`on`)."""
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp.replace(tzinfo=UTC))
    event.add("summary", summary)
    if starts_at is not None:
        event.add("dtstart", starts_at.replace(tzinfo=UTC))
        event.add("dtend", starts_at.replace(tzinfo=UTC) + timedelta(minutes=duration_minutes))
    else:
        event.add("dtstart", on)
        event.add("dtend", on + timedelta(days=1))
    if location:
        event.add("location", location)
    if description:
        event.add("description", description)
    if url:
        event.add("url", url)
    calendar = _calendar()
    calendar.add_component(event)
    return calendar.to_ical()
