"""Check-ins: a rep's arrival at an account and departure, as tapped on the phone."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from webapp.clock import utcnow
from webapp.models.base import Base, new_uuid


class CheckIn(Base):
    """One visit. `out_at` is None while the rep is there (or forgot to check out: the phone
    asks what happened, it is never guessed). `discarded_at` is set when the rep says it was
    a mistake; `meeting_id` once the visit was logged as a meeting."""

    __tablename__ = "checkins"
    # The rep's open check-in (the account page asks about it): newest first per user.
    __table_args__ = (Index("ix_checkins_user_in", "user_id", "in_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The client id the phone made when the rep tapped "Check in" (a check-out names it).
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    in_at: Mapped[datetime] = mapped_column(DateTime)
    out_at: Mapped[datetime | None] = mapped_column(DateTime)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"))
    discarded_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
