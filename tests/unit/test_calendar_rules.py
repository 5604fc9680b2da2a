"""Calendar and vCard rules (issue 15): which account an event is about, reading a calendar
(recurring events expanded, all-day and cancelled ones left out), vCards out and in."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.support.calendar_feed import sample_calendar
from webapp.domain.calendar_feeds import (
    FeedAddressError,
    address_hint,
    check_address,
    feed_cipher,
    seal,
    unseal,
)
from webapp.domain.calendar_matching import AccountRef, ContactRef, match_event, website_domain
from webapp.domain.ics import CalendarFileError, calendar_events, event_ics, parse_calendar
from webapp.domain.vcards import CardContact, VCardError, contact_vcard, read_vcards

ACME = AccountRef(1, "Acme", "https://www.acme.com/about")
ACME_LOGISTICS = AccountRef(2, "Acme Logistics", "acmelogistics.com")
GLOBEX = AccountRef(3, "Globex", "")
ACCOUNTS = [ACME, ACME_LOGISTICS, GLOBEX]
NOW = datetime(2026, 11, 23, 15, 0)


def _match(attendees=(), summary="", location="", contacts=()):
    return match_event(attendees=list(attendees), summary=summary, location=location,
                       own_email="rep@ourco.com", accounts=ACCOUNTS, contacts=list(contacts))


def test_an_attendee_who_is_a_known_contact_names_the_account_and_the_person():
    match = _match([("Rep", "rep@ourco.com"), ("", "ana@globex.io")],
                   contacts=[ContactRef(3, "Ana Müller", "Ana@Globex.io")])
    assert (match.account_id, match.matched_by, match.attendees) == (
        3, "attendee e-mail", ("Ana Müller",))


def test_an_attendee_at_the_accounts_website_domain_matches_it():
    match = _match([("Bo Chen", "bo@eu.acme.com")])
    assert (match.account_id, match.matched_by, match.attendees) == (1, "e-mail domain", ("Bo Chen",))
    assert website_domain("https://www.acme.com/about") == "acme.com"


def test_free_mail_and_our_own_colleagues_never_match_by_domain():
    free = AccountRef(4, "Gmail Fans", "gmail.com")
    ours = AccountRef(5, "Us", "ourco.com")
    assert match_event(attendees=[("", "x@gmail.com"), ("", "boss@ourco.com")], summary="",
                       location="", own_email="rep@ourco.com", accounts=[free, ours],
                       contacts=[]) is None


def test_the_longest_account_name_in_the_title_or_place_wins():
    assert _match(summary="Lunch", location="Acme Logistics HQ").account_id == 2
    assert _match(summary="Demo for ACME").matched_by == "account name"
    assert _match(summary="Acmeville fair") is None  # a word, not part of one


def test_an_event_about_nobody_we_know_matches_nothing():
    assert _match([("", "friend@gmail.com")], summary="Dentist") is None


def test_a_calendar_is_read_for_its_window_with_recurring_events_expanded():
    text = sample_calendar(NOW, contact_email="k@globex.io", domain="acme.com",
                           account_name="Acme", own_email="rep@ourco.com")
    events = calendar_events(text.encode(), now=NOW, tz="America/Chicago")
    weekly = [e for e in events if e.summary == "Weekly sync"]
    # -8 days is outside the window (7 days back); -1 and +6 days are in it, +13 too
    assert [e.starts_at.date() for e in weekly] == [
        (NOW - timedelta(days=1)).date(), (NOW + timedelta(days=6)).date(),
        (NOW + timedelta(days=13)).date()]
    assert len({e.key for e in weekly}) == 3
    assert weekly[0].duration_minutes == 45
    assert ("known person", "k@globex.io") not in weekly[0].attendees
    assert ("Known Person", "k@globex.io") in weekly[0].attendees
    assert {e.summary for e in events} == {"Weekly sync", "Intro call", "Site visit", "Dentist"}
    again = calendar_events(text, now=NOW + timedelta(hours=1), tz="UTC")
    assert {e.key for e in again} == {e.key for e in events}  # stable keys across reads


def test_all_day_and_cancelled_events_are_left_out_and_floating_times_are_the_reps():
    text = "\r\n".join([
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:x",
        "BEGIN:VEVENT", "UID:a", "DTSTART;VALUE=DATE:20261124", "SUMMARY:Holiday", "END:VEVENT",
        "BEGIN:VEVENT", "UID:b", "DTSTART:20261124T100000Z", "STATUS:CANCELLED",
        "SUMMARY:Off", "END:VEVENT",
        "BEGIN:VEVENT", "UID:c", "DTSTART:20261124T090000", "SUMMARY:Floating", "END:VEVENT",
        "END:VCALENDAR", ""])
    [event] = calendar_events(text, now=NOW, tz="America/Chicago")
    assert event.summary == "Floating"
    assert event.starts_at == datetime(2026, 11, 24, 15, 0)  # 9:00 in Chicago
    assert event.duration_minutes == 30


@pytest.mark.parametrize("data", [b"", b"hello", b"\xff\xfe\x00bad", b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n::::\r\n",
                                  b"BEGIN:VCARD\r\nFN:x\r\nEND:VCARD\r\n"])
def test_a_file_that_is_not_a_calendar_says_so(data):
    with pytest.raises(CalendarFileError) as error:
        calendar_events(data, now=NOW, tz="UTC")
    assert "calendar" in str(error.value).lower() or "ics" in str(error.value).lower()


def test_add_to_my_calendar_files_read_back_as_the_same_event():
    timed = parse_calendar(event_ics(uid="m-1@gw", summary="Meeting: Café Zoë", stamp=NOW,
                                     starts_at=NOW, duration_minutes=45, location="Main St"))
    [event] = timed.walk("VEVENT")
    assert str(event["SUMMARY"]) == "Meeting: Café Zoë"
    assert event["DTEND"].dt - event["DTSTART"].dt == timedelta(minutes=45)
    day = parse_calendar(event_ics(uid="n-1@gw", summary="Send the quote", stamp=NOW,
                                   on=NOW.date()))
    assert day.walk("VEVENT")[0]["DTSTART"].dt == NOW.date()


def test_the_calendar_address_is_https_sealed_and_shown_only_as_its_host():
    cipher = feed_cipher("secret")
    address = check_address("webcal://calendar.google.com/calendar/ical/x/private-abc/basic.ics",
                            allow_http=False)
    assert address.startswith("https://")
    token = seal(cipher, address)
    assert "private-abc" not in token
    assert unseal(cipher, token) == address
    assert unseal(feed_cipher("another secret"), token) is None
    assert address_hint(address) == "calendar.google.com…"
    with pytest.raises(FeedAddressError):
        check_address("http://example.com/cal.ics", allow_http=False)
    with pytest.raises(FeedAddressError):
        check_address("not an address", allow_http=True)


def test_a_vcard_round_trips_accented_names_and_escapes_separators():
    contact = CardContact(name="José Ñúñez-Łukasz", title="Head of R&D; Ops, EMEA",
                          phone="+34 600 000 000", email="jose@example.es",
                          organization="Café Zoë, S.A.")
    card = contact_vcard(contact)
    assert "TITLE:Head of R&D\\; Ops\\, EMEA\r\n" in card
    assert card.startswith("BEGIN:VCARD\r\nVERSION:3.0\r\n")
    assert read_vcards(card.encode("utf-8")) == [contact]


def test_long_vcard_lines_fold_without_splitting_a_character():
    contact = CardContact(name="Zoë " + "Ñ" * 80, title="é" * 100)
    card = contact_vcard(contact)
    assert all(len(line.encode()) <= 75 for line in card.split("\r\n"))
    assert read_vcards(card) == [contact]


def test_many_cards_including_an_old_android_quoted_printable_one_are_read():
    text = ("BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=4D=C3=BC=6C=6C=65=72;=4A=C3=BC=72=67=65=6E;;;\r\n"
            "TEL;CELL:+49 170 1234567\r\nTEL;WORK:+49 30 1234\r\nEND:VCARD\r\n"
            "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Amélie Poulain\r\nitem1.EMAIL;TYPE=work:AMELIE@Example.FR\r\n"
            "ORG:Deux Moulins;Café\r\nEND:VCARD\r\n")
    juergen, amelie = read_vcards(text)
    assert (juergen.name, juergen.phone) == ("Jürgen Müller", "+49 170 1234567")
    assert (amelie.name, amelie.email, amelie.organization) == (
        "Amélie Poulain", "amelie@example.fr", "Deux Moulins")


@pytest.mark.parametrize("data", [b"", b"name,email\nAna,ana@x.com\n",
                                  b"BEGIN:VCARD\r\nVERSION:3.0\r\nEND:VCARD\r\n"])
def test_a_file_without_contacts_says_so(data):
    with pytest.raises(VCardError) as error:
        read_vcards(data)
    assert "No contacts found" in str(error.value)
