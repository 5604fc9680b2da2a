"""Creating and updating opportunities: every change is written to the history; an update
based on an outdated version is merged, or refused with the conflict laid out field by field
when someone else changed the same field meanwhile."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from webapp.clock import utcnow
from webapp.domain.client_ids import ClientIdTaken
from webapp.domain.opportunities import (
    EDITABLE_FIELDS,
    FieldConflict,
    base_values,
    changed_fields,
    current_values,
    merge_stale_edit,
    stage_timestamps,
    to_text,
)
from webapp.domain.stages import is_closed
from webapp.models import FORECAST_CATEGORIES, STAGES, Account, Opportunity, OpportunityChange, User
from webapp.services import audit

MAX_AMOUNT = Decimal("999999999999.99")  # Numeric(14, 2)


class OpportunityError(ValueError):
    """A value the opportunity cannot take; `field` names the form field."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class VersionConflict(Exception):
    """The update was based on an older version and would overwrite someone else's change.

    Nothing was applied. `conflicts` lists, per field, the rep's value, the value now on the
    server and the value the rep started from; `keep` holds the rep's other changes (no one
    else touched those), which a resolution applies along with the choices;
    `changed_by` names who changed the conflicting fields and `changed_at` when they last did;
    `current_version` is what a resolution must be based on."""

    def __init__(self, opportunity: Opportunity, conflicts: list[FieldConflict],
                 based_on_version: int, *, keep: dict[str, Any] | None = None,
                 changed_by: list[str] | None = None, changed_at: datetime | None = None):
        super().__init__(f"Opportunity {opportunity.id} changed since version {based_on_version}.")
        self.opportunity = opportunity
        self.conflicts = conflicts
        self.keep = keep or {}
        self.based_on_version = based_on_version
        self.current_version = opportunity.version
        self.changed_by = changed_by or []
        self.changed_at = changed_at


def _check_values(values: dict[str, Any]) -> None:
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise OpportunityError(sorted(unknown)[0], "This field cannot be changed here.")
    if "stage" in values and values["stage"] not in STAGES:
        raise OpportunityError("stage", "Choose a stage.")
    if "forecast_category" in values and values["forecast_category"] not in FORECAST_CATEGORIES:
        raise OpportunityError("forecast_category", "Choose a forecast category.")
    if "amount" in values:
        amount = values["amount"]
        if amount is None or not isinstance(amount, Decimal) or not amount.is_finite() \
                or not Decimal(0) <= amount <= MAX_AMOUNT:
            raise OpportunityError("amount", "Enter an amount of 0 or more.")
    if "close_on" in values and not isinstance(values["close_on"], date):
        raise OpportunityError("close_on", "Enter the expected close date.")
    if len(values.get("next_step") or "") > 500:
        raise OpportunityError("next_step", "Keep the next step under 500 characters.")


def create_opportunity(session: Session, user: User, account: Account, *, client_id: str,
                       name: str, amount: Decimal, close_on: date,
                       stage: str = "first_meeting") -> Opportunity:
    """A new opportunity on `account`, owned by the account's owner.

    Idempotent on `client_id` (the opportunity's uuid). The caller has checked access."""
    existing = session.scalar(select(Opportunity).where(Opportunity.uuid == client_id))
    if existing is not None:
        if existing.account_id != account.id:
            raise ClientIdTaken("That client id is already used.")
        return existing
    name = name.strip()
    if not name:
        raise OpportunityError("name", "Name the opportunity.")
    _check_values({"stage": stage, "amount": amount, "close_on": close_on})
    now = utcnow()
    opportunity = Opportunity(
        uuid=client_id, account_id=account.id, owner_id=account.owner_id or user.id, name=name,
        stage=stage, amount=amount.quantize(Decimal("0.01")), close_on=close_on,
        # Qualified follows the team's checklist: a new deal has no answers yet.
        qualified=False, version=1, created_at=now,
        updated_at=now, stage_changed_at=now, closed_at=now if is_closed(stage) else None,
    )
    try:
        with session.begin_nested():  # a savepoint: a twin's win undoes only this
            session.add(opportunity)
            session.flush()
            audit.record(session, user, "opportunity.created", "opportunity", opportunity.id,
                         account_id=account.id, name=name, client_id=client_id)
    except IntegrityError:
        existing = session.scalar(select(Opportunity).where(Opportunity.uuid == client_id))
        if existing is None or existing.account_id != account.id:
            raise
        return existing
    return opportunity


def was_applied(session: Session, opportunity_id: int, client_id: str | None) -> bool:
    """Whether an update with this client id already changed this opportunity (a replay)."""
    if not client_id:
        return False
    return session.scalar(
        select(OpportunityChange.id).where(OpportunityChange.opportunity_id == opportunity_id,
                                           OpportunityChange.client_id == client_id).limit(1)
    ) is not None


@dataclass(frozen=True)
class LaterChange:
    """A change made after the version an edit started from."""

    field: str
    old_value: str | None
    version: int | None
    user_id: int | None
    user_name: str | None
    changed_at: datetime


def changes_since(session: Session, opportunity: Opportunity, version: int) -> list[LaterChange]:
    """The history rows written after `version`, oldest first, with who made them."""
    rows = session.execute(
        select(OpportunityChange.field, OpportunityChange.old_value, OpportunityChange.version,
               OpportunityChange.user_id,
               User.name, OpportunityChange.changed_at)
        .outerjoin(User, OpportunityChange.user_id == User.id)
        .where(OpportunityChange.opportunity_id == opportunity.id,
               OpportunityChange.version > version)
        .order_by(OpportunityChange.version, OpportunityChange.id)
    ).all()
    return [LaterChange(*row) for row in rows]


def values_at(session: Session, opportunity: Opportunity, version: int) -> dict[str, Any]:
    """The editable fields as they were at `version`, rebuilt from the change history."""
    later = changes_since(session, opportunity, version)
    return base_values(current_values(opportunity), [(c.field, c.old_value) for c in later])


def update_opportunity(session: Session, user: User, opportunity: Opportunity,
                       changes: dict[str, Any], *, based_on_version: int,
                       client_id: str | None, _retried: bool = False) -> Opportunity:
    """Apply `changes` (only the fields given) made on `based_on_version`, in the caller's
    transaction (flushed; the caller commits).

    Each changed field writes an OpportunityChange (who, when, old -> new, client id, the new
    version) and the version goes up by one; a stage change stamps stage_changed_at and
    closed_at. A repeat of an applied update (same client id) changes nothing.
    An update made on an older version is merged: the fields the rep changed are applied on
    the current version, unless someone else changed one of them too since (then nothing is
    applied: VersionConflict). Changes the rep made meanwhile (an earlier queued edit of the
    same record) are the rep's own and never conflict.
    The caller has checked that `user` may see the opportunity's account."""
    if was_applied(session, opportunity.id, client_id):
        return opportunity
    _check_values(changes)
    if based_on_version != opportunity.version:
        if not 1 <= based_on_version < opportunity.version:
            raise OpportunityError("version", "This form is for a version that does not exist. "
                                              "Reload the opportunity.")
        later = changes_since(session, opportunity, based_on_version)
        base = base_values(current_values(opportunity), [(c.field, c.old_value) for c in later])
        by_others = [c for c in later if c.user_id != user.id]
        others_changed = {c.field for c in by_others}
        if {c.version for c in later} != set(range(based_on_version + 1, opportunity.version + 1)):
            # A version the history does not explain (a change written around it): anyone
            # may have changed anything, so every field differing from the rep's is asked.
            others_changed = set(EDITABLE_FIELDS)
        changes, conflicts = merge_stale_edit(changes, current_values(opportunity), base,
                                              others_changed)
        if conflicts:
            fields = {c.field for c in conflicts}
            theirs = [c for c in by_others if c.field in fields]
            names = list(dict.fromkeys(c.user_name or "An import" for c in theirs))
            raise VersionConflict(opportunity, conflicts, based_on_version, keep=changes,
                                  changed_by=names,
                                  changed_at=max((c.changed_at for c in theirs), default=None))
        based_on_version = opportunity.version

    diff = changed_fields(current_values(opportunity), changes)
    if not diff:
        return opportunity
    now = utcnow()
    new_version = based_on_version + 1
    # Compare-and-set: of two concurrent updates on the same version only one may win.
    claimed = session.execute(
        update(Opportunity)
        .where(Opportunity.id == opportunity.id, Opportunity.version == based_on_version)
        .values(version=new_version)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        if _retried:
            raise VersionConflict(opportunity, [], based_on_version)
        session.refresh(opportunity)
        # Now either a replay of the winner (same client id) or a conflict with it.
        return update_opportunity(session, user, opportunity, changes,
                                  based_on_version=based_on_version, client_id=client_id,
                                  _retried=True)
    old_stage = opportunity.stage
    for field, (old, new) in diff.items():
        setattr(opportunity, field, new)
        session.add(OpportunityChange(
            opportunity_id=opportunity.id, user_id=user.id, changed_at=now, field=field,
            old_value=to_text(old), new_value=to_text(new), client_id=client_id,
            version=new_version,
        ))
    if "stage" in diff:
        opportunity.stage_changed_at, opportunity.closed_at = stage_timestamps(
            old_stage, opportunity.stage, now, opportunity.closed_at)
    opportunity.version = new_version
    opportunity.updated_at = now
    session.flush()
    return opportunity
