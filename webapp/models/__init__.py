"""All models, importable from one place. Each feature keeps its tables in its own module."""
from webapp.models.accounts import ACCOUNT_STATUSES, SEGMENTS, Account, Contact
from webapp.models.audit import AuditEvent
from webapp.models.base import Base, new_uuid
from webapp.models.people import ROLES, Quota, TeamSettings, Territory, User
from webapp.models.selling import (
    FORECAST_CATEGORIES,
    FORECAST_LABELS,
    MEETING_KIND_LABELS,
    MEETING_KINDS,
    OPEN_STAGES,
    STAGE_LABELS,
    STAGES,
    Commitment,
    Meeting,
    Note,
    Opportunity,
    OpportunityChange,
)

__all__ = [
    "ACCOUNT_STATUSES", "SEGMENTS", "Account", "Contact", "AuditEvent", "Base", "new_uuid",
    "ROLES", "Quota", "TeamSettings", "Territory", "User", "FORECAST_CATEGORIES",
    "FORECAST_LABELS", "MEETING_KIND_LABELS", "MEETING_KINDS", "OPEN_STAGES", "STAGE_LABELS",
    "STAGES", "Commitment", "Meeting", "Note", "Opportunity", "OpportunityChange",
]
