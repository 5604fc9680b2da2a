"""The audit log: who did what, when (UTC), from where. Append-only; nothing in the app edits it."""
from __future__ import annotations

import json

from flask import has_request_context, request
from sqlalchemy.orm import Session

from webapp.clock import utcnow
from webapp.models import AuditEvent, User

# Detail values are cut so a hostile input cannot bloat the log.
_MAX_DETAIL_VALUE = 200


def record(session: Session, actor: User | int | None, action: str, target_type: str = "",
           target_id: object = "", **detail) -> AuditEvent:
    """Add an audit event to `session` without committing: it is written with the caller's
    own change (or not at all, if that change is rolled back)."""
    event = AuditEvent(
        at=utcnow(),
        actor_id=actor.id if isinstance(actor, User) else actor,
        action=action[:64],
        target_type=target_type[:32],
        target_id=str(target_id if target_id is not None else "")[:64],
        detail=json.dumps({k: _clip(v) for k, v in detail.items()}, sort_keys=True, default=str),
        ip=_client_address(),
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


def _client_address() -> str:
    # request.remote_addr is the proxy-corrected address when TRUSTED_PROXIES is set.
    return (request.remote_addr or "")[:64] if has_request_context() else ""
