"""Writes for the pipeline pages: settings, qualification, forecasts, one-to-ones, market intel.

Each function takes the session and plain values, checks them, adds and flushes (the caller
commits) and returns. Bad input raises `PipelineError` naming the form field. Callers have
already checked access (the opportunity through its account, the rep through
`visible_user_ids`).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from webapp.clock import utcnow
from webapp.domain.checklists import (
    DEFAULT_ANSWERS_NEEDED,
    ChecklistItem,
    ChecklistStatus,
    answers_needed,
    checklist_status,
)
from webapp.domain.opportunities import to_text
from webapp.models import aggregates
from webapp.domain.pipeline_metrics import Period, forecast_is_locked, forecast_lock_date
from webapp.models import (
    METHODOLOGIES,
    OPEN_STAGES,
    ForecastOverride,
    ForecastSubmission,
    Intel,
    OneToOne,
    Opportunity,
    OpportunityChange,
    PipelineSettings,
    QualificationAnswer,
    QualificationItem,
    QualificationOverride,
    User,
)
from webapp.services import audit
from webapp.services.opportunities import update_opportunity

MAX_MONEY = Decimal("999999999999.99")


class PipelineError(ValueError):
    """Input the pipeline cannot take; `field` names the form field."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class ForecastLocked(PipelineError):
    def __init__(self, period: Period, lock_date: date):
        super().__init__("commit", f"The {period.label} forecast locked on "
                                   f"{lock_date:%b} {lock_date.day}; it can no longer change.")


# --- settings -------------------------------------------------------------------------------

def save_pipeline_settings(session: Session, *, methodology: str, stuck_days: int,
                           quiet_weeks: int, slip_pushes: int, forecast_lock_days: int,
                           history_months: int, min_history: int,
                           qualify_answers: int = DEFAULT_ANSWERS_NEEDED) -> PipelineSettings:
    """Save the team's pipeline settings (one row, created on first save). The caller
    requalifies open deals (`requalify_open_deals`) when the checklist or its number changed."""
    if methodology not in METHODOLOGIES:
        raise PipelineError("methodology", "Choose a methodology.")
    settings = session.scalar(select(PipelineSettings).order_by(PipelineSettings.id).limit(1))
    if settings is None:
        settings = PipelineSettings()
        session.add(settings)
    settings.methodology = methodology
    settings.stuck_days = stuck_days
    settings.quiet_weeks = quiet_weeks
    settings.slip_pushes = slip_pushes
    settings.forecast_lock_days = forecast_lock_days
    settings.history_months = history_months
    settings.min_history = min_history
    if not 1 <= qualify_answers <= 50:
        raise PipelineError("qualify_answers", "Enter a number from 1 to 50.")
    settings.qualify_answers = qualify_answers
    session.flush()
    return settings


def add_checklist_item(session: Session, *, label: str, hint: str = "",
                       required: bool = True) -> QualificationItem:
    """Append an item to the team's own checklist."""
    label = label.strip()
    if not label:
        raise PipelineError("label", "Name the item.")
    last = session.scalar(select(func.max(QualificationItem.position))) or 0
    item = QualificationItem(label=label[:120], hint=hint.strip()[:300], required=required,
                             position=last + 1)
    session.add(item)
    session.flush()
    return item


def retire_checklist_item(session: Session, item_id: int) -> None:
    """Take an item off the team's list; answers already given stay in the history."""
    item = session.get(QualificationItem, item_id)
    if item is None:
        raise PipelineError("item", "That item is not on the list.")
    item.active = False
    session.flush()


# --- qualification --------------------------------------------------------------------------

def save_qualification(session: Session, user: User, opportunity: Opportunity,
                       items: Iterable[ChecklistItem], answers: Mapping[str, str], *,
                       qualified_anyway: bool = False, reason: str = "",
                       needed: int = DEFAULT_ANSWERS_NEEDED) -> ChecklistStatus:
    """Store the checklist answers and the override, then make the opportunity's qualified flag
    follow the checklist: qualified when `needed` answers are given or it is overridden (and
    moved from first meeting to the qualified stage), not qualified otherwise. The flag's change
    goes into the deal's history; setting or removing an override is audited."""
    items = tuple(items)
    reason = reason.strip()
    if qualified_anyway and not reason:
        raise PipelineError("reason", "Say why it is qualified without the checklist.")
    if len(reason) > 500:
        raise PipelineError("reason", "Keep the reason under 500 characters.")
    now = utcnow()
    keys = {item.key for item in items}
    existing = {a.item_key: a for a in session.scalars(
        select(QualificationAnswer).where(QualificationAnswer.opportunity_id == opportunity.id))}
    before = {key: row.answer for key, row in existing.items()}
    for key, text in answers.items():
        if key not in keys:
            continue
        text = (text or "").strip()[:500]
        row = existing.get(key)
        if row is None:
            if text:
                session.add(QualificationAnswer(opportunity_id=opportunity.id, item_key=key,
                                                answer=text, answered_by_id=user.id,
                                                answered_at=now))
        elif row.answer != text:
            row.answer, row.answered_by_id, row.answered_at = text, user.id, now
    override = session.scalar(select(QualificationOverride)
                              .where(QualificationOverride.opportunity_id == opportunity.id))
    if qualified_anyway:
        if override is None or override.reason != reason:
            audit.record(session, user, "qualification.override_set", "opportunity",
                         opportunity.id, reason=reason)
        if override is None:
            session.add(QualificationOverride(opportunity_id=opportunity.id, reason=reason,
                                              user_id=user.id, created_at=now))
        elif override.reason != reason:
            override.reason, override.user_id, override.created_at = reason, user.id, now
    elif override is not None:
        audit.record(session, user, "qualification.override_removed", "opportunity",
                     opportunity.id, reason=override.reason)
        session.delete(override)
    session.flush()

    after = before | {k: (v or "").strip() for k, v in answers.items() if k in keys}
    status = checklist_status(items, after, reason if qualified_anyway else None, needed)
    changes: dict = {}
    if opportunity.is_open and status.qualified != opportunity.qualified:
        changes["qualified"] = status.qualified
    if status.qualified and opportunity.stage == "first_meeting":
        changes["stage"] = "qualified"
    if changes:
        update_opportunity(session, user, opportunity, changes,
                           based_on_version=opportunity.version, client_id=None)
    session.flush()  # the answers and the flag they set: one transaction, the caller's
    return status


def requalify_open_deals(session: Session, user: User, items: Iterable[ChecklistItem],
                         needed: int) -> tuple[int, int]:
    """Make every open deal's qualified flag follow the checklist after the manager changed it
    or the number of answers it takes. Returns (now qualified, no longer qualified).

    Each flip is written to the deal's history under the manager's name. It does not take a
    new version: it is not an edit of the deal, and a rep's queued edit of the deal must not
    turn into a conflict because of it."""
    keys = [item.key for item in items]
    target = answers_needed(needed, len(keys))
    answered: dict[int, int] = {}
    if keys:
        answered = dict(session.execute(
            select(QualificationAnswer.opportunity_id, func.count())
            .where(QualificationAnswer.item_key.in_(keys),
                   func.length(func.trim(QualificationAnswer.answer)) > 0)
            .group_by(QualificationAnswer.opportunity_id)).all())
    overridden = set(session.scalars(select(QualificationOverride.opportunity_id)))
    rows = session.execute(select(Opportunity.id, Opportunity.qualified)
                           .where(Opportunity.stage.in_(OPEN_STAGES))).all()
    flips = {row.id: not row.qualified for row in rows
             if (row.id in overridden or (target and answered.get(row.id, 0) >= target))
             != row.qualified}
    now = utcnow()
    for value in (True, False):
        ids = [i for i, new in flips.items() if new is value]
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            aggregates.note_rows(session, Opportunity, chunk)  # per-owner totals
            session.execute(update(Opportunity).where(Opportunity.id.in_(chunk))
                            .values(qualified=value).execution_options(synchronize_session=False))
            session.add_all(OpportunityChange(
                opportunity_id=i, user_id=user.id, changed_at=now, field="qualified",
                old_value=to_text(not value), new_value=to_text(value)) for i in chunk)
    gained = sum(1 for new in flips.values() if new)
    audit.record(session, user, "qualification.rule_changed", "pipeline_settings", "",
                 answers_needed=needed, items=len(keys), now_qualified=gained,
                 no_longer_qualified=len(flips) - gained)
    session.flush()
    return gained, len(flips) - gained


# --- forecasts ------------------------------------------------------------------------------

def _money(field: str, value: Decimal | None) -> Decimal:
    if value is None or not value.is_finite() or not Decimal(0) <= value <= MAX_MONEY:
        raise PipelineError(field, "Enter an amount of 0 or more.")
    return value.quantize(Decimal("0.01"))


def submit_forecast(session: Session, rep: User, period: Period, *, commit: Decimal,
                    best_case: Decimal, currency: str, today: date,
                    lock_days: int) -> ForecastSubmission:
    """The rep's commit and best case for `period`; changes the earlier submission in place
    until the period's lock date, refused after it (ForecastLocked)."""
    if forecast_is_locked(period, today, lock_days):
        raise ForecastLocked(period, forecast_lock_date(period, lock_days))
    commit, best_case = _money("commit", commit), _money("best_case", best_case)
    if best_case < commit:
        raise PipelineError("best_case", "Best case is at least the commit.")
    now = utcnow()
    row = session.scalar(select(ForecastSubmission).where(
        ForecastSubmission.user_id == rep.id, ForecastSubmission.period_start == period.start))
    if row is None:
        row = ForecastSubmission(user_id=rep.id, period_start=period.start,
                                 period_end=period.end, submitted_at=now)
        session.add(row)
    row.commit, row.best_case, row.currency, row.updated_at = commit, best_case, currency, now
    session.flush()
    return row


def override_forecast(session: Session, manager: User, rep: User, period: Period, *,
                      commit: Decimal | None, note: str = "") -> ForecastOverride | None:
    """The manager's own commit for a rep's period (None clears it). The rep's figure stays."""
    row = session.scalar(select(ForecastOverride).where(
        ForecastOverride.rep_id == rep.id, ForecastOverride.period_start == period.start))
    if commit is None:
        if row is not None:
            session.delete(row)
            session.flush()
        return None
    commit = _money("commit", commit)
    if row is None:
        row = ForecastOverride(rep_id=rep.id, period_start=period.start, period_end=period.end)
        session.add(row)
    row.manager_id, row.commit, row.note = manager.id, commit, note.strip()[:300]
    row.updated_at = utcnow()
    session.flush()
    return row


# --- one-to-ones and market intel -----------------------------------------------------------

def save_one_to_one_notes(session: Session, author: User, rep: User, week: date,
                          notes: str) -> OneToOne:
    """Keep the notes of the rep's one-to-one for `week` (shared by rep and manager)."""
    if len(notes) > 20000:
        raise PipelineError("notes", "Keep the notes under 20,000 characters.")
    now = utcnow()
    row = session.scalar(select(OneToOne).where(OneToOne.rep_id == rep.id,
                                                OneToOne.week_start == week))
    if row is None:
        row = OneToOne(rep_id=rep.id, week_start=week, created_at=now,
                       manager_id=rep.manager_id or author.id)
        session.add(row)
    row.notes, row.updated_by_id, row.updated_at = notes.strip(), author.id, now
    session.flush()
    return row


def post_market_intel(session: Session, author: User, *, body: str,
                      rep: User | None = None) -> Intel:
    """Share news with one rep, or, when `rep` is None, with everyone the author leads: a
    manager's own team, or every rep when the author is an admin (see
    `webapp.queries.intel.market_news_scope`). It is intel without an account."""
    body = body.strip()
    if not body:
        raise PipelineError("body", "Write the news to share.")
    if len(body) > 2000:
        raise PipelineError("body", "Keep it under 2,000 characters.")
    now = utcnow()
    post = Intel(user_id=author.id, rep_id=rep.id if rep else None, body=body,
                 learned_on=now.date(), source_text="", created_at=now)
    session.add(post)
    session.flush()
    return post
