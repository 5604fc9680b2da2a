"""Accounts (companies) and the people the rep knows there."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    false,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.clock import utcnow
from webapp.models.base import Base, new_uuid
from webapp.models.people import Territory, User

SEGMENTS = ("SMB", "Mid-Market", "Enterprise", "Major", "Federal")
ACCOUNT_STATUSES = ("prospect", "customer")


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    industry: Mapped[str] = mapped_column(String(80), default="")
    segment: Mapped[str] = mapped_column(String(20), default="Mid-Market")
    status: Mapped[str] = mapped_column(String(16), default="prospect")
    street: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    region: Mapped[str] = mapped_column(String(100), default="")
    postal_code: Mapped[str] = mapped_column(String(20), default="")
    country: Mapped[str] = mapped_column(String(2), default="US")
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    # 0-100: how much this account could buy; territory balance is weighed with it.
    potential: Mapped[int] = mapped_column(Integer, default=50)
    phone: Mapped[str] = mapped_column(String(40), default="")
    website: Mapped[str] = mapped_column(String(200), default="")
    # Customer success: what the customer wants to achieve, and when they renew.
    customer_goal: Mapped[str] = mapped_column(Text, default="")
    renewal_on: Mapped[date | None] = mapped_column(Date)
    # The rep responsible now. Territory is the design; owner is who works the account today
    # (they differ while a roll-forward protects an open deal).
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    territory_id: Mapped[int | None] = mapped_column(ForeignKey("territories.id"), index=True)
    # Denormalised for the territory list's "last touch" sort: set by every meeting and note.
    last_touch_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    # Bumped on any change to the account or what its pages show (webapp/models/briefcase.py).
    briefcase_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    owner: Mapped[User | None] = relationship()
    territory: Mapped[Territory | None] = relationship()

    @property
    def address_line(self) -> str:
        return ", ".join(p for p in (self.street, self.city, self.region, self.postal_code) if p)


# The territory list sorts by name within an owner (a rep, a manager's IN list) or across
# everyone (an admin): both read in index order, never a sort of the whole territory.
Index("ix_accounts_owner_lower_name", Account.owner_id, func.lower(Account.name), Account.id)
Index("ix_accounts_lower_name", func.lower(Account.name), Account.id)
# The potential sort the same way (highest first), so a page of 300 is read in index order,
# not sorted from every account.
Index("ix_accounts_owner_potential", Account.owner_id, Account.potential.desc(),
      func.lower(Account.name), Account.id)
Index("ix_accounts_potential", Account.potential.desc(), func.lower(Account.name), Account.id)


class Contact(Base):
    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    name: Mapped[str] = mapped_column(String(160))
    title: Mapped[str] = mapped_column(String(160), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    # What gets their attention: the hook to open a conversation with this person.
    attention: Mapped[str] = mapped_column(Text, default="")
    # People move between companies; the rep keeps the relationship (seed idea 11).
    # Kept for imports that still send it; the history is in contact_positions (issue 14).
    previous_companies: Mapped[str] = mapped_column(String(500), default="")
    # No longer at `account_id` (left for a company outside the territory, or none yet): the
    # person stays here, with their meetings and notes, shown as having left (issue 14).
    left_on: Mapped[date | None] = mapped_column(Date)
    # Sold for us when we were not there: the first to keep in touch with when they move.
    champion: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Optimistic concurrency, as for opportunities: an edit names the version it was made on.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    account: Mapped[Account] = relationship()
