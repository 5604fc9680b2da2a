"""Creating and changing users."""
from __future__ import annotations

import secrets

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from webapp.clock import utcnow
from webapp.models import ROLES, User, UserSession
from webapp.passwords import hash_password, verify_password
from webapp.services.audit import record

MIN_PASSWORD_LENGTH = 12


class UserError(ValueError):
    """A user could not be created or changed; the message says why, in plain words.

    `field` names the form field the problem belongs to (None: the form as a whole)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# A few passwords every attacker tries first; long enough to pass the length rule.
_COMMON = {"password1234", "passwordpassword", "123456789012", "qwertyuiopas", "groundwork123",
           "letmeinletmein", "welcome12345", "changeme1234"}


def password_problem(password: str, email: str | None = None) -> str | None:
    """Why a password is not acceptable, or None when it is."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > 200:
        return "Use at most 200 characters."
    if len(set(password)) < 4:
        return "Use more than a few different characters."
    if password.lower() in _COMMON:
        return "That password is among the first ones attackers try: choose another."
    if email and email.split("@")[0].lower() in password.lower() and len(email.split("@")[0]) > 2:
        return "Don't put your e-mail address in your password."
    return None


def create_local_user(session: Session, *, email: str, name: str, role: str = "rep",
                      password: str, manager_email: str | None = None,
                      timezone: str = "America/Chicago") -> User:
    """Create a user who signs in with a password; the caller commits."""
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
    session.flush()
    return user


def _manager_for(session: Session, manager_id: int | None, user_id: int | None = None) -> User | None:
    if not manager_id:
        return None
    manager = session.get(User, manager_id)
    if manager is None or manager.role != "manager" or not manager.active:
        raise UserError("Choose an active manager.", "manager_id")
    if user_id is not None and manager.id == user_id:
        raise UserError("Nobody can be their own manager.", "manager_id")
    return manager


def invite_user(session: Session, admin: User, *, email: str, name: str, role: str,
                manager_id: int | None, password: str | None,
                timezone: str = "America/Chicago") -> User:
    """An admin creates a user: with a temporary password, or (no password) company sign-in
    only, linked on their first OpenID Connect sign-in by their verified e-mail. Commits."""

    email = (email or "").strip().lower()
    name = (name or "").strip()
    if not name:
        raise UserError("Enter a name.", "name")
    if "@" not in email or len(email) > 254 or email.startswith("@") or email.endswith("@"):
        raise UserError("Enter a valid e-mail address.", "email")
    if role not in ROLES:
        raise UserError("Choose a role.", "role")
    if password:
        problem = password_problem(password, email)
        if problem:
            raise UserError(problem, "password")
    manager = _manager_for(session, manager_id)
    if session.scalar(select(User.id).where(User.email == email)):
        raise UserError(f"A user with the e-mail {email} exists already.", "email")
    # A temporary password is known to the admin who chose it: the user must replace it.
    user = User(email=email, name=name[:120], role=role, timezone=timezone,
                password_hash=hash_password(password) if password else None,
                manager_id=manager.id if manager else None,
                must_change_password=bool(password))
    session.add(user)
    session.flush()
    record(session, admin, "user.created", "user", user.id, email=email, role=role,
           manager_id=user.manager_id, sign_in="password" if password else "company")
    session.flush()
    return user


def change_user(session: Session, admin: User, user: User, *, role: str,
                manager_id: int | None) -> User:
    """Change a user's role and manager (takes effect on their next request). Commits."""

    if role not in ROLES:
        raise UserError("Choose a role.", "role")
    if user.id == admin.id and role != "admin":
        raise UserError("You cannot take away your own admin role.", "role")
    manager = _manager_for(session, manager_id, user.id)
    if user.role == "manager" and role != "manager":
        reps = session.scalar(select(func.count(User.id)).where(User.manager_id == user.id,
                                                                User.active.is_(True)))
        if reps:
            raise UserError(f"{user.name} still manages {reps} people: give them another "
                            "manager first.", "role")
    changes = {}
    if role != user.role:
        changes["role"] = [user.role, role]
    new_manager_id = manager.id if manager else None
    if new_manager_id != user.manager_id:
        changes["manager_id"] = [user.manager_id, new_manager_id]
    if changes:
        user.role = role
        user.manager_id = new_manager_id
        record(session, admin, "user.changed", "user", user.id, **changes)
        session.flush()
    return user


def set_active(session: Session, admin: User, user: User, active: bool) -> User:
    """Deactivate (every session of theirs ends at once) or reactivate a user. Commits."""

    if user.id == admin.id and not active:
        raise UserError("You cannot deactivate your own account.")
    if user.active == active:
        return user
    user.active = active
    if not active:
        end_all_sessions(session, user, "deactivated")
    record(session, admin, "user.deactivated" if not active else "user.reactivated", "user",
           user.id, email=user.email)
    session.flush()
    return user


def change_password(session: Session, user: User, *, current: str, new: str,
                    repeated: str) -> User:
    """A local user replaces their password; every other session of theirs ends. Commits.

    The caller starts a fresh session for the browser that made the change (the old one ended
    with the others). Raises UserError naming the field at fault."""

    if user.password_hash is None:
        raise UserError("You sign in with your company account: change that password there.")
    if not verify_password(user.password_hash, current or ""):
        raise UserError("That is not your current password.", "current_password")
    problem = password_problem(new or "", user.email)
    if problem:
        raise UserError(problem, "new_password")
    if new == current:
        raise UserError("Choose a password different from the current one.", "new_password")
    if new != repeated:
        raise UserError("The two new passwords differ: type the same one twice.",
                        "repeat_password")
    was_temporary = user.must_change_password
    user.password_hash = hash_password(new)
    user.must_change_password = False
    end_all_sessions(session, user, "password_changed")
    record(session, user, "auth.password_changed", "user", user.id, temporary=was_temporary)
    session.flush()
    return user


# Easy to read out over the phone: no 0/o, 1/l/i look-alikes. Four groups of four: ~79 bits.
_TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def generate_temporary_password(email: str | None = None) -> str:
    """A random one-time password like "k7qm-x2rd-9fhp-tw4e" that passes password_problem()."""
    while True:
        password = "-".join("".join(secrets.choice(_TEMPORARY_ALPHABET) for _ in range(4))
                            for _ in range(4))
        if password_problem(password, email) is None:
            return password


def password_reset_refusal(admin: User, user: User, *, local_login: bool = True) -> str | None:
    """Why `admin` cannot reset `user`'s password (None: they can). Only users who sign in
    with a password have one to reset; the company sign-in's password lives with the provider."""
    if not local_login:
        return "Password sign-in is switched off."
    if user.password_hash is None:
        return f"{user.name} signs in with the company account only."
    if user.id == admin.id:
        return "Change your own password at More → Change password."
    return None


def reset_password(session: Session, admin: User, user: User, *, password: str | None,
                   local_login: bool = True) -> str:
    """An admin gives `user` a one-time password: the one typed, or (None) a generated one.
    Like an invite's temporary password, it must be replaced at the next sign-in; every session
    of the user ends now. Returns the password (to show once; it is stored only hashed).
    Commits; raises UserError naming the field at fault."""

    refusal = password_reset_refusal(admin, user, local_login=local_login)
    if refusal:
        raise UserError(refusal)
    generated = not password
    if generated:
        password = generate_temporary_password(user.email)
    else:
        problem = password_problem(password, user.email)
        if problem:
            raise UserError(problem, "password")
    user.password_hash = hash_password(password)
    user.must_change_password = True
    end_all_sessions(session, user, "password_reset")
    record(session, admin, "user.password_reset", "user", user.id, email=user.email,
           generated=generated)
    session.flush()
    return password


def sign_out_everywhere(session: Session, user: User) -> None:
    """End every session of `user`, on every device, this one included. Commits."""

    end_all_sessions(session, user, "signed_out_everywhere")
    record(session, user, "auth.sign_out_everywhere", "user", user.id)
    session.flush()


def end_all_sessions(db_session, user: User, reason: str) -> None:
    """End every session of `user` now (deactivation, sign-out everywhere); no commit."""
    user.session_version = (user.session_version or 0) + 1
    db_session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), ended_reason=reason[:32])
    )
