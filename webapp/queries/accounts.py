"""Reads for the territory list and the account page.

The territory list is one query returning only the columns a row shows, so 3,000 accounts
stay cheap. The account page runs one query per section (the account itself comes from
`get_visible_account`), so its query count does not depend on the data.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Row, func, or_, select
from sqlalchemy.orm import Session, aliased, joinedload

from webapp.models import (
    OPEN_STAGES,
    Account,
    AccountSuccess,
    CheckIn,
    Commitment,
    Contact,
    Meeting,
    Note,
    Opportunity,
    User,
)
from webapp.queries.access import account_visibility
from webapp.queries.relationships import Arrival, contacts_and_arrivals

SORTS = ("name", "touch", "potential")
# Rows per page of the territory list: 300 rows with owner names stay under 14 KB gzip.
PAGE_SIZE = 300
# The compact index the phone filters and sorts on (kept by the briefcase for offline use);
# a bigger list (an admin's) is searched on the server instead.
INDEX_LIMIT = 5000
RECENT_MEETINGS = 10
RECENT_NOTES = 10
# Aliases built once: aliased() copies every column of the table (about 25 proxies each), which
# cost the account page more CPU than the rest of its query when built on every request.
_CHECKED_IN_AT = aliased(Account, name="checked_in_at")
_OPEN_AT = aliased(Account, name="open_at")


def territory_rows(session: Session, user: User, sort: str = "name", query: str = "",
                   limit: int | None = None, offset: int = 0,
                   positions: bool = False) -> list[Row]:
    """The accounts `user` may see, as light rows (id, name, city, industry, last_touch_at,
    potential, owner_name), in the order asked for.

    `sort`: "name" (A-Z), "touch" (most recently touched first, never-touched last) or
    "potential" (highest first). `query` filters name, city and industry (the server-side
    fallback of the in-browser filter, for browsers without JavaScript).
    `limit`/`offset` page it (the sort is total: ties are broken by id).
    `positions` adds latitude and longitude at the end of each row (near me, the map).
    """
    stmt = (
        select(Account.id, Account.name, Account.city, Account.industry, Account.last_touch_at,
               Account.potential, User.name.label("owner_name"))
        .outerjoin(User, User.id == Account.owner_id)
        .where(account_visibility(user))
    )
    if positions:
        stmt = stmt.add_columns(Account.latitude, Account.longitude)
    words = query.strip().lower().split()
    for word in words[:5]:
        pattern = f"%{_escape_like(word)}%"
        stmt = stmt.where(or_(func.lower(Account.name).like(pattern, escape="\\"),
                              func.lower(Account.city).like(pattern, escape="\\"),
                              func.lower(Account.industry).like(pattern, escape="\\")))
    name_order = (func.lower(Account.name), Account.id)
    if sort == "touch":
        stmt = stmt.order_by(Account.last_touch_at.is_(None), Account.last_touch_at.desc(),
                             *name_order)
    elif sort == "potential":
        stmt = stmt.order_by(Account.potential.desc(), *name_order)
    else:
        stmt = stmt.order_by(*name_order)
    if limit is not None:
        stmt = stmt.limit(limit).offset(offset)
    return list(session.execute(stmt))


def territory_index(session: Session, user: User) -> tuple[list[Row], bool]:
    """The compact index of the accounts `user` may see, A-Z (at most INDEX_LIMIT), and
    whether it holds all of them. Each row ends with the account's latitude and longitude
    (None when unknown), for near me."""
    rows = territory_rows(session, user, limit=INDEX_LIMIT + 1, positions=True)
    return rows[:INDEX_LIMIT], len(rows) <= INDEX_LIMIT


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass
class AccountHead:
    """The account page's first screen: the account, what the rep said about the customer
    (health, outcome, reference), and the user's open check-in anywhere with the name of the
    account it is at."""
    account: Account
    success: AccountSuccess | None
    open_checkin: tuple[CheckIn, str] | None


def account_head(session: Session, user: User, account_id: int) -> AccountHead | None:
    """The account if `user` may see it, with its success row and the user's latest open
    check-in (not checked out nor discarded, at an account they may still see), or None.
    One query, whatever the page shows."""
    row = session.execute(_heads(user).where(Account.id == account_id)).first()
    return None if row is None else _head(row)


def _heads(user: User):
    """The statement of `account_head` without the account: one row per visible account."""
    at, seen = _CHECKED_IN_AT, _OPEN_AT
    latest_open = (
        select(CheckIn.id).join(seen, CheckIn.account_id == seen.id)
        .where(CheckIn.user_id == user.id, CheckIn.out_at.is_(None),
               CheckIn.discarded_at.is_(None), account_visibility(user, seen))
        .order_by(CheckIn.in_at.desc(), CheckIn.id.desc()).limit(1)
        .correlate(None).scalar_subquery())
    return (
        select(Account, AccountSuccess, CheckIn, at.name)
        .outerjoin(AccountSuccess, AccountSuccess.account_id == Account.id)
        .outerjoin(CheckIn, CheckIn.id == latest_open)
        .outerjoin(at, at.id == CheckIn.account_id)
        .options(joinedload(Account.owner), joinedload(AccountSuccess.health_set_by))
        .where(account_visibility(user)))


def _head(row) -> AccountHead:
    account, success, checkin, checkin_at = row
    return AccountHead(account, success, (checkin, checkin_at) if checkin else None)


@dataclass
class AccountPage:
    account: Account
    contacts: list[Contact]
    arrivals: list[Arrival]
    opportunities: list[Opportunity]
    meetings: list[Meeting]
    notes: list[Note]
    commitments: list[Commitment]


def account_page(session: Session, account: Account) -> AccountPage:
    """What the account page shows about an account the user may see (already checked):
    contacts, open opportunities (closing soonest first), recent meetings and notes (newest
    first), open commitments of both sides (soonest due first), and who joined from another
    company. One query per section."""
    contacts, arrivals = contacts_and_arrivals(session, account)
    return AccountPage(
        account=account,
        contacts=contacts,
        arrivals=arrivals,
        opportunities=list(session.scalars(
            select(Opportunity)
            .where(Opportunity.account_id == account.id, Opportunity.stage.in_(OPEN_STAGES))
            .order_by(Opportunity.close_on, Opportunity.id))),
        meetings=list(session.scalars(
            select(Meeting).where(Meeting.account_id == account.id)
            .order_by(Meeting.started_at.desc(), Meeting.id.desc()).limit(RECENT_MEETINGS))),
        notes=list(session.scalars(
            select(Note).where(Note.account_id == account.id)
            .order_by(Note.created_at.desc(), Note.id.desc()).limit(RECENT_NOTES))),
        commitments=list(session.scalars(
            select(Commitment)
            .where(Commitment.account_id == account.id, Commitment.kept.is_(None))
            .order_by(Commitment.due_on.is_(None), Commitment.due_on, Commitment.id))),
    )


def account_pages(session: Session, user: User, account_ids: list[int]
                  ) -> dict[int, tuple[AccountHead, AccountPage]]:
    """`account_head` and `account_page` for many accounts at once (the briefcase renders
    its account pages in packs of up to 50): the same rows in the same order, with one query
    per section for all of them instead of one per account, plus the people of each (one
    query per account, webapp.queries.relationships). Accounts `user` may not see are left
    out (their page answers 404 as before)."""
    if not account_ids:
        return {}
    heads = {row[0].id: _head(row)
             for row in session.execute(_heads(user).where(Account.id.in_(account_ids)))}
    if not heads:
        return {}
    ids = list(heads)
    opportunities = _grouped(session.scalars(
        select(Opportunity)
        .where(Opportunity.account_id.in_(ids), Opportunity.stage.in_(OPEN_STAGES))
        .order_by(Opportunity.account_id, Opportunity.close_on, Opportunity.id)))
    meetings = _grouped(_latest(session, Meeting, ids, RECENT_MEETINGS,
                                (Meeting.started_at.desc(), Meeting.id.desc())))
    notes = _grouped(_latest(session, Note, ids, RECENT_NOTES,
                             (Note.created_at.desc(), Note.id.desc())))
    commitments = _grouped(session.scalars(
        select(Commitment)
        .where(Commitment.account_id.in_(ids), Commitment.kept.is_(None))
        .order_by(Commitment.account_id, Commitment.due_on.is_(None), Commitment.due_on,
                  Commitment.id)))
    pages = {}
    for account_id, head in heads.items():
        contacts, arrivals = contacts_and_arrivals(session, head.account)
        pages[account_id] = (head, AccountPage(
            account=head.account, contacts=contacts, arrivals=arrivals,
            opportunities=opportunities.get(account_id, []),
            meetings=meetings.get(account_id, []), notes=notes.get(account_id, []),
            commitments=commitments.get(account_id, [])))
    return pages


def _latest(session: Session, model, account_ids: list[int], per_account: int, order):
    """The newest `per_account` rows of `model` (meetings, notes) of each account, in `order`
    within each account: one query (a window function), as `account_page`'s LIMIT each."""
    rank = func.row_number().over(partition_by=model.account_id, order_by=order).label("rank")
    ranked = select(model.id, rank).where(model.account_id.in_(account_ids)).subquery()
    return session.scalars(
        select(model).join(ranked, ranked.c.id == model.id)
        .where(ranked.c.rank <= per_account).order_by(model.account_id, *order))


def _grouped(rows) -> dict[int, list]:
    grouped: dict[int, list] = {}
    for row in rows:
        grouped.setdefault(row.account_id, []).append(row)
    return grouped
