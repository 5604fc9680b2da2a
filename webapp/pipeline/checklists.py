"""Qualification checklists: the well-known methodologies, and when a deal counts as qualified.

Plain values, no Flask or database. A team picks one of the built-in lists or writes its own
(stored as `QualificationItem` rows and passed in here as `ChecklistItem`s).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class ChecklistItem:
    key: str  # stable: answers are stored under it
    label: str
    hint: str = ""
    required: bool = True


def _items(prefix: str, rows: tuple[tuple[str, str, str, bool], ...]) -> tuple[ChecklistItem, ...]:
    return tuple(ChecklistItem(f"{prefix}-{key}", label, hint, required)
                 for key, label, hint, required in rows)


# The required flags mark what a deal cannot be qualified without; the rest firms up later.
BUILT_IN: dict[str, tuple[str, tuple[ChecklistItem, ...]]] = {
    "meddic": ("MEDDIC", _items("meddic", (
        ("metrics", "Metrics", "The measurable result they expect", True),
        ("economic-buyer", "Economic buyer", "Who signs, and have you met them?", True),
        ("decision-criteria", "Decision criteria", "How they will compare options", False),
        ("decision-process", "Decision process", "Steps and dates to a signature", False),
        ("pain", "Identified pain", "The problem that costs them today", True),
        ("champion", "Champion", "Who sells for you when you are not there", True),
    ))),
    "bant": ("BANT", _items("bant", (
        ("budget", "Budget", "Is money set aside, and how much?", True),
        ("authority", "Authority", "Who decides", True),
        ("need", "Need", "What they must fix", True),
        ("timeline", "Timeline", "When they must have it", True),
    ))),
    "spin": ("SPIN", _items("spin", (
        ("situation", "Situation", "How they work today", False),
        ("problem", "Problem", "What is not working", True),
        ("implication", "Implication", "What it costs them if nothing changes", True),
        ("need-payoff", "Need-payoff", "The value of solving it, in their words", True),
    ))),
}
METHODOLOGY_LABELS = ({key: label for key, (label, _) in BUILT_IN.items()}
                      | {"custom": "Our own list"})


def checklist_for(methodology: str,
                  custom: Iterable[ChecklistItem] = ()) -> tuple[ChecklistItem, ...]:
    """The items of the team's methodology; "custom" is the team's own list."""
    if methodology == "custom":
        return tuple(custom)
    return BUILT_IN.get(methodology, BUILT_IN["meddic"])[1]


@dataclass(frozen=True)
class ChecklistStatus:
    answered: int
    total: int
    missing_required: tuple[ChecklistItem, ...]
    overridden: bool

    @property
    def complete(self) -> bool:
        return not self.missing_required

    @property
    def qualified(self) -> bool:
        return self.complete or self.overridden


def checklist_status(items: Iterable[ChecklistItem], answers: Mapping[str, str],
                     override_reason: str | None = None) -> ChecklistStatus:
    """A deal is qualified when every required item has an answer, or the rep says it is
    qualified and gives a reason. An empty checklist never qualifies a deal on its own."""
    items = tuple(items)
    answered = [i for i in items if answers.get(i.key, "").strip()]
    missing = tuple(i for i in items if i.required and not answers.get(i.key, "").strip())
    if not items:
        missing = (ChecklistItem("none", "No checklist set up"),)
    return ChecklistStatus(answered=len(answered), total=len(items), missing_required=missing,
                           overridden=bool(override_reason and override_reason.strip()))
