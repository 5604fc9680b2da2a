"""Opportunity rules as plain functions: what changed, what a stage change implies, and what an
edit based on an older version conflicts with. No Flask, no database."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable

from webapp.domain.stages import is_closed
from webapp.models.selling import FORECAST_LABELS, STAGE_LABELS
from webapp.display import full_date, money

# The fields a rep edits; every change to one of them is written to the history.
EDITABLE_FIELDS = ("stage", "amount", "close_on", "next_step", "next_step_on", "qualified",
                   "forecast_category")
FIELD_LABELS = {
    "stage": "Stage",
    "amount": "Amount",
    "close_on": "Close date",
    "next_step": "Next step",
    "next_step_on": "Next step due",
    "qualified": "Qualified",
    "forecast_category": "Forecast",
}
_DATE_FIELDS = ("close_on", "next_step_on")


def current_values(opportunity: Any) -> dict[str, Any]:
    """The editable fields of an opportunity (any object with those attributes), as a dict."""
    return {name: getattr(opportunity, name) for name in EDITABLE_FIELDS}


def normalise(field: str, value: Any) -> Any:
    """One canonical Python value per field, so equal values compare equal."""
    if field == "amount":
        return Decimal(value).quantize(Decimal("0.01")) if value is not None else None
    if field == "qualified":
        return bool(value)
    if field == "next_step" and value is None:
        return ""
    return value


def changed_fields(current: dict[str, Any], proposed: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """{field: (old, new)} for the proposed values that differ from the current ones.

    Only the fields present in `proposed` count: a stage tap sends just the stage."""
    changes = {}
    for field in EDITABLE_FIELDS:
        if field not in proposed:
            continue
        old, new = normalise(field, current.get(field)), normalise(field, proposed[field])
        if old != new:
            changes[field] = (old, new)
    return changes


def to_text(value: Any) -> str | None:
    """A value as stored in the change history (strings; None stays None)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return f"{value.quantize(Decimal('0.01'))}"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def from_text(field: str, text: str | None) -> Any:
    """The inverse of to_text() for one field (lenient: history rows may come from imports)."""
    if field == "next_step":
        return text or ""
    if text is None or text == "":
        return None if field != "qualified" else False
    if field == "amount":
        try:
            return Decimal(text).quantize(Decimal("0.01"))
        except InvalidOperation:
            return None
    if field in _DATE_FIELDS:
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            return None
    if field == "qualified":
        return text.lower() in ("true", "1", "yes", "y")
    return text


def stage_timestamps(old_stage: str, new_stage: str, now: datetime,
                     closed_at: datetime | None) -> tuple[datetime, datetime | None]:
    """(stage_changed_at, closed_at) after moving from old_stage to new_stage.

    Closing (won/lost) stamps closed_at; won <-> lost keeps the original close; reopening
    clears it."""
    if not is_closed(new_stage):
        return now, None
    if is_closed(old_stage) and closed_at is not None:
        return now, closed_at
    return now, now


def base_values(current: dict[str, Any], later_changes: Iterable[tuple[str, str | None]]) -> dict[str, Any]:
    """The values an edit started from, rebuilt from the current values and the changes made
    after its version: per field, the old value of the first later change.

    `later_changes` are (field, old_value_text) in the order they were made."""
    base = dict(current)
    seen: set[str] = set()
    for field, old_text in later_changes:
        if field in EDITABLE_FIELDS and field not in seen:
            seen.add(field)
            base[field] = from_text(field, old_text)
    return base


@dataclass(frozen=True)
class FieldConflict:
    """One field of an edit that met a newer server copy."""

    field: str
    yours: Any
    theirs: Any  # now on the server
    base: Any  # what the edit started from

    @property
    def label(self) -> str:
        return FIELD_LABELS[self.field]

    @property
    def you_changed(self) -> bool:
        return normalise(self.field, self.yours) != normalise(self.field, self.base)

    @property
    def they_changed(self) -> bool:
        return normalise(self.field, self.theirs) != normalise(self.field, self.base)

    @property
    def suggested(self) -> str | None:
        """'mine' or 'theirs' when only one side changed it; None when both did (rep decides)."""
        if self.you_changed and not self.they_changed:
            return "mine"
        if self.they_changed and not self.you_changed:
            return "theirs"
        return None


def conflicting_fields(yours: dict[str, Any], current: dict[str, Any],
                       base: dict[str, Any]) -> list[FieldConflict]:
    """The fields of a stale edit that differ from the server copy (every later change
    counted as someone else's); empty when the rep changed nothing."""
    return merge_stale_edit(yours, current, base, set(EDITABLE_FIELDS))[1]


def merge_stale_edit(yours: dict[str, Any], current: dict[str, Any], base: dict[str, Any],
                     changed_by_others: set[str]) -> tuple[dict[str, Any], list[FieldConflict]]:
    """(what to apply, what the rep must decide) for an edit made on an older version.

    Only the fields the rep changed from `base` are applied: a stale form also posts the
    values it was shown, and those must not undo a colleague's later change. A field is a
    conflict only when someone else (`changed_by_others`) changed it too and the two values
    differ; the rep's own queued edits of the same record therefore never conflict."""
    you_changed = changed_fields(base, yours)
    apply: dict[str, Any] = {}
    conflicts: list[FieldConflict] = []
    for field in you_changed:
        mine, theirs = normalise(field, yours[field]), normalise(field, current[field])
        if field in changed_by_others and mine != theirs:
            conflicts.append(FieldConflict(field, mine, theirs, normalise(field, base[field])))
        else:
            apply[field] = yours[field]
    return apply, conflicts


def display_value(field: str, value: Any, currency: str = "USD") -> str:
    """A value as a rep reads it (history and conflict screen), in the app's one format family
    (webapp/display.py: "$50,000", "Sun Jan 31 2027")."""
    if field in ("amount",) and isinstance(value, str):
        value = from_text(field, value)
    if field in _DATE_FIELDS and isinstance(value, str):
        value = from_text(field, value)
    if field == "qualified" and isinstance(value, str):
        value = from_text(field, value)
    if value is None or value == "":
        return "—"
    if field == "stage":
        return STAGE_LABELS.get(value, value)
    if field == "forecast_category":
        return FORECAST_LABELS.get(value, value)
    if field == "amount":
        return money(value, currency)
    if field in _DATE_FIELDS:
        return full_date(value)
    if field == "qualified":
        return "Yes" if value else "No"
    return str(value)


def form_value(field: str, value: Any) -> str:
    """A value as a form posts it (the conflict screen's choices are posted values)."""
    value = normalise(field, value)
    if value is None:
        return ""
    if field == "qualified":
        return "y" if value else "n"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
