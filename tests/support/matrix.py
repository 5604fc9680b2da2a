"""The authorization matrix's expectations: one rule per endpoint, and the world it runs in.

To cover a new route, add its endpoint to RULES with one of the KINDS below (or a dict
{method: kind} when GET and POST differ); if its URL has a new parameter name, add how to fill
it to PARAMS, and if it takes the object it acts on from the query or the form, to DATA
(always an object of rep A or their team, so the "a_side" rules can tell A's side from B's).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from webapp.extensions import db
from webapp import models as m

PERSONAS = ("anonymous", "rep_a", "rep_b", "manager_a", "manager_b", "admin")

# Which personas may use a route of each kind (the others are refused: anonymous with a
# sign-in redirect or a 401, signed-in users with a 404 or 403).
KINDS: dict[str, set[str]] = {
    "public": set(PERSONAS),
    "signed_in": {"rep_a", "rep_b", "manager_a", "manager_b", "admin"},
    "rep": {"rep_a", "rep_b"},
    "manager_or_admin": {"manager_a", "manager_b", "admin"},
    "admin": {"admin"},
    # A's own things (account, opportunity, commitment, A's pipeline): A, A's manager, admin.
    "a_side": {"rep_a", "manager_a", "admin"},
    # A's private things (an unfiled note): A alone.
    "a_only": {"rep_a"},
    # Things A's manager designs for A's team (territory of A, plans, intel on A): not A.
    "a_team_manager": {"manager_a", "admin"},
    # Routes that answer 404 to everyone unless a feature is configured (OIDC off here).
    "not_configured": set(),
    # Routes keyed by a private handle the world cannot make (a staged import's token):
    # only checked to refuse everyone an unknown handle.
    "unknown_handle": set(),
}
# Answers that are not a refusal even though they send to the sign-in page.
SENDS_TO_SIGN_IN_BY_DESIGN = {"auth.logout"}

RULES: dict[str, str] = {
    "static": "public",
    # sign-in
    "auth.login": "public",
    "auth.logout": "public",
    "auth.logout_everywhere": "signed_in",
    "auth.change_password_page": "signed_in",
    "auth.oidc_start": "not_configured",
    "auth.oidc_callback": "not_configured",
    # the rep's day
    "today.index": "signed_in",
    "today.more": "signed_in",
    "accounts.index": "signed_in",
    "accounts.index_json": "signed_in",
    "accounts.detail": "a_side",
    "meetings.new": "signed_in",
    "meetings.contacts": "a_side",  # ?account_id= of A's account
    "meetings.accounts": "signed_in",  # the picker's search: only what the user may see
    "meetings.resolve_commitment": "a_side",
    "meetings.detail": "a_side",  # a meeting on A's account
    "notes.new": "signed_in",
    "notes.file": "a_only",  # rep A's unfiled note, filed under A's account
    "opportunities.new": "a_side",  # with ?account_id= / account_id of A's account
    # field capture: a new account is the signed-in user's own; a contact is under A's account
    "accounts.new": "signed_in",
    "accounts.pending": "signed_in",
    "contacts.new": "a_side",  # with ?account_id= / account_id of A's account
    "contacts.edit": "a_side",
    "contacts.edit_offline": "signed_in",
    "contacts.update": "a_side",
    "opportunities.detail": "a_side",
    # A deal made on a phone, by ?id=<client id>: without one, the page the phone fills in.
    "opportunities.pending": "signed_in",
    "opportunities.update": "a_side",
    "opportunities.close": "a_side",
    "opportunities.reopen": "a_side",
    # offline
    "pwa.manifest": "public",
    "pwa.service_worker": "public",
    "pwa.offline": "public",
    "pwa.briefcase_manifest": "signed_in",
    "sync.outbox_script": "public",
    "sync.pending": "signed_in",
    "sync.token": "signed_in",
    # pipeline and one-to-ones
    "pipeline.index": "signed_in",
    "pipeline.farming": "signed_in",
    "pipeline.rep_pipeline": "a_side",
    "pipeline.rep_farming": "a_side",
    "pipeline.qualify": "a_side",
    "pipeline.forecast": "rep",
    "pipeline.forecast_team": {"GET": "manager_or_admin", "POST": "a_team_manager"},
    "pipeline.team": "manager_or_admin",
    "pipeline.one_to_ones": "manager_or_admin",
    "pipeline.one_to_one_this_week": "a_side",
    "pipeline.one_to_one": "a_side",
    "pipeline.post_intel": "a_team_manager",
    "pipeline.one_sided": "a_side",  # rep A's one-sided deals (the one-to-one's section)
    # vendor pals and intel (issue 14 item 3): intel on A's account; a user's own pals
    "intel.new": "a_side",
    "intel.pals": "signed_in",
    "intel.pal_meeting": "signed_in",
    "pipeline.settings": "manager_or_admin",
    "pipeline.add_item": "manager_or_admin",
    "pipeline.retire_item": "manager_or_admin",
    # territories
    "territories.index": "manager_or_admin",
    "territories.new": "manager_or_admin",
    "territories.edit": "a_team_manager",
    "territories.new_plan": "manager_or_admin",
    "territories.plan": "a_team_manager",
    "territories.move": "a_team_manager",
    "territories.schedule": "a_team_manager",
    "territories.unschedule": "a_team_manager",
    "territories.discard_plan": "a_team_manager",
    "territories.overrides": "a_team_manager",
    "territories.remove_override": "a_team_manager",
    "territories.apply": "manager_or_admin",
    "territories.my_changes": "signed_in",
    # CSV import and export
    "imports.index": "manager_or_admin",
    "imports.review": "unknown_handle",
    "imports.discard": "unknown_handle",
    "imports.export_request": "manager_or_admin",
    "imports.export": "manager_or_admin",
    # administration
    "admin.users": "admin",
    "admin.new_user": "admin",
    "admin.edit_user": "admin",
    "admin.set_user_active": "admin",
    "admin.reset_password": "admin",
    "admin.audit": "admin",
}


@dataclass
class World:
    users: dict[str, m.User]
    target: m.User  # the user admin routes act on (a rep of manager A, not a persona)
    account: m.Account
    opportunity: m.Opportunity
    commitment: m.Commitment
    territory: m.Territory
    plan: m.ChangePlan
    item: m.QualificationItem
    note: m.Note | None = None  # rep A's unfiled note
    contact: m.Contact | None = None


# URL parameter name -> its value in the world (always on rep A's side).
PARAMS = {
    "account_id": lambda w: w.account.id,
    "opportunity_id": lambda w: w.opportunity.id,
    "commitment_id": lambda w: w.commitment.id,
    "rep_id": lambda w: w.users["rep_a"].id,
    "week": lambda w: "2026-11-23",
    "territory_id": lambda w: w.territory.id,
    "plan_id": lambda w: w.plan.id,
    "item_id": lambda w: w.item.id,
    "note_id": lambda w: w.note.id,
    "contact_id": lambda w: w.contact.id,
    "meeting_id": lambda w: db.session.query(m.Meeting.id).filter_by(account_id=w.account.id)
    .order_by(m.Meeting.id).limit(1).scalar(),
    "user_id": lambda w: w.target.id,
    "filename": lambda w: "css/app.css",
    "kind": lambda w: "accounts",
    "token": lambda w: "no-such-import",
}


# Endpoint -> query (GET) or form (POST) values naming the object the route acts on.
DATA = {
    "opportunities.new": lambda w: {"account_id": w.account.id},
    "contacts.new": lambda w: {"account_id": w.account.id},
    "meetings.contacts": lambda w: {"account_id": w.account.id},
    "notes.file": lambda w: {"account_id": w.account.id},
    "pipeline.forecast_team": lambda w: {"rep_id": w.users["rep_a"].id},
    "intel.new": lambda w: {"account_id": w.account.id, "body": "Their CIO is leaving"},
}


def kind_of(endpoint: str, method: str) -> str | None:
    rule = RULES.get(endpoint)
    return rule.get(method) if isinstance(rule, dict) else rule


def build_world(make) -> World:
    """Two teams: manager A with rep A (and a spare rep), manager B with rep B; an admin."""
    manager_a = make.user("manager", name="Manager A")
    manager_b = make.user("manager", name="Manager B")
    rep_a = make.user("rep", manager=manager_a, name="Rep A")
    rep_b = make.user("rep", manager=manager_b, name="Rep B")
    target = make.user("rep", manager=manager_a, name="Spare Rep")
    admin = make.user("admin", name="Admin")
    account = make.account(owner=rep_a, name="A's account")
    make.account(owner=rep_b, name="B's account")
    opportunity = make.opportunity(account)
    make.meeting(account, rep_a)
    make.note(rep_a, account)
    contact = make.contact(account)
    commitment = m.Commitment(account_id=account.id, party="theirs", description="Send data")
    territory = m.Territory(name="A's territory", owner_id=rep_a.id)
    plan = m.ChangePlan(name="Realignment", announced_on=date(2026, 11, 23),
                        cutoff_on=date(2026, 11, 22), effective_on=date(2026, 12, 7),
                        created_by_id=manager_a.id)
    item = m.QualificationItem(label="Budget", position=1)
    db.session.add_all([commitment, territory, plan, item])
    db.session.commit()
    users = {"rep_a": rep_a, "rep_b": rep_b, "manager_a": manager_a, "manager_b": manager_b,
             "admin": admin}
    unfiled = make.note(rep_a, body="File me later")
    return World(users, target, account, opportunity, commitment, territory, plan, item, unfiled,
                 contact)
