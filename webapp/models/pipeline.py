"""Pipeline truth: qualification answers, forecasts and one-to-ones (market intel is an
`Intel` item without an account: webapp/models/intel.py)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.clock import utcnow
from webapp.models.base import Base
from webapp.models.people import User

METHODOLOGIES = ("meddic", "bant", "spin", "custom")


class PipelineSettings(Base):
    """One row: how this team qualifies, flags deals and locks forecasts.

    Absent until a manager saves it; readers fall back to the column defaults."""

    __tablename__ = "pipeline_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    methodology: Mapped[str] = mapped_column(String(16), default="meddic")
    stuck_days: Mapped[int] = mapped_column(Integer, default=60)
    quiet_weeks: Mapped[int] = mapped_column(Integer, default=4)
    slip_pushes: Mapped[int] = mapped_column(Integer, default=2)
    # A period's forecast can be changed until this many days before the period ends.
    forecast_lock_days: Mapped[int] = mapped_column(Integer, default=30)
    history_months: Mapped[int] = mapped_column(Integer, default=12)
    # Below this many decided deals at a step, the team's conversion rate stands in.
    min_history: Mapped[int] = mapped_column(Integer, default=5)
    # A deal is qualified once this many checklist items are answered (capped at the list's
    # length, so a shorter list never makes qualifying impossible).
    qualify_answers: Mapped[int] = mapped_column(Integer, default=3, server_default="3")
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class QualificationItem(Base):
    """An item of the team's own checklist (methodology "custom")."""

    __tablename__ = "qualification_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    label: Mapped[str] = mapped_column(String(120))
    hint: Mapped[str] = mapped_column(String(300), default="")
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    @property
    def key(self) -> str:
        return f"custom-{self.id}"


class QualificationAnswer(Base):
    """The rep's answer to one checklist item for one opportunity (`item_key` names the item:
    "meddic-champion", or "custom-<id>")."""

    __tablename__ = "qualification_answers"
    __table_args__ = (UniqueConstraint("opportunity_id", "item_key",
                                       name="uq_qualification_answers_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id"), index=True)
    item_key: Mapped[str] = mapped_column(String(40))
    answer: Mapped[str] = mapped_column(String(500), default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class QualificationOverride(Base):
    """The rep says the deal is qualified whatever the checklist shows, and why."""

    __tablename__ = "qualification_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id"), unique=True)
    reason: Mapped[str] = mapped_column(String(500))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ForecastSubmission(Base):
    """A rep's commit and best case for a period; changed in place until the lock date."""

    __tablename__ = "forecast_submissions"
    __table_args__ = (UniqueConstraint("user_id", "period_start",
                                       name="uq_forecast_submissions_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    commit: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    best_case: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    submitted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ForecastOverride(Base):
    """The manager's own number for one rep's period, beside (never replacing) the rep's."""

    __tablename__ = "forecast_overrides"
    __table_args__ = (UniqueConstraint("rep_id", "period_start",
                                       name="uq_forecast_overrides_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    manager_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    rep_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    commit: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    note: Mapped[str] = mapped_column(String(300), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class OneToOne(Base):
    """A weekly one-to-one between a manager and a rep; its notes are shared by both."""

    __tablename__ = "one_to_ones"
    __table_args__ = (UniqueConstraint("rep_id", "week_start", name="uq_one_to_ones_week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    manager_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    rep_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    week_start: Mapped[date] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])

