"""Stay with people, and work your old lists (seed ideas 9 and 11): pure rules, no Flask, no DB.

- `is_executive(title)`: a title that reads as an executive or a buyer with a budget.
- `keep_in_touch_order(people)`: the keep-in-touch list, former champions and executives
  first, then those the rep has not reached for longest.
- `old_list(signals, ...)`: who showed interest 6 to 18 months ago and has been quiet since,
  one entry per account, with why, ranked by potential.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

_EXECUTIVE = re.compile(
    r"\b(ceo|cfo|cio|coo|cto|cmo|cro|ciso|chief|president|vp|svp|evp|vice president|"
    r"director|head of|founder|owner|partner|general manager|managing)\b", re.I)

OLD_FROM_DAYS = 183  # about 6 months: younger interest is still the live pipeline
OLD_TO_DAYS = 548  # about 18 months: older than that the interest is cold
SNOOZE_DAYS = 30
MAX_OLD_LIST = 30  # a list a rep can work in an afternoon, not a database
GOOD_ENGAGEMENT = 4

# Why an account is on the old list, strongest first.
REASON_LABELS = {
    "asked": "They asked for a meeting",
    "engaged": "Engaged meeting",
    "no_decision": "Deal lost to no decision",
    "timing": "Deal lost to timing",
}
_REASON_WEIGHT = {"asked": 3, "no_decision": 3, "timing": 3, "engaged": 2}
LOST_REASONS = ("no_decision", "timing")


def is_executive(title: str) -> bool:
    """True for an executive's or budget holder's title ("VP Operations", "CFO", "Director")."""
    return bool(_EXECUTIVE.search(title or ""))


@dataclass(frozen=True)
class KeptPerson:
    contact_id: int
    champion: bool
    title: str
    last_reached: datetime | None


def keep_in_touch_order(people: list[KeptPerson]) -> list[KeptPerson]:
    """Former champions first, then executives, then the rest; within each, the person not
    reached for longest (never reached first), then by id for a stable order."""
    def key(p: KeptPerson):
        band = 0 if p.champion else 1 if is_executive(p.title) else 2
        reached = p.last_reached.timestamp() if p.last_reached else float("-inf")
        return (band, reached, p.contact_id)
    return sorted(people, key=key)


@dataclass(frozen=True)
class Signal:
    """A sign of interest at an account: a meeting (with its engagement and who asked for it)
    or a deal that was lost. `contact_id`: the person it was with, when known."""

    account_id: int
    at: datetime
    kind: str  # "meeting" | "lost"
    engagement: int | None = None
    initiated_by: str | None = None
    loss_reason: str | None = None
    contact_id: int | None = None


@dataclass(frozen=True)
class Mark:
    snoozed_until: date | None = None
    dismissed: bool = False


@dataclass
class OldListEntry:
    account_id: int
    potential: int
    reasons: list[str]  # keys of REASON_LABELS, strongest first
    last_interest: datetime
    contact_id: int | None = None
    score: float = 0.0
    labels: list[str] = field(default_factory=list)


def _reason(signal: Signal) -> str | None:
    if signal.kind == "lost":
        return signal.loss_reason if signal.loss_reason in LOST_REASONS else None
    if signal.initiated_by == "them":
        return "asked"
    if signal.engagement is not None and signal.engagement >= GOOD_ENGAGEMENT:
        return "engaged"
    return None


def old_list(signals: list[Signal], *, now: datetime, potentials: dict[int, int],
             last_activity: dict[int, datetime | None], marks: dict[int, Mark] | None = None,
             limit: int = MAX_OLD_LIST) -> list[OldListEntry]:
    """The rep's old list.

    An account is on it when a signal of interest (`_reason`) falls 6 to 18 months before
    `now`, nothing has happened there since the newest such signal (`last_activity`: the
    account's latest meeting, touch or open deal activity, any age; it includes the signals
    themselves), it is not dismissed and not snoozed past today. Ranked by potential, then by
    the weight of the reasons, then the most recent interest; at most `limit` entries."""
    marks = marks or {}
    start, end = now - timedelta(days=OLD_TO_DAYS), now - timedelta(days=OLD_FROM_DAYS)
    found: dict[int, OldListEntry] = {}
    for signal in signals:
        reason = _reason(signal)
        if reason is None or not start <= signal.at <= end:
            continue
        entry = found.get(signal.account_id)
        if entry is None:
            entry = found[signal.account_id] = OldListEntry(
                signal.account_id, potentials.get(signal.account_id, 0), [], signal.at)
        if reason not in entry.reasons:
            entry.reasons.append(reason)
        if signal.at >= entry.last_interest:
            entry.last_interest = signal.at
            entry.contact_id = signal.contact_id or entry.contact_id
        elif entry.contact_id is None:
            entry.contact_id = signal.contact_id
    entries = []
    for entry in found.values():
        latest = last_activity.get(entry.account_id)
        if latest is not None and latest > entry.last_interest:
            continue  # not quiet: something happened since
        mark = marks.get(entry.account_id)
        if mark is not None and (mark.dismissed or (mark.snoozed_until is not None
                                                    and mark.snoozed_until > now.date())):
            continue
        entry.reasons.sort(key=lambda r: (-_REASON_WEIGHT[r], r))
        entry.labels = [REASON_LABELS[r] for r in entry.reasons]
        weight = sum(_REASON_WEIGHT[r] for r in entry.reasons)
        entry.score = entry.potential + weight
        entries.append(entry)
    entries.sort(key=lambda e: (-e.potential, -sum(_REASON_WEIGHT[r] for r in e.reasons),
                                -e.last_interest.timestamp(), e.account_id))
    return entries[:limit]
