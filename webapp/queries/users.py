"""Users by id or e-mail, for the sign-in form and the admin's pages (the routes decide who
may look: the admin pages are for admins only)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.models import User


def user_by_email(session: Session, email: str) -> User | None:
    """The user with this (lower-case) e-mail, if any."""
    return session.scalar(select(User).where(User.email == email))


def user_by_id(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def active_managers(session: Session) -> list[User]:
    """Active managers by name: the choices for a user's manager."""
    return list(session.scalars(
        select(User).where(User.role == "manager", User.active.is_(True)).order_by(User.name)))
