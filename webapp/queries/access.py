"""Who may see what: the one place every scope is decided (accounts and everything under
them, a manager's reps, territories, plans).

Every read and write of an account, or of a record under an account, goes through
`account_visibility()` (a filter to refine further) or one of the `get_visible_*` / `get_own_*`
helpers here. "Not found" is said one way: those helpers, and only they, abort with a 404 for a
record that does not exist or is outside the user's reach, so its existence is not revealed;
every other query returns None (or an empty list) and lets the route decide.
"""
from __future__ import annotations

from flask import abort
from werkzeug.exceptions import NotFound
from sqlalchemy import ColumnElement, Select, false, or_, select, true
from sqlalchemy.orm import Session, contains_eager

from webapp.domain.client_ids import parse_client_id

from webapp.models import (
    Account,
    ChangePlan,
    CheckIn,
    Commitment,
    Contact,
    KeepInTouch,
    Meeting,
    MeetingDraft,
    Note,
    Opportunity,
    Territory,
    User,
    VendorPal,
)
from webapp.routing import MAX_DATABASE_ID


def account_visibility(user: User, account=Account) -> ColumnElement[bool]:
    """The filter for accounts `user` may see: a rep their own, a manager their reps', an admin
    all. `account` is the Account entity or an alias of it (a second account in one query)."""
    return owner_visibility(user, account.owner_id)


def owner_visibility(user: User, owner_column) -> ColumnElement[bool]:
    """The same rule for any column holding an account owner's id (an account's, or per-owner
    totals'): a rep their own, a manager theirs and their reps', an admin every owner."""
    if not user.active:
        return false()
    if user.is_admin:
        return true()
    if user.is_manager:
        # One IN (me, my reps), not "= me OR IN (…)": PostgreSQL serves an IN with the
        # owner index, an OR across the two with a scan of every account.
        team = select(User.id).where(or_(User.id == user.id, User.manager_id == user.id))
        return owner_column.in_(team.scalar_subquery())
    return owner_column == user.id


def visible_accounts(user: User) -> Select[tuple[Account]]:
    """A select() of the accounts `user` may see, to refine further."""
    return select(Account).where(account_visibility(user))


def get_visible_account(session: Session, user: User, account_id: int) -> Account:
    """The account, or 404 when it does not exist or `user` may not see it."""
    if not 0 < account_id <= MAX_DATABASE_ID:
        abort(404)
    account = session.scalar(visible_accounts(user).where(Account.id == account_id))
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


def team_reps(session: Session, user: User) -> list[User]:
    """The reps whose pipeline `user` may see, by name: a manager's team, every rep for an
    admin, a rep only themselves."""
    return list(session.scalars(
        select(User).where(User.id.in_(visible_user_ids(user)), User.role == "rep", User.active)
        .order_by(User.name)))


def get_visible_rep(session: Session, user: User, rep_id: int) -> User:
    """The rep, or 404 when `user` may not see their work."""
    rep = session.scalar(select(User).where(User.id == rep_id, User.role == "rep",
                                            User.id.in_(visible_user_ids(user))))
    if rep is None:
        abort(404)
    return rep


def territory_scope(user: User) -> ColumnElement[bool]:
    """Territories `user` may design: owned by their team, or by nobody yet (admin: all)."""
    return or_(Territory.owner_id.is_(None), Territory.owner_id.in_(visible_user_ids(user)))


def plan_scope(user: User) -> ColumnElement[bool]:
    """Plans `user` may see and change: their own (admin: all)."""
    if user.is_admin:
        return ChangePlan.id.is_not(None)
    return ChangePlan.created_by_id == user.id


def get_visible_opportunity(session: Session, user: User, opportunity_id: int) -> Opportunity:
    """The opportunity (with its account loaded), or 404 unless `user` may see its account."""
    if not 0 < opportunity_id <= MAX_DATABASE_ID:
        abort(404)
    row = session.execute(
        select(Opportunity, Account)
        .join(Account, Opportunity.account_id == Account.id)
        .where(Opportunity.id == opportunity_id, account_visibility(user))
    ).first()
    if row is None:
        abort(404)
    return row.Opportunity


def get_visible_commitment(session: Session, user: User, commitment_id: int) -> Commitment:
    """The commitment, or 404 unless `user` may see its account."""
    if not 0 < commitment_id <= MAX_DATABASE_ID:
        abort(404)
    commitment = session.scalar(
        select(Commitment)
        .join(Account, Commitment.account_id == Account.id)
        .where(Commitment.id == commitment_id, account_visibility(user))
    )
    if commitment is None:
        abort(404)
    return commitment


def get_own_note(session: Session, user: User, note_id: int) -> Note:
    """The user's own quick note, or 404 (an unfiled note is its author's alone)."""
    if not 0 < note_id <= MAX_DATABASE_ID:
        abort(404)
    note = session.scalar(select(Note).where(Note.id == note_id, Note.user_id == user.id))
    if note is None:
        abort(404)
    return note


def get_own_pal(session: Session, user: User, pal_id: int) -> VendorPal:
    """The user's own vendor pal, or 404 (a rep keeps their pals to themselves)."""
    if not 0 < pal_id <= MAX_DATABASE_ID:
        abort(404)
    pal = session.scalar(select(VendorPal).where(VendorPal.id == pal_id,
                                                    VendorPal.user_id == user.id))
    if pal is None:
        abort(404)
    return pal


def get_visible_meeting(session: Session, user: User, meeting_id: int) -> Meeting:
    """The logged meeting (its account loaded with it), or 404 unless `user` may see the
    account."""
    if not 0 < meeting_id <= MAX_DATABASE_ID:
        abort(404)
    row = session.execute(
        select(Meeting, Account).join(Account, Meeting.account_id == Account.id)
        .where(Meeting.id == meeting_id, account_visibility(user))).first()
    if row is None:
        abort(404)
    return row.Meeting


# By reference: a database id ("12") or the client id (a UUID) a phone gave the record when it
# made it, so a write made offline can name a record made offline before it.

def account_by_ref(session: Session, user: User, ref: str | int | None) -> Account | None:
    """The account named by a database id ("12") or by the client id a phone gave it when it
    was made (a UUID), if `user` may see it; None otherwise (not made yet, or not theirs)."""
    text = str(ref or "").strip()
    if text.isdigit():
        if not 0 < int(text) <= MAX_DATABASE_ID:
            return None
        return session.scalar(select(Account).where(account_visibility(user),
                                                    Account.id == int(text)))
    client_id = parse_client_id(text)
    if client_id is None:
        return None
    return session.scalar(select(Account).where(account_visibility(user),
                                                Account.uuid == client_id))


class AccountNotHere(NotFound):
    """A write names an account by a client id the server has no account for (within what
    the user may see): not arrived yet, or not theirs. The page says what to do."""

    rep_message = ("The account this belongs to has not reached the server (or is not "
                   "yours). Send the new account first, then send this again.")


def get_account_by_ref(session: Session, user: User, ref: str | int | None) -> Account:
    """`account_by_ref`, or 404."""
    account = account_by_ref(session, user, ref)
    if account is None:
        if parse_client_id(str(ref or "")):
            raise AccountNotHere()
        abort(404)
    return account


def account_for_new_form(session: Session, user: User, ref: str | None) -> Account | None:
    """The account a new-record form opens for (?account_id=): None for none, or for the
    client id of an account still on the phone (the form then offers it from the outbox);
    404 for an account id the user may not see."""
    text = (ref or "").strip()
    if not text:
        return None
    account = account_by_ref(session, user, text)
    if account is None and parse_client_id(text) is None:
        abort(404)
    return account


def contact_by_ref(session: Session, user: User, ref: str | int | None) -> Contact | None:
    """A contact by database id or client id, if it is on an account `user` may see."""
    text = str(ref or "").strip()
    stmt = select(Contact).join(Account, Contact.account_id == Account.id) \
        .where(account_visibility(user))
    if text.isdigit():
        if not 0 < int(text) <= MAX_DATABASE_ID:
            return None
        return session.scalar(stmt.where(Contact.id == int(text)))
    client_id = parse_client_id(text)
    if client_id is None:
        return None
    return session.scalar(stmt.where(Contact.uuid == client_id))


def get_visible_contact(session: Session, user: User, contact_id: int) -> Contact:
    """The contact, or 404 unless `user` may see its account."""
    contact = contact_by_ref(session, user, contact_id)
    if contact is None:
        abort(404)
    return contact


def opportunity_by_ref(session: Session, user: User, ref: str | int | None) -> Opportunity | None:
    """A deal by database id or by the client id its form made (a deal made on the phone),
    if it is on an account `user` may see."""
    text = str(ref or "").strip()
    stmt = select(Opportunity).join(Account, Opportunity.account_id == Account.id) \
        .options(contains_eager(Opportunity.account)).where(account_visibility(user))
    if text.isdigit():
        if not 0 < int(text) <= MAX_DATABASE_ID:
            return None
        return session.scalar(stmt.where(Opportunity.id == int(text)))
    client_id = parse_client_id(text)
    if client_id is None:
        return None
    return session.scalar(stmt.where(Opportunity.uuid == client_id))


class DealNotHere(NotFound):
    """A change names a deal by the client id of a deal made on the phone that the server has
    not got (within what the user may see): not arrived yet, or not theirs."""

    rep_message = ("The deal this change belongs to has not reached the server (or is not "
                   "yours). Send the new deal first, then send this again.")


def get_opportunity_by_ref(session: Session, user: User, ref: str | int | None) -> Opportunity:
    """`opportunity_by_ref`, or 404."""
    opportunity = opportunity_by_ref(session, user, ref)
    if opportunity is None:
        if parse_client_id(str(ref or "")):
            raise DealNotHere()
        abort(404)
    return opportunity


def get_own_checkin(session: Session, user: User, ref: str | None) -> CheckIn:
    """The user's own check-in by the client id the phone made for it (or its database id),
    on an account they may still see; 404 otherwise (a check-in is its rep's alone)."""
    text = str(ref or "").strip()
    stmt = select(CheckIn).join(Account, CheckIn.account_id == Account.id) \
        .where(CheckIn.user_id == user.id, account_visibility(user))
    if text.isdigit() and 0 < int(text) <= MAX_DATABASE_ID:
        checkin = session.scalar(stmt.where(CheckIn.id == int(text)))
    elif parse_client_id(text):
        checkin = session.scalar(stmt.where(CheckIn.uuid == parse_client_id(text)))
    else:
        checkin = None
    if checkin is None:
        abort(404)
    return checkin


def get_own_draft(session: Session, user: User, draft_id: int) -> MeetingDraft:
    """The user's own meeting draft from their calendar (its account loaded), or 404: a
    rep's calendar is theirs alone, and an account they no longer see drops its drafts."""
    if not 0 < draft_id <= MAX_DATABASE_ID:
        abort(404)
    draft = session.scalar(
        select(MeetingDraft).join(Account, MeetingDraft.account_id == Account.id)
        .options(contains_eager(MeetingDraft.account))
        .where(MeetingDraft.id == draft_id, MeetingDraft.user_id == user.id,
               account_visibility(user)))
    if draft is None:
        abort(404)
    return draft


# --- people across companies (issue 14) -------------------------------------------------------


def contact_scope(user: User) -> ColumnElement[bool]:
    """The filter for contacts `user` may see (the query joins Account on Contact.account_id):
    the people on accounts they may see, plus the people they themselves keep in touch with
    (wherever those work now). Never another rep's keep-in-touch list."""
    kept = select(KeepInTouch.contact_id).where(KeepInTouch.user_id == user.id)
    if not user.active:
        return false()
    return or_(account_visibility(user), Contact.id.in_(kept.scalar_subquery()))


def get_reachable_contact(session: Session, user: User, contact_id: int) -> Contact:
    """The contact through a visible account or the user's own keep-in-touch list, or 404."""
    if not isinstance(contact_id, int) or not 0 < contact_id <= MAX_DATABASE_ID:
        abort(404)
    contact = session.scalar(
        select(Contact).join(Account, Contact.account_id == Account.id)
        .where(Contact.id == contact_id, contact_scope(user)))
    if contact is None:
        abort(404)
    return contact
