"""Reads for people across companies and old lists (issue 14): the rep's keep-in-touch list,
a person's history, who joined an account from elsewhere, the rep's old list. Each function
takes the session first; each is a few queries whatever the number of rows."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from webapp.clock import utcnow
from webapp.domain.relationships import (
    GOOD_ENGAGEMENT,
    LOST_REASONS,
    OLD_FROM_DAYS,
    OLD_TO_DAYS,
    KeptPerson,
    Mark,
    OldListEntry,
    Signal,
    is_executive,
    keep_in_touch_order,
    old_list,
)
from webapp.models import (
    OPEN_STAGES,
    Account,
    Contact,
    ContactPosition,
    DealClosure,
    KeepInTouch,
    Meeting,
    OldListMark,
    Opportunity,
    Touch,
    User,
)
from webapp.queries.access import account_visibility

NO_COMPANY = "No company yet"


@dataclass
class KeptRow:
    contact: Contact
    company: str  # where they work now, as the rep reads it
    account_id: int | None  # that company's account, when the rep may open it
    last_reached: datetime | None
    champion: bool
    executive: bool
    moved: bool


def _last_reached(user: User):
    """Correlated: the latest touch by `user` of the contact, and the latest meeting of the
    user's whose attendees name the contact."""
    touched = (select(func.max(Touch.touched_at))
               .where(Touch.user_id == user.id, Touch.contact_id == Contact.id)
               .correlate(Contact).scalar_subquery())
    met = (select(func.max(Meeting.started_at))
           .where(Meeting.user_id == user.id, Meeting.attendees.contains(Contact.name))
           .correlate(Contact).scalar_subquery())
    return touched, met


def keep_in_touch_list(session: Session, user: User) -> list[KeptRow]:
    """The people `user` keeps in touch with, former champions and executives first, then
    the longest unreached. Two queries."""
    touched, met = _last_reached(user)
    now_at = aliased(ContactPosition)
    now_account = aliased(Account)
    rows = session.execute(
        select(Contact, Account.name, Account.id, account_visibility(user).label("mine"),
               now_at.company_name, now_at.id, now_account.name, now_account.id, touched, met)
        .join(KeepInTouch, and_(KeepInTouch.contact_id == Contact.id,
                                KeepInTouch.user_id == user.id))
        .join(Account, Account.id == Contact.account_id)
        .outerjoin(now_at, and_(now_at.contact_id == Contact.id, now_at.ended_on.is_(None)))
        .outerjoin(now_account, now_account.id == now_at.account_id)
        .order_by(Contact.name, Contact.id)).all()
    moved = set(session.scalars(
        select(ContactPosition.contact_id).join(KeepInTouch, and_(
            KeepInTouch.contact_id == ContactPosition.contact_id, KeepInTouch.user_id == user.id))
        .where(ContactPosition.ended_on.is_not(None)).distinct()))
    seen: dict[int, KeptRow] = {}
    for contact, home_name, home_id, mine, text, open_id, now_name, now_id, t, m in rows:
        if contact.id in seen:
            continue
        if open_id is not None:
            company = now_name or text or NO_COMPANY
            account_id = now_id if now_id == home_id and mine else None
        elif contact.left_on is not None:
            company, account_id = NO_COMPANY, None
        else:
            company, account_id = home_name, home_id if mine else None
        reached = max((d for d in (t, m) if d is not None), default=None)
        seen[contact.id] = KeptRow(contact, company, account_id, reached, contact.champion,
                                   is_executive(contact.title), contact.id in moved)
    order = keep_in_touch_order([KeptPerson(r.contact.id, r.champion, r.contact.title,
                                            r.last_reached) for r in seen.values()])
    return [seen[p.contact_id] for p in order]


def history(session: Session, contact: Contact) -> list[ContactPosition]:
    """The person's positions, newest first (the current one first when a move recorded it)."""
    return list(session.scalars(
        select(ContactPosition).where(ContactPosition.contact_id == contact.id)
        .order_by(ContactPosition.ended_on.is_(None).desc(), ContactPosition.ended_on.desc(),
                  ContactPosition.id.desc())))


# Built once: aliased() copies every column of accounts, about 4 ms a call (bench/profile_pages.py).
_PAST_ACCOUNT = aliased(Account, name="past_account")


@dataclass
class Arrival:
    contact: Contact
    came_from: str
    known_to: list[str]


def contacts_and_arrivals(session: Session, account: Account) -> tuple[list[Contact], list[Arrival]]:
    """The people at `account` now (by name), and those of them who came from another company
    with the reps who keep in touch with them ("Ana Ruiz joined from X, known to Bea"): for
    whoever owns the account now. One query (a row per person, past position and keeper)."""
    past_account = _PAST_ACCOUNT
    came_from = and_(ContactPosition.contact_id == Contact.id,
                     ContactPosition.ended_on.is_not(None),
                     or_(ContactPosition.account_id.is_(None),
                         ContactPosition.account_id != account.id))
    rows = session.execute(
        select(Contact, ContactPosition.id, ContactPosition.company_name, past_account.name,
               User.name)
        .outerjoin(ContactPosition, came_from)
        .outerjoin(past_account, past_account.id == ContactPosition.account_id)
        .outerjoin(KeepInTouch, and_(KeepInTouch.contact_id == Contact.id,
                                     ContactPosition.id.is_not(None)))
        .outerjoin(User, and_(User.id == KeepInTouch.user_id, User.active.is_(True)))
        .where(Contact.account_id == account.id, Contact.left_on.is_(None))
        .order_by(Contact.name, Contact.id, ContactPosition.ended_on.desc(),
                  ContactPosition.id.desc(), User.name)).all()
    people: dict[int, Contact] = {}
    found: dict[int, Arrival] = {}
    for contact, position_id, text, past_name, keeper in rows:
        people.setdefault(contact.id, contact)
        if position_id is None:
            continue
        arrival = found.get(contact.id)
        if arrival is None:
            arrival = found[contact.id] = Arrival(contact, past_name or text, [])
        if keeper and keeper not in arrival.known_to:
            arrival.known_to.append(keeper)
    return list(people.values()), sorted(found.values(), key=lambda a: a.contact.id)


@dataclass
class OldListRow:
    entry: OldListEntry
    account: Account
    contact: Contact | None


def old_list_page(session: Session, user: User, now: datetime | None = None) -> list[OldListRow]:
    """The rep's old list (webapp.domain.relationships.old_list) over the accounts they own:
    five queries whatever the territory's size."""
    now = now or utcnow()
    start, end = now - timedelta(days=OLD_TO_DAYS), now - timedelta(days=OLD_FROM_DAYS)
    mine = and_(Account.owner_id == user.id, account_visibility(user))
    signals: list[Signal] = []
    attendees: dict[tuple[int, datetime], str] = {}
    for r in session.execute(
            select(Meeting.account_id, Meeting.started_at, Meeting.engagement,
                   Meeting.initiated_by, Meeting.attendees)
            .join(Account, Account.id == Meeting.account_id)
            .where(mine, Meeting.started_at.between(start, end),
                   or_(Meeting.engagement >= GOOD_ENGAGEMENT, Meeting.initiated_by == "them"))):
        signals.append(Signal(r.account_id, r.started_at, "meeting", engagement=r.engagement,
                              initiated_by=r.initiated_by))
        attendees[(r.account_id, r.started_at)] = r.attendees or ""
    for r in session.execute(
            select(Opportunity.account_id, DealClosure.closed_at, DealClosure.loss_reason)
            .join(Opportunity, Opportunity.id == DealClosure.opportunity_id)
            .join(Account, Account.id == Opportunity.account_id)
            .where(mine, DealClosure.outcome == "lost", DealClosure.reopened_at.is_(None),
                   DealClosure.loss_reason.in_(LOST_REASONS),
                   DealClosure.closed_at.between(start, end))):
        signals.append(Signal(r.account_id, r.closed_at, "lost", loss_reason=r.loss_reason))
    if not signals:
        return []
    ids = {s.account_id for s in signals}
    open_deal = exists().where(Opportunity.account_id == Account.id,
                               Opportunity.stage.in_(OPEN_STAGES))
    accounts, potentials, last = {}, {}, {}
    for account, has_open in session.execute(
            select(Account, open_deal).where(Account.id.in_(ids))):
        accounts[account.id] = account
        potentials[account.id] = account.potential
        last[account.id] = now if has_open else account.last_touch_at
    marks = {m.account_id: Mark(m.snoozed_until, m.dismissed_at is not None)
             for m in session.scalars(select(OldListMark).where(
                 OldListMark.user_id == user.id, OldListMark.account_id.in_(ids)))}
    entries = old_list(signals, now=now, potentials=potentials, last_activity=last, marks=marks)
    people: dict[int, list[Contact]] = {}
    if entries:
        for contact in session.scalars(
                select(Contact).where(Contact.account_id.in_([e.account_id for e in entries]),
                                      Contact.left_on.is_(None))
                .order_by(Contact.champion.desc(), Contact.name, Contact.id)):
            people.setdefault(contact.account_id, []).append(contact)
    rows = []
    for entry in entries:
        named = attendees.get((entry.account_id, entry.last_interest), "").lower()
        there = people.get(entry.account_id, [])
        contact = next((c for c in there if c.name and c.name.lower() in named), None) \
            or next((c for c in there if c.champion or is_executive(c.title)), None) \
            or (there[0] if there else None)
        rows.append(OldListRow(entry, accounts[entry.account_id], contact))
    return rows


def old_list_account(session: Session, user: User, account_id: int) -> Account | None:
    """One of the user's own accounts (the old list is per rep), else None."""
    return session.scalar(select(Account).where(
        Account.id == account_id, Account.owner_id == user.id, account_visibility(user)))


def company_account(session: Session, user: User, name: str) -> Account | None:
    """The account a typed company name means: the one account the user may see with exactly
    that name (any case), else the one account anywhere with it (a prospect in another rep's
    territory: the person joins it and its owner sees who came, while the user reaches the
    person through their keep-in-touch list only). None when no single account matches."""
    name = (name or "").strip().lower()
    if not name:
        return None
    named = func.lower(Account.name) == name
    for scope in (account_visibility(user), None):
        stmt = select(Account).where(named).limit(2)
        if scope is not None:
            stmt = stmt.where(scope)
        found = list(session.scalars(stmt))
        if len(found) == 1:
            return found[0]
        if found:
            return None
    return None
