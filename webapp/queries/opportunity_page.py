"""Reads for the opportunity page: its change history (newest first), its qualification and
its close."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from webapp.domain.checklists import DEFAULT_ANSWERS_NEEDED, ChecklistStatus, answers_needed
from webapp.models import (
    DealClosure,
    OpportunityChange,
    PipelineSettings,
    QualificationAnswer,
    QualificationOverride,
    User,
)
from webapp.queries.pipeline_settings import team_checklist

HISTORY_LIMIT = 60


def change_history(session: Session, opportunity_id: int, limit: int = HISTORY_LIMIT):
    """Rows of (change, user name) for the opportunity, newest first, at most `limit`."""
    return session.execute(
        select(OpportunityChange, User.name.label("user_name"))
        .outerjoin(User, OpportunityChange.user_id == User.id)
        .where(OpportunityChange.opportunity_id == opportunity_id)
        .order_by(OpportunityChange.changed_at.desc(), OpportunityChange.id.desc())
        .limit(limit)
    ).all()


@dataclass(frozen=True)
class Qualification:
    """Why the deal counts as qualified or not, as the opportunity page says it."""

    status: ChecklistStatus
    override_by: str | None  # the name of who overrode the checklist, if anyone did


def qualification(session: Session, opportunity_id: int) -> Qualification:
    """The deal's checklist status under the team's rule, and who overrode it: two queries
    (the team's rule; the answers and the override together), three with the team's own list."""
    settings = session.execute(
        select(PipelineSettings.methodology, PipelineSettings.qualify_answers)
        .order_by(PipelineSettings.id).limit(1)).first()
    methodology, needed = settings or ("meddic", DEFAULT_ANSWERS_NEEDED)
    items = team_checklist(session, methodology)
    keys = [item.key for item in items] or ["-"]
    answered = (select(func.count()).select_from(QualificationAnswer)
                .where(QualificationAnswer.opportunity_id == opportunity_id,
                       QualificationAnswer.item_key.in_(keys),
                       func.length(func.trim(QualificationAnswer.answer)) > 0)
                .scalar_subquery())
    override = (select(QualificationOverride.reason)
                .where(QualificationOverride.opportunity_id == opportunity_id).scalar_subquery())
    override_by = (select(User.name).join(QualificationOverride,
                                          QualificationOverride.user_id == User.id)
                   .where(QualificationOverride.opportunity_id == opportunity_id)
                   .scalar_subquery())
    row = session.execute(select(answered, override, override_by)).one()
    status = ChecklistStatus(answered=row[0] if items else 0, total=len(items),
                             needed=answers_needed(needed, len(items)),
                             overridden=bool(row[1] and row[1].strip()))
    return Qualification(status, (row[2] or "someone") if status.overridden else None)


def current_closure(session: Session, opportunity_id: int) -> DealClosure | None:
    """The deal's latest close that was not undone, with who closed it."""
    return session.scalar(
        select(DealClosure).options(joinedload(DealClosure.closed_by))
        .where(DealClosure.opportunity_id == opportunity_id, DealClosure.reopened_at.is_(None))
        .order_by(DealClosure.closed_at.desc(), DealClosure.id.desc()).limit(1))
