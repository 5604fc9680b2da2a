"""Reads for the admin pages: users and the audit log."""
from __future__ import annotations

from sqlalchemy import Row, String, and_, cast, select
from sqlalchemy.orm import Session, aliased

from webapp.models import Account, AuditEvent, User

AUDIT_PAGE_SIZE = 100


def users_for_admin(session: Session) -> list[Row]:
    """Every user with their manager's name, active first, then by name."""
    manager = aliased(User)
    return list(session.execute(
        select(User, manager.name.label("manager_name"))
        .outerjoin(manager, manager.id == User.manager_id)
        .order_by(User.active.desc(), User.name)).all())


def audit_events(session: Session, before_id: int | None = None,
                 action: str | None = None) -> list[Row]:
    """The newest audit events, a page at a time, newest first, each with the actor's name
    and e-mail and, when the event is about a user, that user's name (one query)."""
    actor, target = aliased(User), aliased(User)
    query = (select(AuditEvent, actor.name.label("actor_name"), actor.email.label("actor_email"),
                    target.name.label("target_name"))
             .outerjoin(actor, actor.id == AuditEvent.actor_id)
             .outerjoin(target, and_(AuditEvent.target_type == "user",
                                     AuditEvent.target_id == cast(target.id, String)))
             .order_by(AuditEvent.id.desc()).limit(AUDIT_PAGE_SIZE))
    if before_id:
        query = query.where(AuditEvent.id < before_id)
    if action:
        query = query.where(AuditEvent.action.startswith(action))
    return list(session.execute(query).all())


def names_for(session: Session, user_ids: set[int], account_ids: set[int]) -> tuple[dict[int, str],
              dict[int, str]]:
    """Names of the users and accounts an audit page mentions (two bounded queries at most)."""
    users = dict(session.execute(
        select(User.id, User.name).where(User.id.in_(user_ids))).all()) if user_ids else {}
    accounts = dict(session.execute(
        select(Account.id, Account.name).where(Account.id.in_(account_ids))).all()) \
        if account_ids else {}
    return users, accounts
