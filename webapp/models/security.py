"""Server-side record of sign-in sessions, so sign-out ends a session for good."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from webapp.clock import utcnow
from webapp.models.base import Base


class UserSession(Base):
    """One signed-in browser. The cookie carries a random id; only its SHA-256 is stored.

    The cookie alone is not enough: a session whose row is ended (sign-out, deactivation) is
    refused even if an old copy of the cookie is replayed.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    method: Mapped[str] = mapped_column(String(16), default="password")  # password | oidc
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
    ended_reason: Mapped[str] = mapped_column(String(32), default="")


class RateLimitCounter(Base):
    """One rate-limit window's count (failed sign-ins per typed e-mail, per client address),
    kept in the database so that every worker and every app server counts together."""

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    hits: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[float] = mapped_column(Float, index=True)  # Unix time, as limits keeps it
