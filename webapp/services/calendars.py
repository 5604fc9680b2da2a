"""Calendar in (issue 15): connect a rep's calendar by its private address or an uploaded .ics,
read it (on demand and from cron), and turn the events matched to their accounts into meeting
drafts. Nothing here logs a meeting: a draft becomes one only when the rep saves the
prefilled meeting form. Services add and flush; the caller commits."""
from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests
from cryptography.fernet import Fernet
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from webapp.clock import utcnow
from webapp.domain.calendar_feeds import (
    FeedAddressError,
    address_hint,
    check_address,
    seal,
    unseal,
)
from webapp.domain.calendar_matching import match_event
from webapp.domain.ics import CalendarFileError, calendar_events
from webapp.models import CalendarFeed, MeetingDraft, User
from webapp.queries.calendars import drafts_by_key, feed_of, matching_candidates
from webapp.services import audit

MAX_BYTES = 2 * 1024 * 1024
TIMEOUT = (5, 20)  # seconds to connect, and between bytes
MAX_REDIRECTS = 3


class CalendarFetchError(ValueError):
    """The calendar could not be read from its address; the message says why."""


@dataclass(frozen=True)
class FetchRules:
    """How an address may be read: https only in production, never a private network
    address there (the server must not be a way into its own network)."""

    allow_http: bool = False
    allow_private: bool = False
    max_bytes: int = MAX_BYTES
    timeout: tuple[float, float] = TIMEOUT


@dataclass(frozen=True)
class SyncResult:
    events: int
    drafts: int


def _too_big(max_bytes: int) -> str:
    return (f"This calendar is larger than {max_bytes // (1024 * 1024) or 1} MB: the app reads "
            "at most that much. Share a calendar with fewer past events.")


def _check_host(url: str, rules: FetchRules) -> None:
    check_address(url, allow_http=rules.allow_http)
    if rules.allow_private:
        return
    host = urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None)
    except (socket.gaierror, UnicodeError) as error:
        raise CalendarFetchError(f"The calendar's server ({host}) was not found.") from error
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise CalendarFetchError("That address points inside a private network; "
                                     "use your calendar's public (secret) address.")


def fetch_calendar(url: str, rules: FetchRules) -> bytes:
    """The calendar file at `url`, read with a timeout and a size limit, or
    CalendarFetchError (FeedAddressError for an address that may not be read at all)."""
    for _ in range(MAX_REDIRECTS + 1):
        _check_host(url, rules)
        try:
            response = requests.get(url, timeout=rules.timeout, stream=True, allow_redirects=False,
                                    headers={"Accept": "text/calendar, */*;q=0.5"})
        except requests.Timeout as error:
            raise CalendarFetchError("The calendar's server did not answer in time.") from error
        except requests.RequestException as error:
            raise CalendarFetchError("The calendar's server could not be reached.") from error
        with response:
            if response.is_redirect:
                url = urljoin(url, response.headers.get("Location", ""))
                continue
            if response.status_code in (401, 403, 404, 410):
                raise CalendarFetchError(
                    "The calendar's server refused the address: it may have been reset. "
                    "Copy the private address again.")
            if response.status_code >= 400:
                raise CalendarFetchError(
                    f"The calendar's server answered with an error ({response.status_code}).")
            length = response.headers.get("Content-Length", "")
            if length.isdigit() and int(length) > rules.max_bytes:
                raise CalendarFetchError(_too_big(rules.max_bytes))
            body = bytearray()
            try:
                for chunk in response.iter_content(64 * 1024):
                    body += chunk
                    if len(body) > rules.max_bytes:
                        raise CalendarFetchError(_too_big(rules.max_bytes))
            except requests.RequestException as error:
                raise CalendarFetchError("The calendar's server stopped answering.") from error
            return bytes(body)
    raise CalendarFetchError("The calendar's address redirects too many times.")


def connect_feed(session: Session, user: User, address: str, *, cipher: Fernet,
                 allow_http: bool) -> CalendarFeed:
    """Keep the user's calendar address, encrypted (FeedAddressError when it is unusable)."""
    address = check_address(address, allow_http=allow_http)
    feed = feed_of(session, user) or CalendarFeed(user_id=user.id, created_at=utcnow())
    feed.url_encrypted = seal(cipher, address)
    feed.url_hint = address_hint(address)
    feed.last_error = ""
    feed.last_synced_at = None
    session.add(feed)
    session.flush()
    audit.record(session, user, "calendar.connected", "calendar", feed.id, host=feed.url_hint)
    return feed


def disconnect_feed(session: Session, user: User) -> None:
    """Forget the user's calendar address (drafts already made stay until handled)."""
    feed = feed_of(session, user)
    if feed is None or feed.url_encrypted is None:
        return
    feed.url_encrypted = None
    feed.url_hint = ""
    feed.last_error = ""
    session.flush()
    audit.record(session, user, "calendar.disconnected", "calendar", feed.id)


def import_events(session: Session, user: User, data: bytes | str) -> SyncResult:
    """Read a calendar file and make a draft of each event matched to an account the user
    sees, once per event occurrence: an occurrence seen before (dismissed, logged, or still
    waiting) is never made again; a waiting one follows a moved event. CalendarFileError
    when the file cannot be read."""
    events = calendar_events(data, now=utcnow(), tz=user.timezone)
    emails = {e for event in events for _, e in event.attendees}
    accounts, contacts = matching_candidates(session, user, emails)
    known = drafts_by_key(session, user, [e.key for e in events])
    made = 0
    for event in events:
        match = match_event(attendees=list(event.attendees), summary=event.summary,
                            location=event.location, own_email=user.email,
                            accounts=accounts, contacts=contacts)
        draft = known.get(event.key)
        if match is None:
            continue
        attendees = ", ".join(match.attendees)[:500]
        if draft is not None:
            if draft.status == "open":  # the event moved or changed: follow it
                draft.starts_at, draft.duration_minutes = event.starts_at, event.duration_minutes
                draft.title, draft.location = event.summary, event.location
            continue
        draft = MeetingDraft(user_id=user.id, event_key=event.key, account_id=match.account_id,
                             starts_at=event.starts_at, duration_minutes=event.duration_minutes,
                             title=event.summary, location=event.location, attendees=attendees,
                             matched_by=match.matched_by, status="open", created_at=utcnow())
        try:
            with session.begin_nested():  # two syncs at once: the first one's draft stands
                session.add(draft)
                session.flush()
        except IntegrityError:
            continue
        made += 1
    session.flush()
    return SyncResult(events=len(events), drafts=made)


def _note(feed: CalendarFeed, *, error: str = "", result: SyncResult | None = None) -> None:
    feed.last_synced_at = utcnow()
    feed.last_error = error[:300]
    if result is not None:
        feed.events_read, feed.drafts_made = result.events, result.drafts


def import_upload(session: Session, user: User, data: bytes) -> SyncResult:
    """An uploaded .ics file, read now (the file itself is not kept)."""
    result = import_events(session, user, data)
    feed = feed_of(session, user) or CalendarFeed(user_id=user.id, created_at=utcnow())
    _note(feed, result=result)
    session.add(feed)
    session.flush()
    return result


def sync_feed(session: Session, user: User, *, cipher: Fernet, rules: FetchRules
              ) -> SyncResult:
    """Read the user's calendar from its address now. The outcome (or the reason it failed)
    is kept on the feed for the calendar page; CalendarFetchError / CalendarFileError /
    FeedAddressError are raised after noting them, for the caller to show."""
    feed = feed_of(session, user)
    if feed is None or feed.url_encrypted is None:
        raise FeedAddressError("Connect your calendar first.")
    address = unseal(cipher, feed.url_encrypted)
    if address is None:
        _note(feed, error="The app's key changed: paste your calendar's address again.")
        session.flush()
        raise FeedAddressError(feed.last_error)
    try:
        result = import_events(session, user, fetch_calendar(address, rules))
    except (CalendarFetchError, CalendarFileError, FeedAddressError) as error:
        _note(feed, error=str(error))
        session.flush()
        raise
    _note(feed, result=result)
    session.flush()
    return result


def dismiss_draft(session: Session, user: User, draft: MeetingDraft) -> None:
    """The rep says this event was not a meeting to log: it never comes back. The caller
    found `draft` through get_own_draft."""
    draft.status = "dismissed"
    session.flush()


