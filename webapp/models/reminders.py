"""Web Push reminders: a user's settings, the devices that opted in, and what was sent."""
from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from webapp.clock import utcnow
from webapp.models.base import Base


class ReminderSettings(Base):
    """Which kinds of reminder a user wants, and when not to disturb them (their local time).
    No row: the defaults (every kind, 20:00-07:30)."""

    __tablename__ = "reminder_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    commitments: Mapped[bool] = mapped_column(Boolean, default=True)
    slipping: Mapped[bool] = mapped_column(Boolean, default=True)
    territory: Mapped[bool] = mapped_column(Boolean, default=True)
    queued: Mapped[bool] = mapped_column(Boolean, default=True)
    slip_days: Mapped[int] = mapped_column(Integer, default=14)
    quiet_start: Mapped[time] = mapped_column(Time, default=time(20, 0))
    quiet_end: Mapped[time] = mapped_column(Time, default=time(7, 30))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class PushSubscription(Base):
    """One device (browser) of a user that accepted notifications: where the push service
    takes messages for it, and the keys to encrypt them with."""

    __tablename__ = "push_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    endpoint: Mapped[str] = mapped_column(Text)
    # The endpoint is long (and Text): unique on its hash, so PostgreSQL can index it.
    endpoint_hash: Mapped[str] = mapped_column(String(64), unique=True)
    p256dh: Mapped[str] = mapped_column(String(200))
    auth: Mapped[str] = mapped_column(String(64))
    device: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_sent_at: Mapped[datetime | None] = mapped_column(DateTime)


class ReminderSent(Base):
    """The sent-log: one row per reminder that reached at least one device."""

    __tablename__ = "reminders_sent"
    __table_args__ = (UniqueConstraint("user_id", "kind", "subject", "key_day",
                                       name="uq_reminders_sent_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(64))
    key_day: Mapped[date] = mapped_column(Date)
    sent_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
