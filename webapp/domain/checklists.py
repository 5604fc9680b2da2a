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
    required: bool = True  # shown as a key question; qualifying counts answers


def _items(prefix: str, rows: tuple[tuple[str, str, str, bool], ...]) -> tuple[ChecklistItem, ...]:
    return tuple(ChecklistItem(f"{prefix}-{key}", label, hint, required)
                 for key, label, hint, required in rows)


# The required flags mark the key questions of each method (shown as such); a deal qualifies
# on the number of answers the manager sets, whichever items they are.
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


DEFAULT_ANSWERS_NEEDED = 3


def answers_needed(needed: int, total: int) -> int:
    """How many answers qualify a deal: the manager's number, at most the list's length (a list
    that got shorter never makes qualifying impossible); 0 for an empty list (nothing can)."""
    return max(1, min(needed, total)) if total else 0


@dataclass(frozen=True)
class ChecklistStatus:
    answered: int
    total: int
    needed: int  # answers that qualify a deal (see answers_needed); 0 when the list is empty
    overridden: bool

    @property
    def empty(self) -> bool:
        return self.total == 0

    @property
    def complete(self) -> bool:
        """The checklist alone qualifies the deal."""
        return not self.empty and self.answered >= self.needed

    @property
    def still_needed(self) -> int:
        return max(0, self.needed - self.answered)

    @property
    def qualified(self) -> bool:
        return self.complete or self.overridden


def is_answered(text: str | None) -> bool:
    return bool((text or "").strip())


def checklist_status(items: Iterable[ChecklistItem], answers: Mapping[str, str],
                     override_reason: str | None = None,
                     needed: int = DEFAULT_ANSWERS_NEEDED) -> ChecklistStatus:
    """A deal is qualified when at least `needed` items of the team's checklist have an answer
    (the manager's number from the pipeline settings), or when someone overrides the checklist
    and says why. An empty checklist never qualifies a deal on its own: only an override can."""
    items = tuple(items)
    answered = sum(1 for i in items if is_answered(answers.get(i.key)))
    return ChecklistStatus(answered=answered, total=len(items),
                           needed=answers_needed(needed, len(items)),
                           overridden=bool(override_reason and override_reason.strip()))
