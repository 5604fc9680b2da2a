"""Records under an account that a write targets, fetched through the access filter.

Like `get_visible_account()`: a record whose account the user may not see is a 404."""
from __future__ import annotations

from flask import abort
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Account, Commitment, Opportunity, User
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
