"""Reads for the opportunity page: its change history, newest first."""
from __future__ import annotations

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import OpportunityChange, User

HISTORY_LIMIT = 60


def change_history(opportunity_id: int, limit: int = HISTORY_LIMIT):
    """Rows of (change, user name) for the opportunity, newest first, at most `limit`."""
    return db.session.execute(
        select(OpportunityChange, User.name.label("user_name"))
        .outerjoin(User, OpportunityChange.user_id == User.id)
        .where(OpportunityChange.opportunity_id == opportunity_id)
        .order_by(OpportunityChange.changed_at.desc(), OpportunityChange.id.desc())
        .limit(limit)
    ).all()
