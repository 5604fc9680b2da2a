"""The briefcase version of an account (`accounts.briefcase_version`): one number that changes
whenever the account or anything its offline pages show changes, so a phone refreshes only the
accounts that changed (webapp/pwa.py `briefcase_manifest`).

Bumped after every ORM flush, in the same transaction, for each account touched: the account
itself, or any record carrying an `account_id` (meetings, notes, contacts, deals, commitments,
...), or an `opportunity_id` (a deal's changes, closure, qualification answers). Services need
not know about it. Bulk UPDATE statements bypass it; the briefcase also starts afresh once a day
and after every deploy (see `webapp/pwa.py`), which covers them.
"""
from __future__ import annotations

from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm import Session as OrmSession

from webapp.models.accounts import Account
from webapp.models.selling import Opportunity


def _values(obj, name: str) -> set[int]:
    """The attribute's value now and, if it changed in this flush, its value before."""
    state = inspect(obj)
    if name not in state.mapper.column_attrs:
        return set()
    history = state.attrs[name].history
    return {v for v in (*history.added, *history.unchanged, *history.deleted)
            if isinstance(v, int)} or ({state.dict.get(name)} - {None})


@event.listens_for(OrmSession, "after_flush")
def _bump_briefcase_versions(db_session, _flush_context) -> None:
    accounts: set[int] = set()
    opportunities: set[int] = set()
    changed = [*db_session.new, *db_session.deleted,
               *(o for o in db_session.dirty if db_session.is_modified(o))]
    for obj in changed:
        if isinstance(obj, Account):
            if obj.id is not None:
                accounts.add(obj.id)
            continue
        if isinstance(obj, Opportunity):
            accounts |= _values(obj, "account_id")
            continue
        found = _values(obj, "account_id")
        accounts |= found
        if not found:
            opportunities |= _values(obj, "opportunity_id")
    condition = None
    if accounts:
        condition = Account.id.in_(sorted(accounts))
    if opportunities:
        via = Account.id.in_(select(Opportunity.account_id)
                             .where(Opportunity.id.in_(sorted(opportunities))))
        condition = via if condition is None else condition | via
    if condition is not None:
        db_session.execute(update(Account).where(condition)
                           .values(briefcase_version=Account.briefcase_version + 1,
                                   updated_at=Account.updated_at)
                           .execution_options(synchronize_session=False))
