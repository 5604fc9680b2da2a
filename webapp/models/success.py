"""Customer success: a customer's health and desired outcome, willingness to be a reference,
and every time a rep asked a reference to host (cascade deals)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.clock import utcnow
from webapp.models.accounts import Account
from webapp.models.base import Base, new_uuid
from webapp.models.people import User


class AccountSuccess(Base):
    """One row per customer the rep has said something about (goal and renewal date stay on
    the account: `Account.customer_goal`, `Account.renewal_on`)."""

    __tablename__ = "account_success"
    # The references near a prospect: good health, willing first.
    __table_args__ = (Index("ix_account_success_health", "health", "account_id"),)

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    # The outcome the customer wants from us (their words, as the rep heard them).
    outcome: Mapped[str] = mapped_column(Text, default="")
    # webapp.domain.success.HEALTHS, or None when the rep has not said.
    health: Mapped[str | None] = mapped_column(String(10))
    health_reason: Mapped[str] = mapped_column(String(500), default="")
    health_set_at: Mapped[datetime | None] = mapped_column(DateTime)
    health_set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reference_willing: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The renewal date whose "Renewal: <account>" opportunity was made (once per renewal).
    renewal_opportunity_for: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    account: Mapped[Account] = relationship()
    health_set_by: Mapped[User | None] = relationship()


class ReferenceAsk(Base):
    """A rep asked a reference customer to host a prospect (the invitation was drafted)."""

    __tablename__ = "reference_asks"
    __table_args__ = (Index("ix_reference_asks_reference_asked", "reference_id", "asked_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    reference_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    prospect_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    asked_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
