"""Reads for the Today page: what needs the user's attention now. One query per section.

Every section is limited to the accounts the user may see (`account_visibility`): a rep's
own, a manager's team's, an admin's all. Lists are capped (SECTION_LIMIT) so the page stays
small on a phone however much is due; the cap is reported so the page can say so.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager, joinedload

from webapp.models import OPEN_STAGES, Account, Commitment, Note, Opportunity, User
from webapp.queries.access import account_visibility

SECTION_LIMIT = 30
RECENT_ACCOUNTS = 8


@dataclass
class Section:
    rows: list
    more: bool  # there were more than SECTION_LIMIT rows


def _capped(rows: list, limit: int = SECTION_LIMIT) -> Section:
    return Section(rows=rows[:limit], more=len(rows) > limit)


def next_steps_due(session: Session, user: User, today: date) -> Section:
    """Open opportunities whose next step is due on or before `today` (the user's local day),
    the longest overdue first, with their account and its owner."""
    rows = session.scalars(
        select(Opportunity)
        .join(Opportunity.account)
        .where(account_visibility(user), Opportunity.stage.in_(OPEN_STAGES),
               Opportunity.next_step_on <= today)
        .options(contains_eager(Opportunity.account).joinedload(Account.owner))
        .order_by(Opportunity.next_step_on, Opportunity.close_on, Opportunity.id)
        .limit(SECTION_LIMIT + 1)
    ).all()
    return _capped(list(rows))


def open_commitments(session: Session, user: User, party: str) -> Section:
    """Open commitments of one party ("theirs": what prospects owe; "ours": what we owe),
    soonest due first (undated last), with their account and its owner."""
    rows = session.scalars(
        select(Commitment)
        .join(Commitment.account)
        .where(account_visibility(user), Commitment.party == party, Commitment.kept.is_(None))
        .options(contains_eager(Commitment.account).joinedload(Account.owner))
        # NULLS LAST rather than "due_on IS NULL" first: the same order, read straight from
        # ix_commitments_open_due (party, due_on, id; open ones only).
        .order_by(Commitment.due_on.asc().nulls_last(), Commitment.id)
        .limit(SECTION_LIMIT + 1)
    ).all()
    return _capped(list(rows))


def recently_touched_accounts(session: Session, user: User,
                              limit: int = RECENT_ACCOUNTS) -> list[Account]:
    """The accounts with the latest meeting or note, newest first."""
    return list(session.scalars(
        select(Account)
        .where(account_visibility(user), Account.last_touch_at.is_not(None))
        .options(joinedload(Account.owner))
        .order_by(Account.last_touch_at.desc(), Account.id)
        .limit(limit)
    ))


def unfiled_notes(session: Session, user: User) -> Section:
    """The user's own quick notes that belong to no account yet, newest first.

    Only the author's: an unfiled note is a personal inbox to sort, not team pipeline.
    """
    rows = session.scalars(
        select(Note)
        .where(Note.user_id == user.id, Note.account_id.is_(None))
        .order_by(Note.created_at.desc(), Note.id.desc())
        .limit(SECTION_LIMIT + 1)
    ).all()
    return _capped(list(rows))


@dataclass
class TodayPage:
    today: date
    next_steps: Section
    theirs: Section
    ours: Section
    recent: list[Account]
    notes: Section


def today_page(session: Session, user: User, today: date) -> TodayPage:
    """Everything the Today page shows for `user` on their local `today` (five queries)."""
    return TodayPage(
        today=today,
        next_steps=next_steps_due(session, user, today),
        theirs=open_commitments(session, user, "theirs"),
        ours=open_commitments(session, user, "ours"),
        recent=recently_touched_accounts(session, user),
        notes=unfiled_notes(session, user),
    )
