"""Territories: design by rules, balance between reps, roll-forward change plans, and what
changes for a rep. Managers and admins design; every signed-in rep sees their own changes."""
from __future__ import annotations

import re
from datetime import date

from flask import Blueprint, abort, current_app, flash, g, redirect, request, url_for

from webapp.clock import local_today
from webapp.display import plan_date
from webapp.domain import balance, protection, territory_matching
from webapp.extensions import db
from webapp.htmx import render
from webapp.models import User
from webapp.queries import access
from webapp.queries import territories as q
from webapp.queries.access import get_visible_account
from webapp.routing import MAX_DATABASE_ID
from webapp.services import territories as territory_service
from webapp.services import territory_plans as plan_service
from webapp.sessions import login_required, role_required
from webapp.territories.chart import balance_chart
from webapp.territories.forms import MoveForm, PinForm, PlanForm, RulesForm, TerritoryForm

bp = Blueprint("territories", __name__, url_prefix="/territories")
MANAGERS = ("manager", "admin")


def _today() -> date:
    return local_today(g.user.timezone if g.get("user") else
                       current_app.config.get("DEFAULT_TIMEZONE", "UTC"))


def _owner_choices() -> list[tuple[int, str]]:
    return [(0, "Nobody yet")] + [(u.id, u.name) for u in access.team_reps(db.session, g.user)]


def _owner(owner_id: int) -> User | None:
    if not owner_id:
        return None
    reps = {u.id: u for u in access.team_reps(db.session, g.user)}
    if owner_id not in reps:
        abort(404)
    return reps[owner_id]


# --- territories and balance ----------------------------------------------------------------

@bp.get("/")
@role_required(*MANAGERS)
def index():
    territories = q.territories(db.session, g.user)
    counts = q.account_counts(db.session, [t.id for t in territories])
    rows = q.team_balance(db.session, g.user)
    return render("territories/index.html", "territories/_balance.html",
                  territories=territories, counts=counts, rows=rows,
                  chart=balance_chart(rows), plans=q.plans(db.session, g.user),
                  threshold=round(balance.IMBALANCE_THRESHOLD * 100))


@bp.route("/new", methods=["GET", "POST"])
@role_required(*MANAGERS)
def new():
    form = TerritoryForm()
    form.owner_id.choices = _owner_choices()
    if form.validate_on_submit():
        try:
            territory = territory_service.create_territory(
                db.session, name=form.name.data, owner=_owner(form.owner_id.data), actor=g.user)
        except territory_service.TerritoryError as error:
            form.name.errors.append(str(error))
        else:
            return redirect(url_for(".edit", territory_id=territory.id), 303)
    status = 400 if form.is_submitted() else 200
    return render("territories/new.html", "territories/new.html", status, form=form)


@bp.route("/<int:territory_id>/edit", methods=["GET", "POST"])
@role_required(*MANAGERS)
def edit(territory_id: int):
    territory = q.get_territory(db.session, g.user, territory_id) or abort(404)
    row = q.rule_row(db.session, territory.id)
    form = RulesForm(obj=row)
    form.owner_id.choices = _owner_choices()
    if request.method == "GET":
        form.owner_id.data = territory.owner_id or 0
        form.potential_bands.data = list(territory_matching.split_list(row.potential_bands)) if row else []
    preview = None
    status = 200
    if form.validate_on_submit():
        values = {f.name: f.data for f in form if f.name not in ("csrf_token", "owner_id")}
        if request.form.get("action") == "save":
            try:
                territory_service.save_rules(db.session, territory, values,
                                             _owner(form.owner_id.data), actor=g.user)
            except territory_service.TerritoryError as error:
                form.radius_km.errors.append(str(error))
                status = 400
            else:
                flash(f"{territory.name} saved. Accounts move only through a change plan.")
                return redirect(url_for(".edit", territory_id=territory.id), 303)
        else:
            candidate = _candidate_rules(territory.id, values)
            preview = q.rule_preview(db.session, g.user, candidate)
    elif form.is_submitted():
        status = 400
    if preview is None and status == 200:
        preview = q.rule_preview(db.session, g.user, q.rules_of(row, territory.id))
    return render("territories/edit.html", "territories/_preview.html", status,
                  territory=territory, form=form, preview=preview,
                  pinned=q.pinned_count(db.session, g.user, territory.id))


def _candidate_rules(territory_id: int, values: dict) -> territory_matching.TerritoryRules:
    radius = None
    if None not in (values.get("center_latitude"), values.get("center_longitude"),
                    values.get("radius_km")):
        radius = territory_matching.Radius(values["center_latitude"], values["center_longitude"], values["radius_km"])
    return territory_matching.TerritoryRules(
        territory_id, countries=territory_matching.split_list(values.get("countries") or ""),
        regions=territory_matching.split_list(values.get("regions") or ""),
        postal_prefixes=territory_matching.split_list(values.get("postal_prefixes") or ""), radius=radius,
        industries=territory_matching.split_list(values.get("industries") or ""),
        segments=territory_matching.split_list(values.get("segments") or ""),
        potential_bands=tuple(values.get("potential_bands") or ()))


# --- manual overrides ----------------------------------------------------------------------

def _id(text: str | None) -> int | None:
    """A database id typed in a form, or None (ASCII digits only: "²".isdigit() is true)."""
    text = (text or "").strip()
    if not re.fullmatch(r"[0-9]{1,10}", text) or not 0 < int(text) <= MAX_DATABASE_ID:
        return None
    return int(text)


def _account_to_pin(form: PinForm):
    """(account, problem, suggestions): the one visible account the form names, or why not."""
    if form.account_id.data:
        account_id = _id(form.account_id.data)
        account = q.visible_account(db.session, g.user, account_id) if account_id else None
        return account, "" if account else "Choose one of the accounts you can see.", []
    name = " ".join((form.account.data or "").split())
    if not name:
        return None, "Enter an account name.", []
    exact = q.accounts_named(db.session, g.user, name)
    if len(exact) == 1:
        return exact[0], "", []
    suggestions = q.movable_accounts(db.session, g.user, name)
    if exact:
        return None, "Several accounts have this name: pick one below.", suggestions
    if suggestions:
        return None, "No account has exactly this name: pick one below.", suggestions
    return None, "None of the accounts you can see has a name like this.", []


@bp.route("/<int:territory_id>/overrides", methods=["GET", "POST"])
@role_required(*MANAGERS)
def overrides(territory_id: int):
    territory = q.get_territory(db.session, g.user, territory_id) or abort(404)
    form = PinForm()
    status, suggestions = 200, []
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            account, problem, suggestions = _account_to_pin(form)
            if account is not None:
                previous = territory_service.pin_account(db.session, territory, account,
                                                         actor=g.user)
                if previous == territory.id:
                    flash(f"{account.name} is pinned here already.")
                else:
                    flash(f"{account.name} pinned to {territory.name}"
                          f"{', replacing its earlier pin' if previous else ''}. The next change "
                          "plan you draft carries it out.")
                return redirect(url_for(".overrides", territory_id=territory.id), 303)
            form.account.errors.append(problem)
    return render("territories/overrides.html", "territories/_overrides.html", status,
                  territory=territory, form=form, suggestions=suggestions,
                  pinned=q.pinned_accounts(db.session, g.user, territory.id))


@bp.post("/<int:territory_id>/overrides/<int:account_id>/remove")
@role_required(*MANAGERS)
def remove_override(territory_id: int, account_id: int):
    territory = q.get_territory(db.session, g.user, territory_id) or abort(404)
    account = get_visible_account(db.session, g.user, account_id)
    if territory_service.unpin_account(db.session, territory, account, actor=g.user):
        flash(f"{account.name} is no longer pinned here: the rules decide again, from the next "
              "change plan you draft.")
    else:
        flash(f"{account.name} was not pinned here.")
    return redirect(url_for(".overrides", territory_id=territory.id), 303)


# --- change plans ---------------------------------------------------------------------------

def _plan_dates(form: PlanForm) -> protection.PlanDates:
    defaults = protection.default_plan_dates(form.announced_on.data)
    return protection.PlanDates(form.announced_on.data, form.cutoff_on.data or defaults.cutoff_on,
                       form.effective_on.data or defaults.effective_on)


@bp.route("/plans/new", methods=["GET", "POST"])
@role_required(*MANAGERS)
def new_plan():
    form = PlanForm()
    if request.method == "GET":
        form.announced_on.data = _today()
    if form.validate_on_submit():
        try:
            plan = plan_service.draft_plan(
                db.session, g.user, name=form.name.data, dates=_plan_dates(form),
                protection_mode=form.protection_mode.data, major_federal=form.major_federal.data)
        except plan_service.PlanError as error:
            form.announced_on.errors.append(str(error))
        else:
            return redirect(url_for(".plan", plan_id=plan.id), 303)
    status = 400 if form.is_submitted() else 200
    return render("territories/plan_new.html", "territories/plan_new.html", status, form=form)


def _plan_page(plan, form=None, move_error: str = "", status: int = 200):
    if form is None:
        form = PlanForm(obj=plan)
    rows = q.plan_decisions(db.session, plan)
    groups = {kind: [row for row in rows if row.decision.kind == kind]
              for kind in (protection.MOVES, protection.PROTECTED, protection.EXEMPT, protection.STAYS)}
    reps = access.team_reps(db.session, g.user)
    loads = q.account_loads(db.session, g.user)
    after = balance.balance(q.rep_loads(reps, loads, {row.assignment.account_id:
                                                row.assignment.to_owner_id for row in rows
                                                if row.decision.kind in (protection.MOVES, protection.PROTECTED)}))
    search = request.args.get("q", "").strip()[:80]
    found = q.movable_accounts(db.session, g.user, search) if search else []
    move_form = MoveForm()
    move_form.territory_id.choices = [(t.id, t.name) for t in q.territories(db.session, g.user)]
    today = _today()
    started = plan.status == "applied" or any(
        row.assignment.territory_applied_at or row.assignment.applied_at for row in rows)
    return render("territories/plan.html", "territories/_plan_preview.html", status,
                  plan=plan, form=form, groups=groups, total=len(rows),
                  before=balance.balance(q.rep_loads(reps, loads)), after=after, search=search,
                  found=found, move_form=move_form, move_error=move_error, today=today,
                  can_unschedule=plan.status == "scheduled" and not started
                  and today < plan.effective_on)


@bp.route("/plans/<int:plan_id>", methods=["GET", "POST"])
@role_required(*MANAGERS)
def plan(plan_id: int):
    plan = q.get_plan(db.session, g.user, plan_id) or abort(404)
    if request.method == "GET":
        return _plan_page(plan)
    form = PlanForm()
    if form.validate_on_submit():
        try:
            plan_service.update_plan(db.session, plan, name=form.name.data,
                                     dates=_plan_dates(form),
                                     protection_mode=form.protection_mode.data,
                                     major_federal=form.major_federal.data)
        except plan_service.PlanError as error:
            form.announced_on.errors.append(str(error))
        else:
            return redirect(url_for(".plan", plan_id=plan.id), 303)
    db.session.rollback()
    return _plan_page(plan, form=form, status=400)


@bp.post("/plans/<int:plan_id>/move")
@role_required(*MANAGERS)
def move(plan_id: int):
    plan = q.get_plan(db.session, g.user, plan_id) or abort(404)
    form = MoveForm()
    form.territory_id.choices = [(t.id, t.name) for t in q.territories(db.session, g.user)]
    account_id = _id(form.account_id.data) if form.validate_on_submit() else None
    if account_id is None:
        return _plan_page(plan, move_error="Choose an account and a territory.", status=400)
    try:
        plan_service.move_account(db.session, g.user, plan, account_id=account_id,
                                  territory_id=form.territory_id.data)
    except plan_service.PlanError as error:
        db.session.rollback()
        return _plan_page(plan, move_error=str(error), status=400)
    return redirect(url_for(".plan", plan_id=plan.id), 303)


@bp.post("/plans/<int:plan_id>/schedule")
@role_required(*MANAGERS)
def schedule(plan_id: int):
    plan = q.get_plan(db.session, g.user, plan_id) or abort(404)
    try:
        plan_service.schedule_plan(db.session, plan, g.user)
    except plan_service.PlanError as error:
        db.session.rollback()
        return _plan_page(plan, move_error=str(error), status=400)
    flash(f"Scheduled. Reps see their changes from {plan_date(plan.announced_on)}.")
    return redirect(url_for(".plan", plan_id=plan.id), 303)


@bp.post("/plans/<int:plan_id>/unschedule")
@role_required(*MANAGERS)
def unschedule(plan_id: int):
    plan = q.get_plan(db.session, g.user, plan_id) or abort(404)
    try:
        plan_service.unschedule_plan(db.session, plan, g.user, today=_today())
    except plan_service.PlanError as error:
        db.session.rollback()
        return _plan_page(plan, move_error=str(error), status=400)
    flash("Back to draft: reps no longer see this plan. Change it, then schedule it again.")
    return redirect(url_for(".plan", plan_id=plan.id), 303)


@bp.route("/plans/<int:plan_id>/discard", methods=["GET", "POST"])
@role_required(*MANAGERS)
def discard_plan(plan_id: int):
    """GET asks; POST with the confirming button (confirm=yes) deletes the draft."""
    plan = q.get_plan(db.session, g.user, plan_id) or abort(404)
    error, status = "", 200
    if request.method == "POST":
        error, status = "Tap “Discard draft” to confirm.", 400
        if request.form.get("confirm") == "yes":
            name = plan.name
            try:
                plan_service.discard_plan(db.session, plan, g.user)
            except plan_service.PlanError as refused:
                db.session.rollback()
                error = str(refused)
            else:
                flash(f"Draft “{name}” discarded.")
                return redirect(url_for(".index"), 303)
    return render("territories/discard.html", "territories/discard.html", status, plan=plan,
                  error=error, total=q.plan_size(db.session, plan))


@bp.post("/plans/apply")
@role_required(*MANAGERS)
def apply():
    plan_ids = [p.id for p in q.plans(db.session, g.user)]
    result = plan_service.apply_due_plans(db.session, _today(), actor_id=g.user.id,
                                          plan_ids=plan_ids)
    flash(f"Applied what was due: {result}.")
    return redirect(url_for(".index"), 303)


# --- the rep's view -------------------------------------------------------------------------

@bp.get("/my-changes")
@login_required
def my_changes():
    today = _today()
    changes = q.my_changes(db.session, g.user, today)
    return render("territories/my_changes.html", "territories/_my_changes.html",
                  changes=changes, today=today)


# --- cron -----------------------------------------------------------------------------------


