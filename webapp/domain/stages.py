"""The stages of an opportunity, as one ordered list and the facts derived from it.

The vocabulary (the values a stage column may hold, and their labels) is the schema's, in
webapp/models/selling.py; every order, every "is it closed?" and every funnel level is read
from here, so there is one stage order in the app. No Flask, no database."""
from __future__ import annotations

from webapp.models.selling import OPEN_STAGES, STAGE_LABELS, STAGES

__all__ = ["CLOSED_STAGES", "FUNNEL", "FUNNEL_LABELS", "FUNNEL_LEVEL", "OPEN_STAGES",
           "STAGES", "STAGE_LABELS", "STAGE_ORDER", "is_closed"]

# Won and lost end a deal; every other stage is open.
CLOSED_STAGES = tuple(stage for stage in STAGES if stage not in OPEN_STAGES)

# How far a deal has come, in the order of STAGES: negotiation is further than proposal, won
# furthest. Lost is no step forward, so it has no place (used to find deals that advanced).
STAGE_ORDER = {stage: rank for rank, stage in enumerate(s for s in STAGES if s != "lost")}

# Funnel levels of the farming algorithm (first meeting -> qualified -> proposal -> won).
# Negotiation is past the proposal: in the funnel it counts as a proposal that went on, not as
# a level of its own; a lost deal counts at the bottom.
FUNNEL = ("first_meeting", "qualified", "proposal", "won")
FUNNEL_LABELS = {
    "first_meeting": "First meetings",
    "qualified": "Qualified",
    "proposal": "Proposals",
    "won": "Won",
}
FUNNEL_LEVEL = {**{stage: level for level, stage in enumerate(FUNNEL)},
                "negotiation": FUNNEL.index("proposal"), "lost": 0}


def is_closed(stage: str) -> bool:
    return stage in CLOSED_STAGES
