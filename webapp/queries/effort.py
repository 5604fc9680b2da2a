"""Equality of effort as pages read it: per deal, how the prospect's recent commitments went
and who asked for the meetings (one grouped query for any number of deals), and per deal or
account the tally of both sides' commitments. The rule itself is webapp/domain/effort.py."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cache

from sqlalchemy import ColumnElement, Date, Integer, and_, bindparam, case, func, or_, select, true
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


def flag_one_sided(session: Session, deals: list[tuple[int, str, str]], today: date,
                   ids: object = None) -> list[OneSidedDeal]:
    """Of `deals` ((id, name, account name), visible to the caller, in the page's order), the
    one-sided ones with their reason: one grouped query for all of them (`ids`: the same deals
    as a select, when there may be thousands)."""
    efforts = effort_by_deal(session, [deal_id for deal_id, _, _ in deals] if ids is None else ids,
                             today)
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
    where = (Opportunity.owner_id == rep_id, Opportunity.stage.in_(OPEN_STAGES),
             account_visibility(viewer))
    deals = session.execute(
        select(Opportunity.id, Opportunity.name, Account.name)
        .join(Account, Account.id == Opportunity.account_id).where(*where)
        .order_by(Opportunity.name, Opportunity.id)).all()
    if not deals:
        return []
    # The deals again as a subquery, not a list of thousands of ids for the database to parse
    # and plan at a 3,000-account territory.
    return flag_one_sided(session, deals, today, ids=select(Opportunity.id).join(
        Account, Account.id == Opportunity.account_id).where(*where))


@dataclass
class Tally:
    """Both sides' commitments by state, the meetings by who asked for them, and the
    prospect's recent record (for the one-sided rule)."""

    theirs: dict[str, int] = field(default_factory=dict)
    ours: dict[str, int] = field(default_factory=dict)
    meetings_ours: int = 0
    meetings_theirs: int = 0
    meetings_unsaid: int = 0
    effort: Effort = field(default_factory=Effort)

    @property
    def empty(self) -> bool:
        return not (sum(self.theirs.values()) or sum(self.ours.values()) or self.meetings_ours
                    or self.meetings_theirs or self.meetings_unsaid)


_STATES = (KEPT, NOT_KEPT, OVERDUE, OPEN)


def tally_source(commitments_where, meetings_where, recent_where, today):
    """(columns, from clause): one-row subqueries, joined, whose columns count both sides'
    commitments by state, the meetings by who asked, and the prospect's last three commitments
    that came due (`recent_where` None: not counted; `today` a date or a parameter for one). A page query may select them alongside
    its own rows (outer-joining its table to the from clause); `read_tally` reads them."""
    state = case((Commitment.kept.is_(True), KEPT), (Commitment.kept.is_(False), NOT_KEPT),
                 (Commitment.due_on < today, OVERDUE), else_=OPEN)
    commitments = select(*[
        _count_if(and_(Commitment.party == party, state == value)).label(f"{party}_{value}")
        for party in ("theirs", "ours") for value in _STATES]).where(commitments_where).subquery()
    meetings = select(_count_if(Meeting.initiated_by == "us").label("m_us"),
                      _count_if(Meeting.initiated_by == "them").label("m_them"),
                      _count_if(Meeting.initiated_by.is_(None)).label("m_unsaid")
                      ).where(meetings_where).subquery()
    columns = [*commitments.c, *meetings.c]
    source = commitments.join(meetings, true())
    if recent_where is not None:
        last = (select(Commitment.kept).join(Meeting, Meeting.id == Commitment.meeting_id)
                .where(recent_where, Commitment.party == "theirs",
                       or_(Commitment.kept.is_not(None), Commitment.due_on < today))
                .order_by(Commitment.id.desc()).limit(RECENT_COMMITMENTS).subquery())
        recent = select(func.count().label("r_count"),
                        _count_if(last.c.kept.is_(True)).label("r_kept")).subquery()
        columns += [*recent.c]
        source = source.join(recent, true())
    return columns, source


def read_tally(row) -> Tally:
    """The Tally from a row holding `tally_columns`' columns (by their labels)."""
    values = row._mapping
    tally = Tally(
        theirs={v: values[f"theirs_{v}"] for v in _STATES},
        ours={v: values[f"ours_{v}"] for v in _STATES},
        meetings_ours=values["m_us"], meetings_theirs=values["m_them"],
        meetings_unsaid=values["m_unsaid"])
    recent = values.get("r_count", 0) or 0
    tally.effort = Effort(recent, values.get("r_kept", 0) or 0, tally.meetings_ours,
                          tally.meetings_theirs)
    return tally


# The account and deal pages' statements are built once (cached where they are used), with the
# ids and today as these parameters: building one (a dozen CASE expressions) cost more than
# running it.
ACCOUNT_ID = bindparam("tally_account_id", type_=Integer)
DEAL_ID = bindparam("tally_deal_id", type_=Integer)
TODAY = bindparam("tally_today", type_=Date)


def account_tally_source():
    """`tally_source` for an account (its commitments and its meetings), parameters
    ACCOUNT_ID and TODAY."""
    return tally_source(Commitment.account_id == ACCOUNT_ID, Meeting.account_id == ACCOUNT_ID,
                        None, TODAY)


@dataclass(frozen=True)
class DealEffort:
    """The deal page's equality of effort: why it is one-sided (None when not) and the tally."""

    reason: str | None
    tally: Tally
    advice: str = ADVICE


@cache
def _deal_tally_statement():
    deal_meetings = select(Meeting.id).where(Meeting.opportunity_id == DEAL_ID)
    columns, source = tally_source(Commitment.meeting_id.in_(deal_meetings),
                                   Meeting.opportunity_id == DEAL_ID,
                                   Meeting.opportunity_id == DEAL_ID, TODAY)
    return select(*columns).select_from(source)


def deal_effort(session: Session, opportunity_id: int, today: date) -> DealEffort:
    """Equality of effort on one deal the caller may see, in one query: the commitments made
    at the deal's meetings, its meetings, and the prospect's recent record."""
    row = session.execute(_deal_tally_statement(),
                          {DEAL_ID.key: opportunity_id, TODAY.key: today}).one()
    tally = read_tally(row)
    return DealEffort(one_sided_reason(tally.effort), tally)
