"""Reads for the admin pages: users and the audit log."""
from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import aliased

from webapp.models import AuditEvent, User

AUDIT_PAGE_SIZE = 100


def users_for_admin() -> Select:
    """Every user with their manager's name, active first, then by name."""
    manager = aliased(User)
    return (select(User, manager.name.label("manager_name"))
            .outerjoin(manager, manager.id == User.manager_id)
            .order_by(User.active.desc(), User.name))


def managers() -> Select[tuple[User]]:
    """Active managers, the choices for a user's manager."""
    return select(User).where(User.role == "manager", User.active.is_(True)).order_by(User.name)


def audit_events(before_id: int | None = None, action: str | None = None) -> Select:
    """The newest audit events (with the actor's e-mail), a page at a time, newest first."""
    actor = aliased(User)
    query = (select(AuditEvent, actor.email.label("actor_email"))
             .outerjoin(actor, actor.id == AuditEvent.actor_id)
             .order_by(AuditEvent.id.desc()).limit(AUDIT_PAGE_SIZE))
    if before_id:
        query = query.where(AuditEvent.id < before_id)
    if action:
        query = query.where(AuditEvent.action.startswith(action))
    return query
