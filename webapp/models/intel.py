"""Vendor pals (partners who call on the same accounts), the meetings with them, and intel:
what was learned about an account (or, from a manager, about the market), when and from whom."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.clock import utcnow
from webapp.models.accounts import Account, Contact
from webapp.models.base import Base, new_uuid
from webapp.models.people import User


class VendorPal(Base):
    """A person at a non-competing vendor who calls on the same accounts; kept by one rep,
    not under any customer account."""

    __tablename__ = "vendor_pals"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)  # who keeps them
    name: Mapped[str] = mapped_column(String(120))
    company: Mapped[str] = mapped_column(String(120))
    sells: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    # The last vendor-pal meeting (a touch), None until the first.
    last_met_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class PalMeeting(Base):
    """A vendor-pal meeting: one pal, several accounts discussed (one intel item each)."""

    __tablename__ = "pal_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    pal_id: Mapped[int] = mapped_column(ForeignKey("vendor_pals.id"), index=True)
    met_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    pal: Mapped[VendorPal] = relationship()


class Intel(Base):
    """One thing learned. About an account (`account_id`), or market news from a manager
    (no account): for one rep (`rep_id`) or, without one, for everyone the author leads.
    Its source is a contact, a vendor pal or free text (any, or none)."""

    __tablename__ = "intel_items"
    # An account's intel, freshest first (the account page's first screen).
    __table_args__ = (Index("ix_intel_items_account_learned", "account_id", "learned_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The client id of the write that made it (None on rows older than the outbox flow).
    uuid: Mapped[str | None] = mapped_column(String(36), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)  # the author
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    rep_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    learned_on: Mapped[date] = mapped_column(Date)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    pal_id: Mapped[int | None] = mapped_column(ForeignKey("vendor_pals.id"), index=True)
    source_text: Mapped[str] = mapped_column(String(200), default="")
    pal_meeting_id: Mapped[int | None] = mapped_column(ForeignKey("pal_meetings.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)

    author: Mapped[User] = relationship(foreign_keys=[user_id])
    account: Mapped[Account | None] = relationship()
    contact: Mapped[Contact | None] = relationship()
    pal: Mapped[VendorPal | None] = relationship()

    @property
    def source_label(self) -> str:
        """From whom, in words: the contact, the pal (and their company) or the free text."""
        if self.contact is not None:
            return self.contact.name
        if self.pal is not None:
            return f"{self.pal.name} ({self.pal.company})"
        return self.source_text
