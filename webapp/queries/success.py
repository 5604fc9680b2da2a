"""Reads for customer success: an account's success row, the renewals list, reference
candidates near a prospect (cascade deals) and the rep's meetings by potential band."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session, joinedload

from webapp.domain.success import (
    ASK_MEMORY_DAYS,
    HIGH_POTENTIAL,
    LOW_POTENTIAL,
    NEARBY_KM,
    POSITIVE_ENGAGEMENT,
    RESTING_DAYS,
    Candidate,
)
from webapp.models import Account, AccountSuccess, Contact, Meeting, Opportunity, ReferenceAsk, User
from webapp.queries.access import account_visibility

RENEWALS_PAGE = 100  # rows per renewals page (the page stays within 14 KB compressed)
CANDIDATES_CAP = 300  # the best-placed candidates the ranking weighs (the SQL orders them)
# One degree of latitude is ~111 km: the box that holds every account within NEARBY_KM.
_KM_PER_DEGREE = 111.0


def success_of(session: Session, account: Account) -> AccountSuccess | None:
    """What the rep said about this customer (health, outcome, reference) and who set the
    health, if anything. One query."""
    return session.get(AccountSuccess, account.id,
                       options=[joinedload(AccountSuccess.health_set_by)])


@dataclass(frozen=True)
class Renewal:
    account_id: int
    name: str
    owner: str
    renewal_on: date
    health: str | None
    health_reason: str
    opportunity_id: int | None


@dataclass(frozen=True)
class RenewalPage:
    rows: list[Renewal]
    total: int | None  # every renewal in the window (None past the last page)
    page: int
    more: bool


def renewals(session: Session, user: User, today: date, days: int, page: int = 1
             ) -> RenewalPage:
    """The customers `user` may see renewing within `days`, soonest first, with their health
    and their open renewal opportunity (if made): one page of RENEWALS_PAGE rows and how many
    there are in all. One query (the total is a window count over the same rows)."""
    page = max(page, 1)
    renewal_opp = (select(func.max(Opportunity.id))
                   .where(Opportunity.account_id == Account.id,
                          Opportunity.close_on == Account.renewal_on,
                          Opportunity.stage.in_(("first_meeting", "qualified", "proposal",
                                                 "negotiation")))
                   .correlate(Account).scalar_subquery())
    rows = session.execute(
        select(Account.id, Account.name, User.name, Account.renewal_on, AccountSuccess.health,
               AccountSuccess.health_reason, renewal_opp, func.count().over())
        .outerjoin(AccountSuccess, AccountSuccess.account_id == Account.id)
        .outerjoin(User, User.id == Account.owner_id)
        .where(account_visibility(user), Account.status == "customer",
               Account.renewal_on >= today, Account.renewal_on <= today + timedelta(days=days))
        .order_by(Account.renewal_on, Account.id)
        .offset((page - 1) * RENEWALS_PAGE).limit(RENEWALS_PAGE)).all()
    # Past the last page the count is not known (no row carries it): None, the page says so.
    total = rows[0][7] if rows else (0 if page == 1 else None)
    return RenewalPage([Renewal(r[0], r[1], r[2] or "Nobody", r[3], r[4], r[5] or "", r[6])
                        for r in rows], total, page, total is not None and page * RENEWALS_PAGE < total)


def reference_candidates(session: Session, user: User, prospect: Account, now: datetime
                         ) -> tuple[list[Candidate], dict[int, Account], int]:
    """Customers `user` may see whose health is good, in the prospect's industry or within
    reach of it, with their last positive meeting and how often they were asked this year,
    and how many there are in all. With thousands of them only the CANDIDATES_CAP best by
    rank_references' points for industry, willingness and asks (anyone inside the box
    counted as nearest) are read. One query; the ranking is
    webapp.domain.success.rank_references."""
    positive = (select(func.max(Meeting.started_at))
                .where(Meeting.account_id == Account.id,
                       Meeting.engagement >= POSITIVE_ENGAGEMENT)
                .correlate(Account).scalar_subquery())
    since = now - timedelta(days=ASK_MEMORY_DAYS)
    asks = (select(ReferenceAsk.reference_id, func.count().label("n"),
                   func.max(ReferenceAsk.asked_at).label("last"))
            .where(ReferenceAsk.asked_at >= since)
            .group_by(ReferenceAsk.reference_id).subquery())
    near = []
    if prospect.industry:
        near.append(func.lower(Account.industry) == prospect.industry.lower())
    if prospect.latitude is not None and prospect.longitude is not None:
        lat_span = NEARBY_KM / _KM_PER_DEGREE
        lon_span = lat_span * 3  # generous: the ranking measures the real distance
        near.append(Account.latitude.between(prospect.latitude - lat_span,
                                             prospect.latitude + lat_span)
                    & Account.longitude.between(prospect.longitude - lon_span,
                                                prospect.longitude + lon_span))
    if not near:
        return [], {}, 0
    same = (func.lower(Account.industry) == prospect.industry.lower()) if prospect.industry \
        else None
    # The points of rank_references but the recent good meeting's (2 for anyone): that one is
    # a look-up in the meetings per candidate, made only for the CANDIDATES_CAP read.
    points = (case((AccountSuccess.reference_willing.is_(True), 2), else_=0)
              - 1.5 * func.coalesce(asks.c.n, 0))
    if same is not None:
        points = points + case((same, 3), else_=0)
    if len(near) == 2 or same is None:
        points = points + case((near[-1], 4), else_=0)
    resting = case((asks.c.last > now - timedelta(days=RESTING_DAYS), 1), else_=0)
    rows = session.execute(
        select(Account, AccountSuccess.reference_willing, positive, asks.c.n, asks.c.last,
               func.count().over())
        .join(AccountSuccess, AccountSuccess.account_id == Account.id)
        .outerjoin(asks, asks.c.reference_id == Account.id)
        .where(account_visibility(user), Account.status == "customer",
               AccountSuccess.health == "good", Account.id != prospect.id, or_(*near))
        .order_by(resting, points.desc(), Account.id)
        .limit(CANDIDATES_CAP)).all()
    candidates = [Candidate(a.id, a.industry, a.latitude, a.longitude, "good", bool(willing),
                            last_positive, n or 0, last)
                  for a, willing, last_positive, n, last, _ in rows]
    return candidates, {a.id: a for a, *_ in rows}, (rows[0][5] if rows else 0)


def hosts(session: Session, account_ids: list[int]) -> dict[int, Contact]:
    """For each account, the contact who would host: the first with an e-mail address (then
    any). One query."""
    if not account_ids:
        return {}
    chosen: dict[int, Contact] = {}
    for contact in session.scalars(
            select(Contact).where(Contact.account_id.in_(account_ids))
            .order_by(Contact.account_id, (Contact.email == ""), Contact.id)):
        chosen.setdefault(contact.account_id, contact)
    return chosen


def effort_rows(session: Session, rep: User, since: datetime) -> dict[str, tuple[int, int, int]]:
    """Per potential band of the rep's accounts: (accounts, sum of potential, the rep's meetings
    there since `since`). One grouped query."""
    met = (select(Meeting.account_id, func.count().label("n"))
           .where(Meeting.user_id == rep.id, Meeting.started_at >= since)
           .group_by(Meeting.account_id).subquery())
    band = case((Account.potential >= HIGH_POTENTIAL, "high"),
                (Account.potential < LOW_POTENTIAL, "low"), else_="medium")
    per_account = (select(band.label("band"), Account.potential.label("potential"),
                          func.coalesce(met.c.n, 0).label("n"))
                   .outerjoin(met, met.c.account_id == Account.id)
                   .where(Account.owner_id == rep.id).subquery())
    rows = session.execute(
        select(per_account.c.band, func.count(), func.coalesce(func.sum(per_account.c.potential), 0),
               func.coalesce(func.sum(per_account.c.n), 0))
        .group_by(per_account.c.band)).all()
    return {b: (int(a), int(p), int(n)) for b, a, p, n in rows}
