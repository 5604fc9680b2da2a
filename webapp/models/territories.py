"""Territory design (rules, manual overrides) and roll-forward change plans."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.clock import utcnow
from webapp.models.accounts import Account
from webapp.models.base import Base
from webapp.models.people import Territory, User

PLAN_STATUSES = ("draft", "scheduled", "applied")
PROTECTION_MODES = ("quarters", "sales_cycle")
MAJOR_FEDERAL_MODES = ("exempt", "standard", "extended")
DECISIONS = ("moves", "protected", "exempt", "stays")


class TerritoryRule(Base):
    """What a territory covers. List fields are comma-separated text, as typed."""

    __tablename__ = "territory_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    territory_id: Mapped[int] = mapped_column(ForeignKey("territories.id"), unique=True)
    countries: Mapped[str] = mapped_column(String(500), default="")
    regions: Mapped[str] = mapped_column(String(1000), default="")
    postal_prefixes: Mapped[str] = mapped_column(String(1000), default="")
    center_latitude: Mapped[float | None] = mapped_column(Float)
    center_longitude: Mapped[float | None] = mapped_column(Float)
    radius_km: Mapped[float | None] = mapped_column(Float)
    industries: Mapped[str] = mapped_column(String(1000), default="")
    segments: Mapped[str] = mapped_column(String(200), default="")
    potential_bands: Mapped[str] = mapped_column(String(50), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    territory: Mapped[Territory] = relationship()


class TerritoryOverride(Base):
    """A manager put this account in this territory by hand: wins over every rule."""

    __tablename__ = "territory_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), unique=True)
    territory_id: Mapped[int] = mapped_column(ForeignKey("territories.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ChangePlan(Base):
    """A roll-forward: new assignments announced, then applied on their dates."""

    __tablename__ = "territory_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    announced_on: Mapped[date] = mapped_column(Date)
    cutoff_on: Mapped[date] = mapped_column(Date)
    effective_on: Mapped[date] = mapped_column(Date, index=True)
    protection_mode: Mapped[str] = mapped_column(String(16), default="quarters")
    major_federal: Mapped[str] = mapped_column(String(16), default="exempt")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    scheduled_at: Mapped[datetime | None] = mapped_column(DateTime)
    applied_at: Mapped[datetime | None] = mapped_column(DateTime)

    created_by: Mapped[User | None] = relationship()


class PlanAssignment(Base):
    """One account in a plan: where it goes, and (once scheduled) when."""

    __tablename__ = "territory_plan_assignments"
    __table_args__ = (UniqueConstraint("plan_id", "account_id", name="uq_plan_assignments_account"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("territory_plans.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    from_owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    from_territory_id: Mapped[int | None] = mapped_column(ForeignKey("territories.id"))
    to_territory_id: Mapped[int | None] = mapped_column(ForeignKey("territories.id"))
    to_owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # Frozen when the plan is scheduled: what the reps were told.
    decision: Mapped[str | None] = mapped_column(String(16))
    moves_on: Mapped[date | None] = mapped_column(Date)
    protected_until: Mapped[date | None] = mapped_column(Date)
    protecting_opportunity_id: Mapped[int | None] = mapped_column(ForeignKey("opportunities.id"))
    # The territory was recorded (effective date) / the owner changed (move or roll).
    territory_applied_at: Mapped[datetime | None] = mapped_column(DateTime)
    applied_at: Mapped[datetime | None] = mapped_column(DateTime)

    plan: Mapped[ChangePlan] = relationship()
    account: Mapped[Account] = relationship()
    to_territory: Mapped[Territory | None] = relationship(foreign_keys=[to_territory_id])
    to_owner: Mapped[User | None] = relationship(foreign_keys=[to_owner_id])
    from_owner: Mapped[User | None] = relationship(foreign_keys=[from_owner_id])
