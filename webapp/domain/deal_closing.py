"""Closing a deal, as plain rules: why deals are lost, and how long a close can be undone.

No Flask, no database. Loss reasons are stored as these keys, so later lists (old deals worth
a second try, losses to one competitor) can be built from them."""
from __future__ import annotations

from datetime import datetime, timedelta

OUTCOMES = ("won", "lost")
LOSS_REASONS = ("no_decision", "timing", "price", "competitor", "other")
LOSS_REASON_LABELS = {
    "no_decision": "No decision",
    "timing": "Timing",
    "price": "Price",
    "competitor": "Went with a competitor",
    "other": "Other",
}
# A close can be undone this long after it was made (a wrong tap, a deal that came back).
REOPEN_DAYS = 7


def reopen_until(closed_at: datetime) -> datetime:
    """The last moment a close made at `closed_at` can be undone."""
    return closed_at + timedelta(days=REOPEN_DAYS)


def can_reopen(closed_at: datetime | None, now: datetime) -> bool:
    return closed_at is not None and now <= reopen_until(closed_at)


def check_close(outcome: str, reason: str | None, competitor: str) -> dict[str, str]:
    """{field: message} for a close that is missing what a manager needs; empty when fine.

    Lost asks for a reason from the list; a loss to a competitor asks which one."""
    errors: dict[str, str] = {}
    if outcome not in OUTCOMES:
        errors["outcome"] = "Choose won or lost."
    elif outcome == "lost":
        if reason not in LOSS_REASONS:
            errors["reason"] = "Choose why it was lost."
        elif reason == "competitor" and not competitor.strip():
            errors["competitor"] = "Name the competitor who won it."
    if len(competitor) > 120:
        errors["competitor"] = "Keep the competitor's name under 120 characters."
    return errors
