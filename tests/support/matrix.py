"""The authorization matrix's expectations: one rule per endpoint, and the world it runs in.

To cover a new route, add its endpoint to RULES with one of the KINDS below (or a dict
{method: kind} when GET and POST differ); if its URL has a new parameter name, add how to fill
it to PARAMS, and if it takes the object it acts on from the query or the form, to DATA
(always an object of rep A or their team, so the "a_side" rules can tell A's side from B's).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

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
    # Web Push reminders: one's own settings and devices (a device's endpoint names it)
    "reminders.settings": "signed_in",
    "reminders.save": "signed_in",
    "reminders.add_device": "signed_in",
    "reminders.remove_device": "signed_in",
    "reminders.today": "signed_in",
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
    # customer success and reference lunches (issue 14 items 4 and 6)
    "success.update": "a_side",
    "success.references": "a_side",
    "success.ask": "a_side",  # a reference of rep A's side for A's prospect
    "success.renewals_list": "signed_in",  # each sees their own (or their team's) customers
    "success.effort": "a_side",  # rep A's effort against potential (one-to-one, pipeline)
    # offline
    "pwa.manifest": "public",
    "pwa.service_worker": "public",
    "pwa.offline": "public",
    "pwa.briefcase_manifest": "signed_in",
    "pwa.briefcase_pack": "signed_in",  # each packed page checked as its own GET
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
    # near me and the map (issue 15): the user's own visible accounts, from the index
    "accounts.near": "signed_in",
    "accounts.map": "signed_in",
    # check-in / check-out (issue 15): in at A's account; out and resolve of A's own check-in
    "checkins.check_in": "a_side",
    "checkins.check_out": "a_only",
    "checkins.resolve": "a_only",
    # calendar in and out, contacts in and out (issue 15): a calendar and its drafts are the
    # rep's own; files out and contacts in follow the account
    "calendar.index": "signed_in",
    "calendar.connect": "signed_in",
    "calendar.disconnect": "signed_in",
    "calendar.sync": "signed_in",
    "calendar.upload": "signed_in",
    "calendar.drafts": "signed_in",
    "calendar.dismiss": "a_only",
    "calendar.draft_ics": "a_only",
    "calendar.meeting_ics": "a_side",
    "calendar.next_step_ics": "a_side",
    "vcards.contact_vcf": "a_side",
    "vcards.import_page": "a_side",
    "vcards.read": "a_side",
    "vcards.save": "a_side",
    # people across companies and old lists (issue 14): each sees their own lists; a person
    # through A's account (or A's keep-in-touch list); an old-list entry is rep A's alone
    "people.index": "signed_in",
    "people.old": "signed_in",
    "people.companies": "signed_in",
    "people.move": "a_side",  # ?contact_id= / contact_id of a contact at A's account
    "people.touch": "a_side",  # contact_id of a contact at A's account
    "people.mark": "a_only",  # account_id of rep A's old-list account
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
    old_lead: m.Account | None = None  # rep A's account on their old list (issue 14)


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
    "reference_id": lambda w: w.account.id,
    "meeting_id": lambda w: db.session.query(m.Meeting.id).filter_by(account_id=w.account.id)
    .order_by(m.Meeting.id).limit(1).scalar(),
    "user_id": lambda w: w.target.id,
    "filename": lambda w: "css/app.css",
    "kind": lambda w: "accounts",
    "token": lambda w: "no-such-import",
    "draft_id": lambda w: _draft_of_rep_a(w),
}


def _draft_of_rep_a(w) -> int:
    """Rep A's meeting draft from their calendar, on A's account (made once)."""
    from datetime import datetime

    draft = db.session.query(m.MeetingDraft).filter_by(account_id=w.account.id).first()
    if draft is None:
        draft = m.MeetingDraft(user_id=w.users["rep_a"].id, event_key="a" * 64,
                               account_id=w.account.id, starts_at=datetime(2026, 11, 23, 9))
        db.session.add(draft)
        db.session.commit()
    return draft.id


# Endpoint -> query (GET) or form (POST) values naming the object the route acts on.
DATA = {
    "opportunities.new": lambda w: {"account_id": w.account.id},
    "contacts.new": lambda w: {"account_id": w.account.id},
    "meetings.contacts": lambda w: {"account_id": w.account.id},
    "notes.file": lambda w: {"account_id": w.account.id},
    "pipeline.forecast_team": lambda w: {"rep_id": w.users["rep_a"].id},
    "checkins.check_in": lambda w: {"account_id": w.account.id},
    "checkins.check_out": lambda w: {"checkin": _checkin_of_a(w)},
    "checkins.resolve": lambda w: {"checkin": _checkin_of_a(w), "outcome": "discard"},
    "vcards.import_page": lambda w: {"account_id": w.account.id},
    "vcards.read": lambda w: {"account_id": w.account.id},
    "vcards.save": lambda w: {"account_id": w.account.id},
    "people.move": lambda w: {"contact_id": w.contact.id},
    "people.touch": lambda w: {"contact_id": w.contact.id, "kind": "call"},
    "people.mark": lambda w: {"account_id": w.old_lead.id, "action": "snooze"},
    "intel.new": lambda w: {"account_id": w.account.id, "body": "Their CIO is leaving"},
}


def _checkin_of_a(world) -> str:
    return db.session.query(m.CheckIn.uuid).filter_by(user_id=world.users["rep_a"].id) \
        .order_by(m.CheckIn.id).limit(1).scalar()


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
    db.session.add(m.CheckIn(user_id=rep_a.id, account_id=account.id,
                             in_at=datetime(2026, 11, 23, 9, 0)))
    db.session.commit()
    users = {"rep_a": rep_a, "rep_b": rep_b, "manager_a": manager_a, "manager_b": manager_b,
             "admin": admin}
    unfiled = make.note(rep_a, body="File me later")
    # Rep A keeps in touch with the contact, and has an old list (interest 8 months ago).
    db.session.add(m.KeepInTouch(user_id=rep_a.id, contact_id=contact.id))
    interest = datetime(2026, 3, 20, 10, 0)
    old_lead = make.account(owner=rep_a, name="A's old lead", last_touch_at=interest)
    make.meeting(old_lead, rep_a, started_at=interest, engagement=5)
    return World(users, target, account, opportunity, commitment, territory, plan, item, unfiled,
                 contact, old_lead)
