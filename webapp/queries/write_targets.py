"""Records under an account that a write targets, fetched through the access filter.

Like `get_visible_account()`: a record whose account the user may not see is a 404."""
from __future__ import annotations

from flask import abort
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Account, Commitment, Note, Opportunity, User
from webapp.queries.access import account_visibility
from webapp.routing import MAX_DATABASE_ID


def get_visible_opportunity(user: User, opportunity_id: int) -> Opportunity:
    """The opportunity (with its account loaded), or 404 unless `user` may see its account."""
    if not 0 < opportunity_id <= MAX_DATABASE_ID:
        abort(404)
    row = db.session.execute(
        select(Opportunity, Account)
        .join(Account, Opportunity.account_id == Account.id)
        .where(Opportunity.id == opportunity_id, account_visibility(user))
    ).first()
    if row is None:
        abort(404)
    return row.Opportunity


def get_visible_commitment(user: User, commitment_id: int) -> Commitment:
    """The commitment, or 404 unless `user` may see its account."""
    if not 0 < commitment_id <= MAX_DATABASE_ID:
        abort(404)
    commitment = db.session.scalar(
        select(Commitment)
        .join(Account, Commitment.account_id == Account.id)
        .where(Commitment.id == commitment_id, account_visibility(user))
    )
    if commitment is None:
        abort(404)
    return commitment


def get_own_note(user: User, note_id: int) -> Note:
    """The user's own quick note, or 404 (an unfiled note is its author's alone)."""
    if not 0 < note_id <= MAX_DATABASE_ID:
        abort(404)
    note = db.session.scalar(select(Note).where(Note.id == note_id, Note.user_id == user.id))
    if note is None:
        abort(404)
    return note


def unfiled_note_ids(user: User, limit: int) -> list[int]:
    """The ids of the user's newest unfiled notes (for the briefcase: filing them offline)."""
    return list(db.session.scalars(
        select(Note.id).where(Note.user_id == user.id, Note.account_id.is_(None))
        .order_by(Note.created_at.desc(), Note.id.desc()).limit(limit)))
