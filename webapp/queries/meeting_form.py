"""Reads for the log-meeting and quick-note forms: the account picker (shared by every form
that asks for an account) and what belongs to the chosen account (its contacts and open
opportunities); a meeting's own page."""
from __future__ import annotations

from sqlalchemy import case, exists, or_, select
from sqlalchemy.orm import Session

from webapp.models import OPEN_STAGES, Account, Commitment, Contact, Meeting, Opportunity, User
from webapp.queries.access import account_visibility
from webapp.routing import MAX_DATABASE_ID

RECENT_ACCOUNTS = 5
SEARCH_LIMIT = 20
MAX_SEARCH_WORDS = 5
MAX_SEARCH_TEXT = 100


def _literal(text: str) -> str:
    """`text` for a LIKE pattern, its wildcards taken literally (escape character: backslash)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _label(row) -> str:
    return f"{row.name} · {row.city}" if row.city else row.name


def recent_accounts(session: Session, user: User, limit: int = RECENT_ACCOUNTS) -> list[tuple[int,
                    str]]:
    """The accounts `user` touched last (then by name), as (id, "Name · City"): the picker's
    first offer.

    A bounded read whatever the territory's size (the rest is found by `search_accounts`)."""
    rows = session.execute(
        select(Account.id, Account.name, Account.city)
        .where(account_visibility(user))
        .order_by(Account.last_touch_at.is_(None), Account.last_touch_at.desc(), Account.name,
                  Account.id)
        .limit(limit)
    ).all()
    return [(r.id, _label(r)) for r in rows]


def search_accounts(session: Session, user: User, text: str,
                    limit: int = SEARCH_LIMIT) -> list[tuple[int, str]]:
    """Accounts `user` may see whose name (or city) contains `text`, names that start with it
    first, then by name: at most `limit` (id, "Name · City"). Blank text finds nothing."""
    words = text.split()[:MAX_SEARCH_WORDS]
    if not words:
        return []
    query = select(Account.id, Account.name, Account.city).where(account_visibility(user))
    for word in words:  # every word somewhere in the name or the city: "acme chic"
        query = query.where(or_(Account.name.ilike(f"%{_literal(word)}%", escape="\\"),
                                Account.city.ilike(f"%{_literal(word)}%", escape="\\")))
    starts = Account.name.ilike(f"{_literal(words[0])}%", escape="\\")
    rows = session.execute(
        query.order_by(case((starts, 0), else_=1), Account.name, Account.id).limit(limit)
    ).all()
    return [(r.id, _label(r)) for r in rows]


def account_label(session: Session, user: User, account_id: int) -> tuple[int, str] | None:
    """(id, "Name · City") of one account `user` may see, else None (the picker keeps a
    chosen account offered while the rep searches for another)."""
    row = session.execute(
        select(Account.id, Account.name, Account.city)
        .where(account_visibility(user), Account.id == account_id)
    ).first()
    return (row.id, _label(row)) if row else None


def picker_choices(session: Session, user: User, text: str, chosen) -> dict:
    """What the account picker offers (templates/meetings/_account_picker.html, on every form
    that asks for an account): the chosen account first, then the matches of `text` (or,
    with nothing typed, the recent accounts). Bounded: never every account."""
    text = (text or "").strip()[:MAX_SEARCH_TEXT]
    if isinstance(chosen, str) and chosen.isdigit():
        chosen = int(chosen)
    chosen_id = chosen if isinstance(chosen, int) and 0 < chosen <= MAX_DATABASE_ID else None
    found = search_accounts(session, user, text) if text else recent_accounts(session, user)
    picked = account_label(session, user, chosen_id) if chosen_id else None
    choices = ([picked] if picked else []) + [c for c in found if not picked or c[0] != picked[0]]
    return {"choices": choices, "chosen_id": picked[0] if picked else None, "account_q": text}


def account_contacts(session: Session, account_id: int) -> list[Contact]:
    """The account's contacts, by name (to pick attendees)."""
    return list(session.scalars(
        select(Contact).where(Contact.account_id == account_id, Contact.left_on.is_(None))
        .order_by(Contact.name, Contact.id)
    ))


def open_opportunities(session: Session, account_id: int) -> list[Opportunity]:
    """The account's open opportunities, soonest close first (a meeting may be about one)."""
    return list(session.scalars(
        select(Opportunity)
        .where(Opportunity.account_id == account_id, Opportunity.stage.in_(OPEN_STAGES))
        .order_by(Opportunity.close_on, Opportunity.id)
    ))


def has_meetings(session: Session, account_id: int) -> bool:
    """Whether anyone has logged a meeting with this account (else the next is a first one)."""
    return bool(session.scalar(select(exists().where(Meeting.account_id == account_id))))


MEETING_PAGES_CAP = 200


def meeting_page(session: Session, meeting: Meeting) -> tuple[list[Commitment], Opportunity | None]:
    """What was promised at a meeting (open and closed, theirs first, soonest due first) and the
    deal it was about: two queries whatever was said."""
    commitments = list(session.scalars(
        select(Commitment).where(Commitment.meeting_id == meeting.id)
        .order_by(Commitment.party.desc(), Commitment.due_on.is_(None), Commitment.due_on,
                  Commitment.id)))
    opportunity = session.get(Opportunity, meeting.opportunity_id) \
        if meeting.opportunity_id else None
    return commitments, opportunity


def meeting_ids_with_open_commitments(session: Session, user: User,
                                      limit: int = MEETING_PAGES_CAP) -> list[int]:
    """The meetings whose promises are still open (newest first): the briefcase keeps their
    pages, so a promise can be marked kept on its meeting offline too."""
    return list(session.scalars(
        select(Meeting.id).join(Account, Meeting.account_id == Account.id)
        .where(account_visibility(user),
               exists().where(Commitment.meeting_id == Meeting.id, Commitment.kept.is_(None)))
        .order_by(Meeting.started_at.desc(), Meeting.id.desc()).limit(limit)))


def opportunity_of_account(session: Session, account_id: int,
                           opportunity_id: int) -> Opportunity | None:
    """The opportunity a meeting names, if it belongs to the meeting's account (which the
    caller has reached through the access filter)."""
    return session.scalar(select(Opportunity).where(Opportunity.id == opportunity_id,
                                                    Opportunity.account_id == account_id))
