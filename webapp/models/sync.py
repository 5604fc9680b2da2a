"""The replay ledger: what the server answered to each client write (its idempotency key)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from webapp.clock import utcnow
from webapp.models.base import Base


class ClientWrite(Base):
    """One write a client sent with its own UUID, and the answer it got (a 303 and where to).

    The records a write creates carry the same UUID (unique), so a duplicate can never be
    stored; this row makes a repeat get exactly the original answer, whatever happened to the
    records since (an opportunity moved on, an update that changed nothing)."""

    __tablename__ = "client_writes"

    key: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # The endpoint that handled it ("meetings.new", "opportunities.update", ...).
    kind: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    location: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
