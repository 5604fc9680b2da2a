"""Calendar in (issue 15): a rep's feed, their open meeting drafts, and what an event may be
matched to (only accounts and contacts the rep may see)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, contains_eager

from webapp.domain.calendar_matching import AccountRef, ContactRef
from webapp.models import Account, CalendarFeed, Contact, Meeting, MeetingDraft, User
from webapp.queries.access import account_visibility

MAX_DRAFTS = 20  # Today shows the nearest ones; a busy week is still one screen


def feed_of(session: Session, user: User) -> CalendarFeed | None:
    """The user's calendar feed, if they connected one."""
    return session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))


def feeds_to_sync(session: Session) -> list[CalendarFeed]:
    """Every connected calendar address (the cron job reads each)."""
    return list(session.scalars(select(CalendarFeed)
                                .where(CalendarFeed.url_encrypted.is_not(None))
                                .order_by(CalendarFeed.id)))


def _logged():
    """The draft's meeting is saved (its client id), or the rep logged one at that account at
    the event's very time some other way."""
    return exists().where(Meeting.uuid == MeetingDraft.meeting_uuid) | exists().where(
        Meeting.account_id == MeetingDraft.account_id, Meeting.user_id == MeetingDraft.user_id,
        Meeting.started_at == MeetingDraft.starts_at)


def open_drafts(session: Session, user: User, *, since: datetime, until: datetime
                ) -> list[MeetingDraft]:
    """The user's drafts not dismissed and not yet logged as a meeting, starting between
    `since` and `until` (naive UTC), oldest first, each with its account; at most MAX_DRAFTS.
    Accounts the user no longer sees (moved to a colleague) drop out."""
    return list(session.scalars(
        select(MeetingDraft).join(Account, MeetingDraft.account_id == Account.id)
        .options(contains_eager(MeetingDraft.account))
        .where(MeetingDraft.user_id == user.id, MeetingDraft.status == "open",
               MeetingDraft.starts_at >= since, MeetingDraft.starts_at <= until,
               account_visibility(user), ~_logged())
        .order_by(MeetingDraft.starts_at, MeetingDraft.id).limit(MAX_DRAFTS)))


def drafts_by_key(session: Session, user: User, keys: list[str]) -> dict[str, MeetingDraft]:
    """The user's drafts already made for these event occurrences (dismissed ones too)."""
    if not keys:
        return {}
    rows = session.scalars(select(MeetingDraft).where(MeetingDraft.user_id == user.id,
                                                      MeetingDraft.event_key.in_(keys)))
    return {d.event_key: d for d in rows}


def matching_candidates(session: Session, user: User, emails: set[str]
                        ) -> tuple[list[AccountRef], list[ContactRef]]:
    """The accounts the user may see (id, name, website), and their contacts whose e-mail is
    one of `emails`: what calendar events are matched against. Two queries whatever the size."""
    accounts = [AccountRef(id, name, website or "") for id, name, website in session.execute(
        select(Account.id, Account.name, Account.website).where(account_visibility(user))
        .order_by(Account.id))]
    contacts: list[ContactRef] = []
    if emails:
        contacts = [ContactRef(account_id, name, email) for account_id, name, email in
                    session.execute(
                        select(Contact.account_id, Contact.name, Contact.email)
                        .join(Account, Contact.account_id == Account.id)
                        .where(account_visibility(user),
                               func.lower(Contact.email).in_(sorted(emails)))
                        .order_by(Contact.id))]
    return accounts, contacts


def contacts_named(session: Session, user: User, account: Account) -> list[Contact]:
    """The account's contacts (to offer duplicates when importing a .vcf); the caller has
    checked that `user` may see `account`."""
    return list(session.scalars(select(Contact).where(Contact.account_id == account.id)
                                .order_by(Contact.id)))


def visible_contacts_with_emails(session: Session, user: User, emails: list[str]
                                 ) -> list[Contact]:
    """Contacts on accounts `user` may see with one of these e-mail addresses (any case),
    each with its account: an import offers them instead of making a duplicate."""
    keys = sorted({e.strip().lower() for e in emails if e and e.strip()})
    if not keys:
        return []
    return list(session.scalars(
        select(Contact).join(Account, Contact.account_id == Account.id)
        .options(contains_eager(Contact.account))
        .where(account_visibility(user), func.lower(Contact.email).in_(keys))
        .order_by(Contact.id)))
