"""How fresh a piece of intel is: what a rep hears goes stale (a reorg, a budget, a person
leaving); after a quarter it is marked so nobody walks in quoting old news."""
from __future__ import annotations

from datetime import date

STALE_AFTER_DAYS = 90


def intel_age_days(learned_on: date, today: date) -> int:
    """Days since it was learned (0 for today; a date in the future counts as today)."""
    return max((today - learned_on).days, 0)


def is_stale(learned_on: date, today: date, stale_after_days: int = STALE_AFTER_DAYS) -> bool:
    """True once the intel is older than `stale_after_days`."""
    return intel_age_days(learned_on, today) > stale_after_days


def age_words(learned_on: date, today: date) -> str:
    """'today', '1 day ago', '12 days ago', '5 weeks ago', '8 months ago'."""
    days = intel_age_days(learned_on, today)
    if days == 0:
        return "today"
    if days < 14:
        return "1 day ago" if days == 1 else f"{days} days ago"
    if days < 70:
        return f"{days // 7} weeks ago"
    months = days // 30
    return f"{months} months ago"
