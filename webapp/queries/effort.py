"""Equality of effort as pages read it: per deal, how the prospect's recent commitments went
and who asked for the meetings (one grouped query for any number of deals), and per deal or
account the tally of both sides' commitments. The rule itself is webapp/domain/effort.py."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ColumnElement, Integer, and_, case, func, or_, select
from sqlalchemy.orm import Session

from webapp.domain.effort import (
    ADVICE,
    KEPT,
    NOT_KEPT,
    OPEN,
    OVERDUE,
    RECENT_COMMITMENTS,
    Effort,
    one_sided_reason,
)
from webapp.models import OPEN_STAGES, Account, Commitment, Meeting, Opportunity, User
from webapp.queries.access import account_visibility


def _count_if(condition) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0).cast(Integer)


def effort_by_deal(session: Session, opportunity_ids: Iterable[int] | object,
                   today: date) -> dict[int, Effort]:
    """{opportunity id: Effort} for the given deals (a list of ids, or a select of them),
    in one grouped query: the prospect's last three commitments that came due (through the
    commitment's meeting's deal) and the meetings of each deal by who asked for them.
    The caller has checked the deals are visible."""
    if isinstance(opportunity_ids, (list, tuple, set, frozenset)):
        if not opportunity_ids:
            return {}
        ids = list(opportunity_ids)
    else:
        ids = opportunity_ids
    came_due = or_(Commitment.kept.is_not(None), Commitment.due_on < today)
    ranked = (select(Meeting.opportunity_id.label("deal"), Commitment.kept.label("kept"),
                     func.row_number().over(partition_by=Meeting.opportunity_id,
                                            order_by=Commitment.id.desc()).label("rn"))
              .join(Meeting, Meeting.id == Commitment.meeting_id)
              .where(Meeting.opportunity_id.in_(ids), Commitment.party == "theirs", came_due)
              .subquery())
    theirs = (select(ranked.c.deal, func.count().label("recent"),
                     _count_if(ranked.c.kept.is_(True)).label("kept"))
              .where(ranked.c.rn <= RECENT_COMMITMENTS).group_by(ranked.c.deal).subquery())
    meetings = (select(Meeting.opportunity_id.label("deal"),
                       _count_if(Meeting.initiated_by == "us").label("ours"),
                       _count_if(Meeting.initiated_by == "them").label("theirs"))
                .where(Meeting.opportunity_id.in_(ids)).group_by(Meeting.opportunity_id)
                .subquery())
    rows = session.execute(
        select(Opportunity.id, theirs.c.recent, theirs.c.kept, meetings.c.ours, meetings.c.theirs)
        .outerjoin(theirs, theirs.c.deal == Opportunity.id)
        .outerjoin(meetings, meetings.c.deal == Opportunity.id)
        .where(Opportunity.id.in_(ids)))
    return {deal: Effort(recent or 0, kept or 0, ours or 0, them or 0)
            for deal, recent, kept, ours, them in rows}


@dataclass(frozen=True)
class OneSidedDeal:
    id: int
    name: str
    account_name: str
    reason: str
    advice: str = ADVICE


def flag_one_sided(session: Session, deals: list[tuple[int, str, str]],
                   today: date) -> list[OneSidedDeal]:
    """Of `deals` ((id, name, account name), visible to the caller, in the page's order), the
    one-sided ones with their reason: one grouped query for all of them."""
    efforts = effort_by_deal(session, [deal_id for deal_id, _, _ in deals], today)
    flagged = []
    for deal_id, name, account_name in deals:
        reason = one_sided_reason(efforts.get(deal_id, Effort()))
        if reason:
            flagged.append(OneSidedDeal(deal_id, name, account_name, reason))
    return flagged


def one_sided_deals(session: Session, viewer: User, rep_id: int,
                    today: date) -> list[OneSidedDeal]:
    """The rep's open deals (on accounts `viewer` may see) that are one-sided, by name; two
    queries whatever the number of deals."""
    deals = session.execute(
        select(Opportunity.id, Opportunity.name, Account.name)
        .join(Account, Account.id == Opportunity.account_id)
        .where(Opportunity.owner_id == rep_id, Opportunity.stage.in_(OPEN_STAGES),
               account_visibility(viewer))
        .order_by(Opportunity.name, Opportunity.id)).all()
    return flag_one_sided(session, [tuple(row) for row in deals], today)


@dataclass
class Tally:
    """Both sides' commitments by state, and the meetings by who asked for them."""

    theirs: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        (KEPT, NOT_KEPT, OVERDUE, OPEN), 0))
    ours: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        (KEPT, NOT_KEPT, OVERDUE, OPEN), 0))
    meetings_ours: int = 0
    meetings_theirs: int = 0
    meetings_unsaid: int = 0

    @property
    def empty(self) -> bool:
        return not (sum(self.theirs.values()) or sum(self.ours.values()) or self.meetings_ours
                    or self.meetings_theirs or self.meetings_unsaid)


def _tally(session: Session, commitments_where, meetings_where, today: date) -> Tally:
    state = case((Commitment.kept.is_(True), KEPT), (Commitment.kept.is_(False), NOT_KEPT),
                 (Commitment.due_on < today, OVERDUE), else_=OPEN)
    tally = Tally()
    for party, value, count in session.execute(
            select(Commitment.party, state, func.count()).where(commitments_where)
            .group_by(Commitment.party, state)):
        side = tally.theirs if party == "theirs" else tally.ours
        side[value] = count
    ours, theirs, unsaid = session.execute(
        select(_count_if(Meeting.initiated_by == "us"), _count_if(Meeting.initiated_by == "them"),
               _count_if(Meeting.initiated_by.is_(None))).where(meetings_where)).one()
    tally.meetings_ours, tally.meetings_theirs, tally.meetings_unsaid = ours, theirs, unsaid
    return tally


def account_tally(session: Session, account_id: int, today: date) -> Tally:
    """Both sides' commitments and the meetings of an account (the caller checked access)."""
    return _tally(session, Commitment.account_id == account_id,
                  Meeting.account_id == account_id, today)


def deal_tally(session: Session, opportunity_id: int, today: date) -> Tally:
    """Both sides' commitments made at the deal's meetings, and its meetings."""
    deal_meetings = select(Meeting.id).where(Meeting.opportunity_id == opportunity_id)
    return _tally(session, and_(Commitment.meeting_id.in_(deal_meetings)),
                  Meeting.opportunity_id == opportunity_id, today)


@dataclass(frozen=True)
class DealEffort:
    """The deal page's equality of effort: why it is one-sided (None when not) and the tally."""

    reason: str | None
    tally: Tally
    advice: str = ADVICE


def deal_effort(session: Session, opportunity_id: int, today: date) -> DealEffort:
    """Equality of effort on one deal the caller may see (three queries)."""
    effort = effort_by_deal(session, [opportunity_id], today).get(opportunity_id, Effort())
    return DealEffort(one_sided_reason(effort), deal_tally(session, opportunity_id, today))
