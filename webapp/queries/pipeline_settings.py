"""The team's pipeline settings (currency, fiscal year, coverage target, checklist) and a
deal's qualification answers."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session

from webapp.domain.checklists import ChecklistItem, checklist_for
from webapp.domain.pipeline_metrics import FlagRules
from webapp.models import (
    PipelineSettings,
    QualificationAnswer,
    QualificationItem,
    QualificationOverride,
    TeamSettings,
)

# --- settings -------------------------------------------------------------------------------

@dataclass(frozen=True)
class PipelineConfig:
    currency: str
    fiscal_start_month: int
    coverage_target: Decimal
    methodology: str
    flag_rules: FlagRules
    forecast_lock_days: int
    history_months: int
    min_history: int
    qualify_answers: int = 3  # checklist answers that qualify a deal


def pipeline_config(session: Session) -> PipelineConfig:
    """The team's settings and this feature's, with defaults where none were saved (one
    query: the first row of each, either possibly missing)."""
    one = select(literal(1).label("one")).subquery()
    team, own = session.execute(
        select(TeamSettings, PipelineSettings).select_from(one)
        .outerjoin(TeamSettings,
                   TeamSettings.id == select(func.min(TeamSettings.id)).scalar_subquery())
        .outerjoin(PipelineSettings,
                   PipelineSettings.id == select(func.min(PipelineSettings.id)).scalar_subquery())
    ).one()

    def pick(name, default):
        value = getattr(own, name, None) if own is not None else None
        return default if value is None else value

    return PipelineConfig(
        currency=team.currency if team else "USD",
        fiscal_start_month=team.fiscal_year_start_month if team else 1,
        coverage_target=Decimal(team.coverage_target) if team else Decimal("4.0"),
        methodology=pick("methodology", "meddic"),
        flag_rules=FlagRules(slip_pushes=pick("slip_pushes", 2), quiet_weeks=pick("quiet_weeks", 4),
                             stuck_days=pick("stuck_days", 60)),
        forecast_lock_days=pick("forecast_lock_days", 30),
        history_months=pick("history_months", 12),
        min_history=pick("min_history", 5),
        qualify_answers=pick("qualify_answers", 3),
    )


def custom_checklist_items(session: Session) -> list[QualificationItem]:
    """The team's own checklist items, in order (active ones only)."""
    return list(session.scalars(
        select(QualificationItem).where(QualificationItem.active)
        .order_by(QualificationItem.position, QualificationItem.id)))


def team_checklist(session: Session, methodology: str) -> tuple[ChecklistItem, ...]:
    """The checklist the team qualifies with (one query only for the team's own list)."""
    custom = ()
    if methodology == "custom":
        custom = tuple(ChecklistItem(i.key, i.label, i.hint, i.required)
                       for i in custom_checklist_items(session))
    return checklist_for(methodology, custom)


# --- qualification ----------------------------------------------------------------------------


def qualification_answers(session: Session, opportunity_id: int
                          ) -> tuple[dict[str, str], QualificationOverride | None]:
    """The answers given for an opportunity ({item key: answer}) and the rep's override."""
    answers = dict(session.execute(
        select(QualificationAnswer.item_key, QualificationAnswer.answer)
        .where(QualificationAnswer.opportunity_id == opportunity_id)).all())
    override = session.scalar(select(QualificationOverride)
                              .where(QualificationOverride.opportunity_id == opportunity_id))
    return answers, override
