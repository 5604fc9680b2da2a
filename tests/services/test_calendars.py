"""Reading a calendar address (issue 15): https only and never the server's own network in
production, a timeout, a size limit even without a Content-Length; and a sync that fails
keeps its reason for the calendar page without making drafts."""
from __future__ import annotations

import threading

import pytest

from tests.support.server import serving
from webapp.database import unit_of_work
from webapp.domain.calendar_feeds import FeedAddressError, feed_cipher
from webapp.domain.ics import CalendarFileError
from webapp.queries.calendars import feed_of
from webapp.services.calendars import (
    CalendarFetchError,
    FetchRules,
    connect_feed,
    fetch_calendar,
    sync_feed,
)

LOCAL = FetchRules(allow_http=True, allow_private=True)


def _streaming_app(release: threading.Event, chunks: int):
    """Answers with `chunks` lots of 64 KB and no Content-Length; with chunks=0 it waits for
    `release` before answering at all (a server that hangs)."""
    def app(environ, start_response):
        if chunks == 0:
            release.wait(10)
        start_response("200 OK", [("Content-Type", "text/calendar")])
        return (b"X" * 65536 for _ in range(chunks))
    return app


def test_production_reads_only_https_and_never_a_private_network_address():
    with pytest.raises(FeedAddressError):
        fetch_calendar("http://calendar.example.com/a.ics", FetchRules())
    with pytest.raises(CalendarFetchError) as error:
        fetch_calendar("https://127.0.0.1:9/a.ics", FetchRules())
    assert "private network" in str(error.value)


def test_a_calendar_bigger_than_the_limit_is_refused_even_without_a_length():
    release = threading.Event()
    with serving(_streaming_app(release, chunks=40)) as base:  # 2.5 MB, streamed
        with pytest.raises(CalendarFetchError) as error:
            fetch_calendar(base + "/big.ics", LOCAL)
    assert "larger than 2 MB" in str(error.value)


def test_a_server_that_does_not_answer_times_out_with_a_message():
    release = threading.Event()
    rules = FetchRules(allow_http=True, allow_private=True, timeout=(1, 0.3))
    with serving(_streaming_app(release, chunks=0)) as base:
        try:
            with pytest.raises(CalendarFetchError) as error:
                fetch_calendar(base + "/slow.ics", rules)
        finally:
            release.set()
    assert "did not answer in time" in str(error.value)


def test_a_failed_sync_keeps_its_reason_and_makes_nothing(session, rep):
    cipher = feed_cipher("test")
    with serving(lambda environ, start: (start("200 OK", []), [b"<html>login</html>"])[1]) as base:
        with unit_of_work(session):
            connect_feed(session, rep, base + "/cal.ics", cipher=cipher, allow_http=True)
        with unit_of_work(session):  # the caller shows the error; the noted reason is kept
            with pytest.raises(CalendarFileError):
                sync_feed(session, rep, cipher=cipher, rules=LOCAL)
    session.expire_all()
    assert "not an iCalendar" in feed_of(session, rep).last_error
    with pytest.raises(FeedAddressError):  # the key changed since: paste it again
        sync_feed(session, rep, cipher=feed_cipher("another"), rules=LOCAL)
