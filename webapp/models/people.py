"""Users (reps, managers, admins), their quotas, and territories."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (Boolean, Date, DateTime, ForeignKey, Integer, Numeric, String,
                        UniqueConstraint, false)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.clock import utcnow
from webapp.models.base import Base

ROLES = ("rep", "manager", "admin")


class User(Base):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("oidc_issuer", "oidc_subject", name="uq_users_oidc_identity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16), default="rep")
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    oidc_issuer: Mapped[str | None] = mapped_column(String(255))
    oidc_subject: Mapped[str | None] = mapped_column(String(255))
    timezone: Mapped[str] = mapped_column(String(64), default="America/Chicago")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped to end every session of this user on the server (sign-out everywhere, deactivation).
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    # Set when an admin gives a temporary password: pages send them to change it first.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False,
                                                       server_default=false())
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    manager: Mapped[User | None] = relationship(remote_side=[id])

    @property
    def is_rep(self) -> bool:
        return self.role == "rep"

    @property
    def is_manager(self) -> bool:
        return self.role == "manager"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def first_name(self) -> str:
        return self.name.split(" ")[0]


class Quota(Base):
    """What a rep must close in a period (a fiscal quarter, usually)."""

    __tablename__ = "quotas"
    __table_args__ = (UniqueConstraint("user_id", "period_start", name="uq_quotas_user_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3), default="USD")


class Territory(Base):
    """A territory as designed by a manager; its owner is the rep who works it."""

    __tablename__ = "territories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(String(500), default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    owner: Mapped[User | None] = relationship()


class TeamSettings(Base):
    """One row: settings that the whole team shares."""

    __tablename__ = "team_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    fiscal_year_start_month: Mapped[int] = mapped_column(Integer, default=1)
    coverage_target: Mapped[Decimal] = mapped_column(Numeric(4, 1), default=Decimal("4.0"))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
