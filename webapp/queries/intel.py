"""Reads for intel and vendor pals: an account's freshest intel, a rep's market news, a rep's
pals and the choices of the intel and vendor-pal meeting forms."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, joinedload

from webapp.domain.intel import age_words, is_stale
from webapp.models import Account, Contact, Intel, User, VendorPal
from webapp.queries.access import account_visibility
from webapp.queries.effort import ACCOUNT_ID, TODAY, Tally, account_tally_source, read_tally

ACCOUNT_INTEL_SHOWN = 3
PAL_MEETING_ACCOUNTS_CAP = 500


@dataclass(frozen=True)
class IntelRow:
    """One intel item as a page shows it: what, from whom, how old, stale or not."""

    id: int
    body: str
    source: str
    author: str
    learned_on: date
    age: str
    stale: bool


def _row(item: Intel, today: date) -> IntelRow:
    return IntelRow(item.id, item.body, item.source_label, item.author.name, item.learned_on,
                    age_words(item.learned_on, today), is_stale(item.learned_on, today))


def market_news_scope(rep: User):
    """Market news (intel without an account) meant for `rep`: shared with them, with their
    manager's whole team, or by an admin with every rep."""
    by_admin = Intel.user_id.in_(select(User.id).where(User.role == "admin"))
    leader = or_(Intel.user_id == rep.manager_id, by_admin) if rep.manager_id else by_admin
    return and_(Intel.account_id.is_(None),
                or_(Intel.rep_id == rep.id, and_(Intel.rep_id.is_(None), leader)))


def market_news(session: Session, rep: User, limit: int = 15) -> list[Intel]:
    """The market news a rep has been given, newest first (author loaded)."""
    return list(session.scalars(
        select(Intel).where(market_news_scope(rep))
        .order_by(Intel.created_at.desc(), Intel.id.desc()).limit(limit)
        .options(joinedload(Intel.author))))


def news_for_today(session: Session, user: User, today: date, limit: int = 3) -> list[IntelRow]:
    """Today's market news: a rep's recent news (fresh only); a manager's own recent posts."""
    if user.is_rep:
        where = market_news_scope(user)
    else:
        where = and_(Intel.account_id.is_(None), Intel.user_id == user.id)
    items = session.scalars(
        select(Intel).where(where).order_by(Intel.learned_on.desc(), Intel.id.desc())
        .limit(limit).options(joinedload(Intel.author))).all()
    return [_row(item, today) for item in items if not is_stale(item.learned_on, today)]


def pals_of(session: Session, user: User) -> list[VendorPal]:
    """The vendor pals `user` keeps, by name."""
    return list(session.scalars(
        select(VendorPal).where(VendorPal.user_id == user.id)
        .order_by(VendorPal.name, VendorPal.id)))


def pal_intel_counts(session: Session, user: User) -> dict[int, int]:
    """{pal id: intel items learned from them} for `user`'s pals, on accounts `user` sees."""
    return dict(session.execute(
        select(Intel.pal_id, func.count()).join(VendorPal, VendorPal.id == Intel.pal_id)
        .join(Account, Account.id == Intel.account_id)
        .where(VendorPal.user_id == user.id, account_visibility(user))
        .group_by(Intel.pal_id)).all())


def source_choices(session: Session, user: User, account_id: int | None
                   ) -> list[tuple[str, str]]:
    """The "From" choices of the intel form: the account's contacts ("c<id>") and the user's
    vendor pals ("p<id>"), after an empty choice. One query each."""
    choices = [("", "Someone else / not said")]
    if account_id is not None:
        contacts = session.execute(
            select(Contact.id, Contact.name).join(Account, Account.id == Contact.account_id)
            .where(Contact.account_id == account_id, account_visibility(user))
            .order_by(Contact.name, Contact.id)).all()
        choices += [(f"c{cid}", name) for cid, name in contacts]
    choices += [(f"p{pal.id}", f"{pal.name} ({pal.company}) · vendor pal")
                for pal in pals_of(session, user)]
    return choices


def account_choices(session: Session, user: User, cap: int = PAL_MEETING_ACCOUNTS_CAP
                    ) -> tuple[list[tuple[int, str]], int]:
    """The accounts a vendor-pal meeting may cover, by name: of those `user` may see, the
    `cap` touched most recently (the ones a rep talks about), and how many they may see in
    all, so the form can say the others take intel from their own page. One query."""
    rows = session.execute(
        select(Account.id, Account.name, func.count().over())
        .where(account_visibility(user))
        .order_by(Account.last_touch_at.desc().nulls_last(), Account.id).limit(cap)).all()
    return (sorted(((i, name) for i, name, _ in rows), key=lambda r: (r[1].lower(), r[0])),
            rows[0][2] if rows else 0)


@dataclass(frozen=True)
class AccountIntel:
    """The account page's intel section: the freshest items, how many in all, and both sides'
    effort on the account."""

    items: list[IntelRow]
    total: int
    tally: Tally


@cache
def _account_intel_statement(limit: int):
    """Built once per limit (the account and today are parameters)."""
    columns, source = account_tally_source()
    total = func.count(Intel.id).over().label("total")
    return (select(Intel, total, *columns)
            .select_from(source.outerjoin(Intel, Intel.account_id == ACCOUNT_ID))
            .order_by(Intel.learned_on.desc(), Intel.id.desc()).limit(limit)
            .options(joinedload(Intel.author), joinedload(Intel.contact), joinedload(Intel.pal)))


def account_intel_section(session: Session, account: Account, today: date,
                          limit: int = ACCOUNT_INTEL_SHOWN) -> AccountIntel:
    """Everything the account page's intel section shows, in one query (the page's budget is
    tight): the account's freshest intel with its total, outer-joined to the one-row tally of
    both sides' commitments and meetings. The caller has checked that the user may see the
    account (its intel is visible to whoever sees it)."""
    rows = session.execute(_account_intel_statement(limit),
                           {ACCOUNT_ID.key: account.id, TODAY.key: today}).all()
    items = [_row(row.Intel, today) for row in rows if row.Intel is not None]
    return AccountIntel(items, rows[0].total if items else 0, read_tally(rows[0]))
