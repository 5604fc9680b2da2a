"""All models, importable from one place. Each feature keeps its tables in its own module."""
from webapp.models.accounts import ACCOUNT_STATUSES, SEGMENTS, Account, Contact
from webapp.models.audit import AuditEvent
from webapp.models.base import Base, new_uuid
from webapp.models.checkins import CheckIn
from webapp.models.calendar import DRAFT_STATUSES, CalendarFeed, MeetingDraft
from webapp.models.intel import Intel, PalMeeting, VendorPal
from webapp.models.imports import IMPORT_STATUSES, ImportJob, ImportUndo
from webapp.models.people import ROLES, Quota, TeamSettings, Territory, User
from webapp.models.pipeline import (
    METHODOLOGIES,
    ForecastOverride,
    ForecastSubmission,
    OneToOne,
    PipelineSettings,
    QualificationAnswer,
    QualificationItem,
    QualificationOverride,
)
from webapp.models.reminders import PushSubscription, ReminderSent, ReminderSettings
from webapp.models.relationships import (
    TOUCH_KIND_LABELS,
    TOUCH_KINDS,
    ContactPosition,
    KeepInTouch,
    OldListMark,
    Touch,
)
from webapp.models.security import RateLimitCounter, UserSession
from webapp.models.selling import (
    FORECAST_CATEGORIES,
    FORECAST_LABELS,
    MEETING_INITIATOR_LABELS,
    MEETING_INITIATORS,
    MEETING_KIND_LABELS,
    MEETING_KINDS,
    OPEN_STAGES,
    STAGE_LABELS,
    STAGES,
    Commitment,
    DealClosure,
    Meeting,
    Note,
    Opportunity,
    OpportunityChange,
)
from webapp.models.sync import ClientWrite
from webapp.models.success import AccountSuccess, ReferenceAsk
from webapp.models.territories import ChangePlan, PlanAssignment, TerritoryOverride, TerritoryRule
from webapp.models import briefcase as _briefcase  # noqa: F401  (bumps accounts.briefcase_version)
# Per-owner totals of the manager pages, rebuilt for the owners a write touched (issue 13).
from webapp.models.aggregates import AccountTotal, DealTotal, TotalsOwner

__all__ = [
    "AccountTotal", "DealTotal", "TotalsOwner",
    "ACCOUNT_STATUSES", "SEGMENTS", "Account", "Contact", "AuditEvent", "Base", "new_uuid",
    "ROLES", "Quota", "TeamSettings", "Territory", "User", "FORECAST_CATEGORIES",
    "FORECAST_LABELS", "MEETING_INITIATOR_LABELS", "MEETING_INITIATORS",
    "MEETING_KIND_LABELS", "MEETING_KINDS", "OPEN_STAGES", "STAGE_LABELS",
    "STAGES", "Commitment", "DealClosure", "Meeting", "Note", "Opportunity", "OpportunityChange",
    "METHODOLOGIES", "ForecastOverride", "ForecastSubmission", "OneToOne",
    "PipelineSettings", "QualificationAnswer", "QualificationItem", "QualificationOverride",
    "ChangePlan", "PlanAssignment", "TerritoryOverride", "TerritoryRule",
    "RateLimitCounter", "UserSession",
    "ClientWrite",
    "IMPORT_STATUSES", "ImportJob", "ImportUndo",
    "AccountSuccess", "ReferenceAsk",
    "PushSubscription", "ReminderSent", "ReminderSettings",
    "CheckIn",
    "DRAFT_STATUSES", "CalendarFeed", "MeetingDraft",
    "TOUCH_KINDS", "TOUCH_KIND_LABELS", "ContactPosition", "KeepInTouch", "OldListMark", "Touch",
    "Intel", "PalMeeting", "VendorPal",
]
