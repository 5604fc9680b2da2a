"""The audit log: who did what, when (UTC), from where. Append-only; nothing in the app edits it."""
from __future__ import annotations

import json

from sqlalchemy.orm import Session

from webapp.clock import utcnow
from webapp.domain.audit_actions import ACTIONS
from webapp.models import AuditEvent, User

# The request's client address, put in the session's info by webapp/hooks.py (none in a CLI
# command or a script).
CLIENT_ADDRESS = "client_address"
# Detail values are cut so a hostile input cannot bloat the log.
_MAX_DETAIL_VALUE = 200


def record(session: Session, actor: User | int | None, action: str, target_type: str = "",
           target_id: object = "", **detail) -> AuditEvent:
    """Add an audit event to `session` without committing: it is written with the caller's
    own change (or not at all, if that change is rolled back). `action` is one of
    webapp.domain.audit_actions.ACTIONS (a name missing there is a programming error)."""
    if action not in ACTIONS:
        raise ValueError(f"Unknown audit action {action!r}: add it to webapp/domain/audit_actions.py")
    event = AuditEvent(
        at=utcnow(),
        actor_id=actor.id if isinstance(actor, User) else actor,
        action=action[:64],
        target_type=target_type[:32],
        target_id=str(target_id if target_id is not None else "")[:64],
        detail=json.dumps({k: _clip(v) for k, v in detail.items()}, sort_keys=True, default=str),
        ip=session.info.get(CLIENT_ADDRESS, ""),
    )
    session.add(event)
    return event


def record_now(session: Session, actor: User | int | None, action: str, target_type: str = "",
               target_id: object = "", **detail) -> AuditEvent:
    """Record and commit at once: for events whose request writes nothing else or is refused
    (a failed sign-in, refused access), so the event survives the refusal."""
    event = record(session, actor, action, target_type, target_id, **detail)
    session.commit()
    return event


def _clip(value: object) -> object:
    if isinstance(value, str) and len(value) > _MAX_DETAIL_VALUE:
        return value[:_MAX_DETAIL_VALUE] + "…"
    return value

