"""Creating and changing users."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.auth.passwords import hash_password
from webapp.models import ROLES, User

MIN_PASSWORD_LENGTH = 12


class UserError(ValueError):
    """A user could not be created or changed; the message says why, in plain words."""


def password_problem(password: str) -> str | None:
    """Why a password is not acceptable, or None when it is."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > 200:
        return "Use at most 200 characters."
    if len(set(password)) < 4:
        return "Use more than a few different characters."
    return None


def create_local_user(session: Session, *, email: str, name: str, role: str = "rep",
                      password: str, manager_email: str | None = None,
                      timezone: str = "America/Chicago") -> User:
    """Create a user who signs in with a password; commits."""
    email = email.strip().lower()
    if role not in ROLES:
        raise UserError(f"Unknown role {role!r}.")
    if "@" not in email or len(email) > 254:
        raise UserError("Enter a valid e-mail address.")
    if not name.strip():
        raise UserError("Enter a name.")
    problem = password_problem(password)
    if problem:
        raise UserError(problem)
    if session.scalar(select(User.id).where(User.email == email)):
        raise UserError(f"A user with the e-mail {email} exists already.")
    manager = None
    if manager_email:
        manager = session.scalar(select(User).where(User.email == manager_email.strip().lower()))
        if manager is None or manager.role != "manager":
            raise UserError(f"No manager with the e-mail {manager_email}.")
    user = User(email=email, name=name.strip(), role=role, timezone=timezone,
                password_hash=hash_password(password), manager_id=manager.id if manager else None)
    session.add(user)
    session.commit()
    return user
