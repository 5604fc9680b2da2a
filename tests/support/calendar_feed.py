"""Calendar files for the calendar tests, and a WSGI app that serves them (run it with
tests/support/server.py's `serving`): a local HTTP server standing in for Google's or
Outlook's calendar address."""
from __future__ import annotations

from datetime import datetime, timedelta


def _stamp(value: datetime) -> str:
    return value.strftime("%Y%m%dT%H%M%SZ")


def sample_calendar(now: datetime, *, contact_email: str, domain: str, account_name: str,
                    own_email: str) -> str:
    """Four events around `now` (naive UTC): a weekly meeting with a known contact (recurring:
    two occurrences in the window before now), one with someone at the account's domain, one
    naming the account in its place, and a dentist appointment that matches nothing."""
    day = now.replace(minute=0, second=0, microsecond=0)
    weekly = day - timedelta(days=8, hours=2)  # occurrences at -8 d (outside), -1 d, +6 d
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Test//Calendar//EN",
        "BEGIN:VEVENT", "UID:weekly-sync@test", f"DTSTAMP:{_stamp(day)}",
        f"DTSTART:{_stamp(weekly)}", f"DTEND:{_stamp(weekly + timedelta(minutes=45))}",
        "RRULE:FREQ=WEEKLY;COUNT=6", "SUMMARY:Weekly sync",
        f"ORGANIZER;CN=Me:mailto:{own_email}",
        f"ATTENDEE;CN=Me:mailto:{own_email}",
        f"ATTENDEE;CN=Known Person:mailto:{contact_email}", "END:VEVENT",
        "BEGIN:VEVENT", "UID:domain-call@test", f"DTSTAMP:{_stamp(day)}",
        f"DTSTART:{_stamp(day - timedelta(hours=5))}", "DURATION:PT1H",
        "SUMMARY:Intro call", f"ATTENDEE;CN=New Face:mailto:new.face@{domain}", "END:VEVENT",
        "BEGIN:VEVENT", "UID:site-visit@test", f"DTSTAMP:{_stamp(day)}",
        f"DTSTART:{_stamp(day - timedelta(days=2))}",
        f"DTEND:{_stamp(day - timedelta(days=2) + timedelta(minutes=90))}",
        "SUMMARY:Site visit", f"LOCATION:{account_name}\\, front desk", "END:VEVENT",
        "BEGIN:VEVENT", "UID:dentist@test", f"DTSTAMP:{_stamp(day)}",
        f"DTSTART:{_stamp(day - timedelta(days=1, hours=3))}", "DURATION:PT30M",
        "SUMMARY:Dentist", "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(lines) + "\r\n"


def feed_app(files: dict[str, bytes]):
    """A WSGI app answering GET <path> with files[path] as text/calendar (404 otherwise)."""
    def app(environ, start_response):
        body = files.get(environ.get("PATH_INFO", ""))
        if body is None:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        start_response("200 OK", [("Content-Type", "text/calendar; charset=utf-8"),
                                  ("Content-Length", str(len(body)))])
        return [body]
    return app
