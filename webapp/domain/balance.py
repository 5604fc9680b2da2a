"""Whether a manager's reps carry a fair share of the load, as plain functions. No Flask, no
database."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from statistics import mean

# A rep more than a fifth above or below the team mean is flagged: below that, differences
# are noise of a few accounts in a team of four or five; beyond it, one rep has visibly more
# (or less) to work with than peers, which is what a realignment should fix.
IMBALANCE_THRESHOLD = 0.20
BALANCE_METRICS = ("accounts", "customers", "potential", "pipeline")


@dataclass(frozen=True)
class RepLoad:
    rep_id: int
    name: str
    accounts: int = 0
    customers: int = 0
    potential: int = 0  # sum of account potential scores
    pipeline: Decimal = Decimal("0")  # open, qualified


@dataclass(frozen=True)
class BalanceRow:
    load: RepLoad
    deviation: dict[str, float] = field(default_factory=dict)  # metric -> share off the mean
    flagged: tuple[str, ...] = ()


def balance(loads: list[RepLoad], threshold: float = IMBALANCE_THRESHOLD) -> list[BalanceRow]:
    """Each rep's deviation from the team mean per metric, with metrics beyond the threshold
    flagged. A metric whose mean is zero deviates by nothing."""
    if not loads:
        return []
    means = {m: mean(float(getattr(load, m)) for load in loads) for m in BALANCE_METRICS}
    rows = []
    for load in loads:
        deviation = {}
        for metric in BALANCE_METRICS:
            avg = means[metric]
            deviation[metric] = (float(getattr(load, metric)) - avg) / avg if avg else 0.0
        flagged = tuple(m for m in BALANCE_METRICS if abs(deviation[m]) > threshold + 1e-9)
        rows.append(BalanceRow(load, deviation, flagged))
    return rows
