"""Closing a deal (won with its final amount, lost with a reason) and undoing a close.

Both go through `update_opportunity`, so the stage change is in the deal's history with the
new version like any other edit; the close itself is a `DealClosure` row and an audit event,
written in the same commit."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.clock import utcnow
from webapp.domain.deal_closing import can_reopen, check_close
from webapp.models import DealClosure, Opportunity, User
from webapp.services import audit
from webapp.services.opportunities import (
    MAX_AMOUNT,
    OpportunityError,
    VersionConflict,
    update_opportunity,
    was_applied,
)


def latest_closure(session: Session, opportunity_id: int) -> DealClosure | None:
    """The deal's most recent close that was not undone, if any."""
    return session.scalar(
        select(DealClosure)
        .where(DealClosure.opportunity_id == opportunity_id, DealClosure.reopened_at.is_(None))
        .order_by(DealClosure.closed_at.desc(), DealClosure.id.desc()).limit(1))


def close_deal(session: Session, user: User, opportunity: Opportunity, *, outcome: str,
               amount: Decimal | None = None, reason: str | None = None, competitor: str = "",
               client_id: str | None = None) -> DealClosure:
    """Close an open deal as won (at `amount`, the final figure) or lost (for `reason`, to
    `competitor`). A replay of the same client id returns the first close.

    OpportunityError names the field when something a manager needs is missing or the deal is
    already closed. The caller has checked that `user` may see the deal's account."""
    if client_id:
        done = session.scalar(select(DealClosure).where(DealClosure.client_id == client_id))
        if done is not None:
            if done.opportunity_id != opportunity.id:
                raise OpportunityError("outcome", "This form was used for another deal.")
            return done
    competitor = (competitor or "").strip()
    errors = check_close(outcome, reason, competitor)
    if errors:
        field, message = next(iter(errors.items()))
        raise OpportunityError(field, message)
    if not opportunity.is_open:
        raise OpportunityError("outcome", f"This deal is already closed as {opportunity.stage_label.lower()}.")
    changes: dict = {"stage": outcome}
    if outcome == "won":
        if amount is None or not amount.is_finite() or not Decimal(0) <= amount <= MAX_AMOUNT:
            raise OpportunityError("amount", "Enter the final amount, 0 or more.")
        changes["amount"] = amount.quantize(Decimal("0.01"))
    now = utcnow()
    closure = DealClosure(
        opportunity_id=opportunity.id, outcome=outcome,
        loss_reason=reason if outcome == "lost" else None,
        competitor=competitor if outcome == "lost" else "",
        amount=changes.get("amount", opportunity.amount), previous_stage=opportunity.stage,
        previous_amount=opportunity.amount, closed_by_id=user.id, closed_at=now,
        client_id=client_id or None)
    # The close and the stage change are saved together, in the caller's transaction; a
    # savepoint takes both back if another write won the race, so a refused close leaves
    # nothing behind even in the session the page is rendered from.
    with session.begin_nested():
        session.add(closure)
        audit.record(session, user, "deal.closed", "opportunity", opportunity.id,
                     outcome=outcome, reason=closure.loss_reason or "",
                     competitor=closure.competitor, amount=str(closure.amount))
        _apply(session, user, opportunity, changes, client_id, "outcome")
        if opportunity.stage != outcome:  # lost a race with another write
            raise OpportunityError("outcome",
                                   "The deal changed meanwhile. Look again and close it.")
    return closure


def reopen_deal(session: Session, user: User, opportunity: Opportunity, *,
                client_id: str | None = None) -> DealClosure:
    """Undo the deal's latest close within the reopen window: back to the stage (and, after a
    win, the amount) it had before. Reopening an open deal is a no-op when this very
    write (client id) already reopened it, an error otherwise."""
    if client_id and opportunity.is_open and was_applied(session, opportunity.id, client_id):
        return session.scalar(select(DealClosure).where(
            DealClosure.opportunity_id == opportunity.id, DealClosure.reopened_at.is_not(None))
            .order_by(DealClosure.reopened_at.desc()).limit(1))
    closure = latest_closure(session, opportunity.id) if not opportunity.is_open else None
    if closure is None:
        raise OpportunityError("reopen", "This deal has no recent close to undo.")
    now = utcnow()
    if not can_reopen(closure.closed_at, now):
        raise OpportunityError("reopen", "This deal was closed more than 7 days ago and can no "
                                         "longer be reopened here.")
    changes: dict = {"stage": closure.previous_stage}
    if closure.outcome == "won":
        changes["amount"] = closure.previous_amount
    with session.begin_nested():  # taken back as a whole if another write won the race
        closure.reopened_at, closure.reopened_by_id = now, user.id
        audit.record(session, user, "deal.reopened", "opportunity", opportunity.id,
                     outcome=closure.outcome, back_to=closure.previous_stage)
        _apply(session, user, opportunity, changes, client_id, "reopen")
        if opportunity.stage != closure.previous_stage:
            raise OpportunityError("reopen", "The deal changed meanwhile. Look again.")
    return closure


def _apply(session: Session, user: User, opportunity: Opportunity, changes: dict,
           client_id: str | None, field: str) -> None:
    try:
        update_opportunity(session, user, opportunity, changes,
                           based_on_version=opportunity.version, client_id=client_id)
    except VersionConflict:  # another write won the same version
        raise OpportunityError(field, "The deal changed meanwhile. Look again.") from None
