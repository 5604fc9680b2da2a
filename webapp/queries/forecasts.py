"""Forecast submissions and managers' overrides, per rep and period."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.models import (
    ForecastOverride,
    ForecastSubmission,
)

# --- forecasts --------------------------------------------------------------------------------

def forecasts_by_rep(session: Session, rep_ids: list[int], period_starts: list[date]
                     ) -> dict[int, dict[date, ForecastSubmission]]:
    """{rep_id: {period start: submission}}."""
    result: dict[int, dict[date, ForecastSubmission]] = {rep_id: {} for rep_id in rep_ids}
    if not rep_ids or not period_starts:
        return result
    for row in session.scalars(
            select(ForecastSubmission).where(ForecastSubmission.user_id.in_(rep_ids),
                                             ForecastSubmission.period_start.in_(period_starts))):
        result[row.user_id][row.period_start] = row
    return result


def overrides_by_rep(session: Session, rep_ids: list[int], period_start: date) -> dict[int,
                     ForecastOverride]:
    """{rep_id: the manager's override} for one period."""
    if not rep_ids:
        return {}
    return {row.rep_id: row for row in session.scalars(
        select(ForecastOverride).where(ForecastOverride.rep_id.in_(rep_ids),
                                       ForecastOverride.period_start == period_start))}
