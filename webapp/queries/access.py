"""Who may see what: the one place access to accounts (and everything under them) is decided.

Every read and write of an account, or of a record under an account, goes through
`visible_accounts()` or `get_visible_account()`. A record outside the user's reach is a 404,
so its existence is not revealed.
"""
from __future__ import annotations

from flask import abort
from sqlalchemy import ColumnElement, Select, false, or_, select, true

from webapp.extensions import db
from webapp.models import Account, User
from webapp.routing import MAX_DATABASE_ID


def account_visibility(user: User) -> ColumnElement[bool]:
    """The filter for accounts `user` may see: a rep their own, a manager their reps', an admin all."""
    if not user.active:
        return false()
    if user.is_admin:
        return true()
    if user.is_manager:
        # One IN (me, my reps), not "= me OR IN (…)": PostgreSQL serves an IN with the
        # owner index, an OR across the two with a scan of every account.
        team = select(User.id).where(or_(User.id == user.id, User.manager_id == user.id))
        return Account.owner_id.in_(team.scalar_subquery())
    return Account.owner_id == user.id


def visible_accounts(user: User) -> Select[tuple[Account]]:
    """A select() of the accounts `user` may see, to refine further."""
    return select(Account).where(account_visibility(user))


def get_visible_account(user: User, account_id: int) -> Account:
    """The account, or 404 when it does not exist or `user` may not see it."""
    if not 0 < account_id <= MAX_DATABASE_ID:
        abort(404)
    account = db.session.scalar(visible_accounts(user).where(Account.id == account_id))
    if account is None:
        abort(404)
    return account


def visible_user_ids(user: User) -> Select[tuple[int]]:
    """Ids of the users whose work `user` may see (themselves, their reps, or everyone)."""
    if user.is_admin:
        return select(User.id)
    if user.is_manager:
        return select(User.id).where(or_(User.id == user.id, User.manager_id == user.id))
    return select(User.id).where(User.id == user.id)
