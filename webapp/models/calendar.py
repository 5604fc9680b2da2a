"""Calendar in (issue 15): a rep's calendar feed and the meeting drafts read from it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.clock import utcnow
from webapp.models.accounts import Account
from webapp.models.base import Base, new_uuid

DRAFT_STATUSES = ("open", "dismissed")


class CalendarFeed(Base):
    """One rep's calendar: the private iCalendar address (encrypted: it is a password in
    disguise), what may be shown of it, and how the last read went."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    # Fernet token of the address (webapp/services/calendar_secrets.py); never shown back.
    url_encrypted: Mapped[str | None] = mapped_column(Text)
    # What the pages may show of it: "calendar.google.com…".
    url_hint: Mapped[str] = mapped_column(String(200), default="")
    last_synced_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str] = mapped_column(String(300), default="")
    # Events read on the last sync, and how many of them became drafts.
    events_read: Mapped[int] = mapped_column(Integer, default=0)
    drafts_made: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class MeetingDraft(Base):
    """A calendar event matched to an account: shown on Today until the rep confirms it (it
    becomes a meeting only when they save the prefilled form) or dismisses it. One row per
    event occurrence, forever, so a dismissed occurrence never comes back."""

    __tablename__ = "meeting_drafts"
    __table_args__ = (UniqueConstraint("user_id", "event_key", name="uq_meeting_drafts_event"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # sha256 of the event's UID and the occurrence's start (recurring events share a UID).
    event_key: Mapped[str] = mapped_column(String(64))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    starts_at: Mapped[datetime] = mapped_column(DateTime, index=True)  # naive UTC
    duration_minutes: Mapped[int] = mapped_column(Integer, default=30)
    title: Mapped[str] = mapped_column(String(200), default="")
    location: Mapped[str] = mapped_column(String(200), default="")
    attendees: Mapped[str] = mapped_column(String(500), default="")
    # Why it matched ("attendee e-mail", "e-mail domain", "account name").
    matched_by: Mapped[str] = mapped_column(String(40), default="")
    status: Mapped[str] = mapped_column(String(16), default="open")
    # The client id the prefilled meeting form carries: the saved meeting has this uuid, so
    # a confirmed draft is one whose meeting exists (and saving twice logs it once).
    meeting_uuid: Mapped[str] = mapped_column(String(36), default=new_uuid, unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    account: Mapped[Account] = relationship()
