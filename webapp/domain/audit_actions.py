"""Every action the audit log records, named `<what it acts on>.<what happened>`, with how the
admin's audit page reads it. services/audit.py refuses a name missing here, so the list stays
the one true list; webapp/admin/audit_text.py reads the words from it."""
from __future__ import annotations

from webapp.domain.csv_mapping import KINDS

ACTIONS = {
    "auth.sign_in": "signed in",
    "auth.sign_in_failed": "sign-in failed",
    "auth.sign_out": "signed out",
    "auth.sign_out_everywhere": "signed out everywhere",
    "auth.password_changed": "changed their password",
    "auth.oidc_linked": "linked company sign-in",
    "user.created": "added user",
    "user.changed": "changed user",
    "user.deactivated": "deactivated user",
    "user.reactivated": "reactivated user",
    "user.password_reset": "reset the password of",
    "access.refused": "was refused",
    "territory.created": "created territory",
    "territory.owner_changed": "gave a territory to another rep:",
    "territory.override_added": "pinned account",
    "territory.override_removed": "unpinned account",
    "territory_plan.scheduled": "scheduled plan",
    "territory_plan.unscheduled": "took back plan",
    "territory_plan.discarded": "discarded plan",
    "account.created": "added account",
    "account.owner_changed": "moved account",
    "account.moved_by_plan": "moved by a territory plan: account",
    "account.rolled_by_plan": "rolled after its protection ended: account",
    "account.territory_changed_by_plan": "changed the territory by a territory plan of account",
    "contact.created": "added contact",
    "contact.changed": "changed contact",
    "contact.moved": "recorded a move to another company of contact",
    "opportunity.created": "added opportunity",
    "opportunity.owner_changed": "moved opportunity",
    "deal.closed": "closed deal",
    "deal.reopened": "reopened deal",
    "qualification.override_set": "qualified without the checklist:",
    "qualification.override_removed": "took back the qualification without checklist of",
    "qualification.rule_changed": "changed the qualification rule",
    # customer success and cascade (issue 14 items 4 and 6)
    "account.success_changed": "changed health, goals or renewal of account",
    "reference.asked": "asked for a reference lunch: account",
    "calendar.connected": "connected their calendar",
    "calendar.disconnected": "disconnected their calendar",
    **{f"export.{kind}": f"exported {kind}" for kind in ("accounts", "contacts", "opportunities")},
    **{f"import.{kind}": f"imported {kind}" for kind in KINDS},
    **{f"import.{kind}.undone": f"undid the import of {kind}" for kind in KINDS},
}

# Names an earlier version stored, and the names they have now (migration 0019_layers).
RENAMED = {
    "territory.plan_scheduled": "territory_plan.scheduled",
    "territory.account_moved": "account.moved_by_plan",
    "territory.account_rolled": "account.rolled_by_plan",
    "territory.account_territory_changed": "account.territory_changed_by_plan",
}
