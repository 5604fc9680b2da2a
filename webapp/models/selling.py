"""Opportunities with their change history, meetings, commitments and quick notes."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (Boolean, Date, DateTime, ForeignKey, Index, Integer, Numeric, String, Text,
                        text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.clock import utcnow
from webapp.models.accounts import Account
from webapp.models.base import Base, new_uuid
from webapp.models.people import User

# Ordered: the funnel of the "farming algorithm" (first meeting -> qualified -> proposal -> won).
STAGES = ("first_meeting", "qualified", "proposal", "negotiation", "won", "lost")
OPEN_STAGES = ("first_meeting", "qualified", "proposal", "negotiation")
STAGE_LABELS = {
    "first_meeting": "First meeting",
    "qualified": "Qualified",
    "proposal": "Proposal",
    "negotiation": "Negotiation",
    "won": "Won",
    "lost": "Lost",
}
FORECAST_CATEGORIES = ("pipeline", "best_case", "commit", "omitted")
FORECAST_LABELS = {"pipeline": "Pipeline", "best_case": "Best case", "commit": "Commit", "omitted": "Omitted"}
MEETING_KINDS = ("in_person", "video", "phone", "lunch", "partner")
MEETING_INITIATORS = ("us", "them")
MEETING_INITIATOR_LABELS = {"us": "We asked", "them": "They asked"}
MEETING_KIND_LABELS = {
    "in_person": "In person",
    "video": "Video",
    "phone": "Phone",
    "lunch": "Lunch",
    "partner": "Partner meeting",
}


class Opportunity(Base):
    __tablename__ = "opportunities"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    stage: Mapped[str] = mapped_column(String(20), default="first_meeting", index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    close_on: Mapped[date] = mapped_column(Date, index=True)
    next_step: Mapped[str] = mapped_column(String(500), default="")
    next_step_on: Mapped[date | None] = mapped_column(Date)
    qualified: Mapped[bool] = mapped_column(Boolean, default=False)
    forecast_category: Mapped[str] = mapped_column(String(16), default="pipeline")
    # Optimistic concurrency: every update names the version it was based on (offline replays).
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    stage_changed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)

    account: Mapped[Account] = relationship()
    owner: Mapped[User | None] = relationship()

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES

    @property
    def stage_label(self) -> str:
        return STAGE_LABELS.get(self.stage, self.stage)


class OpportunityChange(Base):
    """One field of one opportunity changed: who, when, old -> new. Never edited."""

    __tablename__ = "opportunity_changes"
    # Rebuilding "what the rep started from" in a conflict reads the changes after a version.
    __table_args__ = (Index("ix_opportunity_changes_opportunity_id_version", "opportunity_id", "version"),
                      # Changes per rep over a period (farming, one-to-ones, team).
                      Index("ix_opportunity_changes_user_changed", "user_id", "changed_at"),
                      # A deal's history, newest first (the opportunity page).
                      Index("ix_opportunity_changes_opportunity_changed", "opportunity_id",
                            "changed_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    field: Mapped[str] = mapped_column(String(32))
    old_value: Mapped[str | None] = mapped_column(String(500))
    new_value: Mapped[str | None] = mapped_column(String(500))
    # The client write (idempotency key) that caused it, if any.
    client_id: Mapped[str | None] = mapped_column(String(36), index=True)
    # The opportunity version this change produced (migration 0006_writes); a conflict screen
    # rebuilds "what you started from" with it. None on rows written before it existed.
    version: Mapped[int | None] = mapped_column(Integer)

    user: Mapped[User | None] = relationship()


class Meeting(Base):
    __tablename__ = "meetings"
    # An account's meetings newest first, and its last meeting (account page, open deals).
    __table_args__ = (Index("ix_meetings_account_started", "account_id", "started_at"),
                      # First meetings per rep in a period (the team view).
                      Index("ix_meetings_first", "user_id", "started_at",
                            postgresql_where=text("is_first_meeting"),
                            sqlite_where=text("is_first_meeting")))

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    opportunity_id: Mapped[int | None] = mapped_column(ForeignKey("opportunities.id"),
                                                       index=True)  # 0029_page_indexes
    started_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    kind: Mapped[str] = mapped_column(String(16), default="in_person")
    duration_minutes: Mapped[int] = mapped_column(Integer, default=30)
    location: Mapped[str] = mapped_column(String(200), default="")
    attendees: Mapped[str] = mapped_column(String(500), default="")
    engagement: Mapped[int | None] = mapped_column(Integer)
    # Who asked for the meeting: "us" (outbound) or "them" (inbound); None when not said.
    # Equality of effort and the old lists read it (seed idea 9).
    initiated_by: Mapped[str | None] = mapped_column(String(8))
    notes: Mapped[str] = mapped_column(Text, default="")
    # A first meeting with a new prospect feeds the farming algorithm's top of funnel.
    is_first_meeting: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    account: Mapped[Account] = relationship()
    user: Mapped[User] = relationship()

    @property
    def kind_label(self) -> str:
        return MEETING_KIND_LABELS.get(self.kind, self.kind)

    @property
    def initiator_label(self) -> str:
        return MEETING_INITIATOR_LABELS.get(self.initiated_by or "", "")


class Commitment(Base):
    """Equality of effort: what the prospect ('theirs') or we ('ours') promised, by when."""

    __tablename__ = "commitments"
    # Open commitments (kept IS NULL) per account, soonest due first: Today and the account page.
    __table_args__ = (Index("ix_commitments_open", "kept", "account_id", "due_on"),
                      # Today: the open commitments of one party, soonest due first, read
                      # in index order until a page of visible ones is found.
                      Index("ix_commitments_open_due", "party", "due_on", "id",
                            postgresql_where=text("kept IS NULL"),
                            sqlite_where=text("kept IS NULL")))

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"), index=True)
    party: Mapped[str] = mapped_column(String(8))  # "theirs" | "ours"
    description: Mapped[str] = mapped_column(String(500))
    due_on: Mapped[date | None] = mapped_column(Date, index=True)
    # None while open; True kept, False not kept.
    kept: Mapped[bool | None] = mapped_column(Boolean)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    account: Mapped[Account] = relationship()


class Note(Base):
    """A quick note: one field, optionally about an account."""

    __tablename__ = "notes"
    # An account's notes newest first (account page).
    __table_args__ = (Index("ix_notes_account_created", "account_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)

    account: Mapped[Account | None] = relationship()
    user: Mapped[User] = relationship()


class DealClosure(Base):
    """A deal closed as won or lost: what a manager needs to know, and how to undo it.

    One row per close; a reopen stamps `reopened_at` and the deal goes back to
    `previous_stage` (and, for a win, `previous_amount`)."""

    __tablename__ = "deal_closures"

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(8))  # "won" | "lost"
    # Lost: one of webapp.domain.deal_closing.LOSS_REASONS, and who won it, if anyone.
    loss_reason: Mapped[str | None] = mapped_column(String(20), index=True)
    competitor: Mapped[str] = mapped_column(String(120), default="")
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))  # the final amount (won) or last
    previous_stage: Mapped[str] = mapped_column(String(20))
    previous_amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # The outbox write that made it: a replay finds it and changes nothing.
    client_id: Mapped[str | None] = mapped_column(String(36), unique=True)
    reopened_at: Mapped[datetime | None] = mapped_column(DateTime)
    reopened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
