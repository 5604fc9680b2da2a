"""Records under an account that a write targets, fetched through the access filter.

Like `get_visible_account()`: a record whose account the user may not see is a 404."""
from __future__ import annotations

from flask import abort
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Account, Commitment, Opportunity, User
from webapp.queries.access import account_visibility

# Primary keys are 32-bit integers: a larger id cannot exist, and PostgreSQL would answer it
# with "integer out of range" (a 500), so it is refused before it reaches the database.
_MAX_ID = 2**31 - 1


def get_visible_opportunity(user: User, opportunity_id: int) -> Opportunity:
    """The opportunity (with its account loaded), or 404 unless `user` may see its account."""
    if not 0 < opportunity_id <= _MAX_ID:
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
    if not 0 < commitment_id <= _MAX_ID:
        abort(404)
    commitment = db.session.scalar(
        select(Commitment)
        .join(Account, Commitment.account_id == Account.id)
        .where(Commitment.id == commitment_id, account_visibility(user))
    )
    if commitment is None:
        abort(404)
    return commitment
