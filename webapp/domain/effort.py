"""Equality of effort (seed idea 15): with every meeting the prospect should *do* something.

A deal is one-sided when the prospect kept none of their last three commitments that came
due, or when every meeting (at least three) was asked for by us. Then the advice is to move on
or to get a real commitment. Pure rules: the queries count, these decide."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

RECENT_COMMITMENTS = 3  # "none of their last three"
MIN_MEETINGS = 3        # "every meeting (at least three) was ours"
ADVICE = "Move on, or get a real commitment from them."

KEPT, NOT_KEPT, OVERDUE, OPEN = "kept", "not_kept", "overdue", "open"


def commitment_state(kept: bool | None, due_on: date | None, today: date) -> str:
    """kept / not kept (resolved), overdue (open past its due date) or open."""
    if kept is True:
        return KEPT
    if kept is False:
        return NOT_KEPT
    if due_on is not None and due_on < today:
        return OVERDUE
    return OPEN


@dataclass(frozen=True)
class Effort:
    """What one deal (or account) shows of both sides' effort.

    `their_recent` / `their_recent_kept`: of the prospect's last (up to three) commitments
    that came due (resolved, or open past the due date), how many, and how many were kept.
    `meetings_ours` / `meetings_theirs`: meetings we asked for and they asked for (meetings
    with nobody recorded as asking count for neither)."""

    their_recent: int = 0
    their_recent_kept: int = 0
    meetings_ours: int = 0
    meetings_theirs: int = 0


def one_sided_reason(effort: Effort) -> str | None:
    """Why the deal is one-sided, in a few words, or None when it is not."""
    if effort.their_recent >= RECENT_COMMITMENTS and effort.their_recent_kept == 0:
        return f"They kept none of their last {RECENT_COMMITMENTS} commitments"
    if effort.meetings_ours >= MIN_MEETINGS and effort.meetings_theirs == 0:
        return f"Every meeting ({effort.meetings_ours}) was ours"
    return None


def is_one_sided(effort: Effort) -> bool:
    return one_sided_reason(effort) is not None


def recent_outcomes(commitments: list[tuple[bool | None, date | None]], today: date,
                    limit: int = RECENT_COMMITMENTS) -> tuple[int, int]:
    """(counted, kept) over the last `limit` of the prospect's commitments that came due.

    `commitments` are (kept, due_on) newest first; an open one not yet due is not counted."""
    counted = kept = 0
    for was_kept, due_on in commitments:
        state = commitment_state(was_kept, due_on, today)
        if state == OPEN:
            continue
        counted += 1
        kept += state == KEPT
        if counted == limit:
            break
    return counted, kept
