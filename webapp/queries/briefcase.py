"""What a rep's phone keeps for offline use (the "territory briefcase")."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.models import OPEN_STAGES, Account, Note, Opportunity, User
from webapp.queries.access import account_visibility

# An admin "sees" every account; a phone is not a replica of the database.
MAX_ACCOUNTS = 5000
# The WSGI environ key under which a pack (GET /offline/pack) hands the pages it renders the
# account pages it read for all of them at once (webapp.queries.accounts.account_pages).
PREFETCHED_ACCOUNT_PAGES = "groundwork.briefcase.account_pages"


def briefcase_ids(session: Session, user: User, limit: int = MAX_ACCOUNTS) -> tuple[list[int],
                  list[int]]:
    """Ids of the accounts `user` may see (most recently touched first, at most `limit`) and
    of the open opportunities on those accounts. Two queries, whatever the territory's size."""
    territory = (select(Account.id).where(account_visibility(user))
                 .order_by(Account.last_touch_at.desc().nulls_last(), Account.id).limit(limit))
    account_ids = list(session.scalars(territory))
    if not account_ids:
        return [], []
    opportunity_ids = list(session.scalars(
        select(Opportunity.id)
        .where(Opportunity.account_id.in_(territory.scalar_subquery()),
               Opportunity.stage.in_(OPEN_STAGES))
        .order_by(Opportunity.id)
    ))
    return account_ids, opportunity_ids


def unfiled_note_ids(session: Session, user: User, limit: int) -> list[int]:
    """The ids of the user's newest unfiled notes (for the briefcase: filing them offline)."""
    return list(session.scalars(
        select(Note.id).where(Note.user_id == user.id, Note.account_id.is_(None))
        .order_by(Note.created_at.desc(), Note.id.desc()).limit(limit)))


def briefcase_versions(session, user: User, limit: int = MAX_ACCOUNTS
                       ) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """As `briefcase_ids`, each id with the version of what its pages show: an account's
    `briefcase_version`, and for an open opportunity its account's (a deal's changes bump its
    account, webapp/models/briefcase.py). Two queries, whatever the territory's size."""
    territory = (select(Account.id, Account.briefcase_version).where(account_visibility(user))
                 .order_by(Account.last_touch_at.desc().nulls_last(), Account.id).limit(limit))
    accounts = [(row[0], row[1]) for row in session.execute(territory)]
    if not accounts:
        return [], []
    visible = territory.with_only_columns(Account.id).scalar_subquery()
    opportunities = [(row[0], row[1]) for row in session.execute(
        select(Opportunity.id, Account.briefcase_version)
        .join(Account, Account.id == Opportunity.account_id)
        .where(Opportunity.account_id.in_(visible), Opportunity.stage.in_(OPEN_STAGES))
        .order_by(Opportunity.id))]
    return accounts, opportunities
