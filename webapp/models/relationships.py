"""People across companies and the rep's old lists (issue 14, seed ideas 9 and 11).

A contact is one person for good: when they change company their row stays (meetings, notes
and history with it) and a position records each stint. The rep keeps in touch with people
who moved; touches say when the rep last reached someone; an old list entry can be snoozed
or dismissed.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.clock import utcnow
from webapp.models.accounts import Account, Contact
from webapp.models.base import Base, new_uuid

TOUCH_KINDS = ("call", "mail", "visit", "other")
TOUCH_KIND_LABELS = {"call": "Called", "mail": "Mailed", "visit": "Visited", "other": "Touched"}


class ContactPosition(Base):
    """One stint of a person at a company: an account we know, or a company name only (not in
    any territory), with the title they held. `ended_on` None: where they are now."""

    __tablename__ = "contact_positions"
    __table_args__ = (Index("ix_contact_positions_contact", "contact_id", "ended_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    company_name: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(String(160), default="")
    started_on: Mapped[date | None] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # The outbox write that recorded the move (the new position): a replay changes nothing.
    client_id: Mapped[str | None] = mapped_column(String(36), unique=True)

    account: Mapped[Account | None] = relationship()

    @property
    def company(self) -> str:
        return self.account.name if self.account is not None else self.company_name


class KeepInTouch(Base):
    """A person a rep keeps in touch with, wherever they work now: seen by that rep only."""

    __tablename__ = "keep_in_touch"
    __table_args__ = (UniqueConstraint("user_id", "contact_id", name="uq_keep_in_touch"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    contact: Mapped[Contact] = relationship()


class Touch(Base):
    """The rep reached someone (a call, a mail, a visit): when they last did, for the keep in
    touch and old lists. Not a metric: nothing counts touches per rep (seed idea 2)."""

    __tablename__ = "touches"
    __table_args__ = (Index("ix_touches_user_contact", "user_id", "contact_id", "touched_at"),
                      Index("ix_touches_user_account", "user_id", "account_id", "touched_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    kind: Mapped[str] = mapped_column(String(8), default="call")
    touched_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class OldListMark(Base):
    """A rep's answer to an old-list entry (an account): snoozed until a day, or dismissed."""

    __tablename__ = "old_list_marks"
    __table_args__ = (UniqueConstraint("user_id", "account_id", name="uq_old_list_marks"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    snoozed_until: Mapped[date | None] = mapped_column(Date)
    dismissed_at: Mapped[datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
