"""Pipeline pages: my pipeline, the farming algorithm, qualification, forecast, the team view
and one-to-ones. Routes parse, call one read or write, and render."""
from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, flash, g, redirect, request, url_for

from webapp.clock import local_today, utcnow
from webapp.domain import pipeline_metrics as metrics
from webapp.domain.checklists import METHODOLOGY_LABELS, checklist_status
from webapp.domain.success import EFFORT_QUARTER_DAYS, effort_against_potential
from webapp.extensions import db
from webapp.htmx import render
from webapp.pipeline import charts
from webapp.pipeline.forms import (
    ChecklistItemForm,
    ForecastForm,
    NotesForm,
    OverrideForm,
    SettingsForm,
    intel_form,
    qualification_form,
)
from webapp.queries import access
from webapp.queries import pipeline_settings
from webapp.queries import pipeline_pages as pages
from webapp.queries.success import effort_rows
from webapp.queries.effort import flag_one_sided, one_sided_deals
from webapp.services import pipeline as service
from webapp.sessions import login_required, role_required

bp = Blueprint("pipeline", __name__, url_prefix="/pipeline")
MANAGERS = ("manager", "admin")
WINDOWS = (6, 12, 18, 24)


# --- My pipeline and the farming algorithm --------------------------------------------------

@bp.get("/")
@login_required
def index():
    if not g.user.is_rep:
        return redirect(url_for(".team"))
    return _pipeline_page(g.user)


@bp.get("/reps/<int:rep_id>")
@login_required
def rep_pipeline(rep_id: int):
    return _pipeline_page(access.get_visible_rep(db.session, g.user, rep_id))


def _pipeline_page(rep):
    view = pages.my_pipeline(db.session, g.user, rep)
    shown = [(d.id, d.name, d.account_name) for d, _ in view.deals if d.account_visible]
    one_sided = flag_one_sided(db.session, shown, local_today(g.user.timezone))
    return render("pipeline/mine.html", "pipeline/_mine.html", view=view, effort=_effort(rep),
                  one_sided=one_sided)


def _effort(rep):
    """Where the rep's meetings of the last quarter went by potential band (issue 14 item 7)."""
    since = utcnow() - timedelta(days=EFFORT_QUARTER_DAYS)
    return effort_against_potential(effort_rows(db.session, rep, since))


@bp.get("/farming")
@login_required
def farming():
    if not g.user.is_rep:
        return redirect(url_for(".team"))
    return _farming_page(g.user)


@bp.get("/reps/<int:rep_id>/farming")
@login_required
def rep_farming(rep_id: int):
    return _farming_page(access.get_visible_rep(db.session, g.user, rep_id))


def _farming_page(rep):
    months = request.args.get("months", type=int)
    if months is not None and months not in WINDOWS:
        months = None
    which = request.args.get("period")
    view = pages.farming(db.session, g.user, rep, months,
                         which if which in ("current", "next") else None)
    return render("pipeline/farming.html", "pipeline/_farming.html", view=view,
                  chart=charts.funnel(view.funnel, view.in_pipeline), windows=WINDOWS)


# --- Qualification ------------------------------------------------------------------------------

@bp.route("/opportunities/<int:opportunity_id>/qualify", methods=["GET", "POST"])
@login_required
def qualify(opportunity_id: int):
    opportunity = access.get_visible_opportunity(db.session, g.user, opportunity_id)
    config = pipeline_settings.pipeline_config(db.session)
    items = pipeline_settings.team_checklist(db.session, config.methodology)
    answers, override = pipeline_settings.qualification_answers(db.session, opportunity.id)
    reason = override.reason if override else None
    form = qualification_form(items, answers, reason,
                              formdata=request.form if request.method == "POST" else None)
    if request.method == "POST" and form.validate():
        submitted = {item.key: field.data or "" for item, field in form.item_fields}
        if not items:  # an empty checklist: only the override can qualify
            submitted = {}
        try:
            status = service.save_qualification(
                db.session, g.user, opportunity, items, submitted,
                qualified_anyway=form.qualified_anyway.data, reason=form.reason.data or "",
                needed=config.qualify_answers)
        except service.PipelineError as error:
            form[error.field].errors = [str(error)]
        else:
            flash("Qualified." if status.qualified else
                  f"Saved. {status.still_needed} more answer(s) to qualify.", "ok")
            return redirect(url_for(".qualify", opportunity_id=opportunity.id), 303)
    status = checklist_status(items, answers, reason, config.qualify_answers)
    return render("pipeline/qualify.html", "pipeline/_qualify.html",
                  status=400 if request.method == "POST" else 200,
                  opportunity=opportunity, form=form, checklist=status,
                  methodology=METHODOLOGY_LABELS.get(config.methodology, ""))


# --- Forecast -------------------------------------------------------------------------------------

@bp.route("/forecast", methods=["GET", "POST"])
@role_required("rep")
def forecast():
    view = pages.my_forecast(db.session, g.user)
    forms = []
    for index, fp in enumerate(view.open_periods):
        s = fp.submission
        forms.append(ForecastForm(formdata=None, prefix=f"p{index}", data={
            "commit": s.commit if s else None, "best_case": s.best_case if s else None,
            "period": fp.period.start.isoformat()}))
    status = 200
    if request.method == "POST":
        index = request.form.get("which", type=int)
        if index not in range(len(view.open_periods)):
            abort(400)
        target = view.open_periods[index]
        form = ForecastForm(prefix=f"p{index}")
        if form.period.data != target.period.start.isoformat():
            flash("A new period has started since this page was loaded: check your figures.",
                  "error")
            return redirect(url_for(".forecast"), 303)
        if form.validate():
            try:
                service.submit_forecast(
                    db.session, g.user, target.period, commit=form.commit.data,
                    best_case=form.best_case.data, currency=view.config.currency,
                    today=view.today, lock_days=view.config.forecast_lock_days)
            except service.PipelineError as error:
                form[error.field].errors = [str(error)]
            else:
                flash(f"Forecast for {target.period.label} saved.", "ok")
                return redirect(url_for(".forecast"), 303)
        forms[index] = form
        status = 400
    return render("pipeline/forecast.html", "pipeline/_forecast.html", status=status,
                  view=view, forms=forms, chart=charts.accuracy(view.history))


@bp.route("/forecast/team", methods=["GET", "POST"])
@role_required(*MANAGERS)
def forecast_team():
    which = "next" if request.args.get("period") == "next" else "current"
    here = url_for(".forecast_team", period="next" if which == "next" else None)
    rollup = pages.forecast_rollup(db.session, g.user, which)
    if request.method == "GET":
        return render("pipeline/rollup.html", "pipeline/_rollup.html", rollup=rollup,
                      which=which, failed=None)
    rep = access.get_visible_rep(db.session, g.user, request.form.get("rep_id", type=int) or 0)
    form = OverrideForm()
    if form.period.data != rollup.period.start.isoformat():
        flash("A new period has started since this page was loaded: check the numbers.", "error")
        return redirect(here, 303)
    if form.validate():
        try:
            service.override_forecast(db.session, g.user, rep, rollup.period,
                                      commit=form.commit.data, note=form.note.data or "")
        except service.PipelineError as error:
            form[error.field].errors = [str(error)]
        else:
            flash(f"Your number for {rep.name} saved.", "ok")
            return redirect(here, 303)
    # The rep's row again, with what was typed and the error beside the field.
    return render("pipeline/rollup.html", "pipeline/_rollup.html", status=400, rollup=rollup,
                  which=which, failed=form, failed_rep_id=rep.id)


# --- Team view ---------------------------------------------------------------------------------

@bp.get("/team")
@role_required(*MANAGERS)
def team():
    return render("pipeline/team.html", "pipeline/_team.html",
                  view=pages.team_view(db.session, g.user))


# --- One-to-ones ---------------------------------------------------------------------------------

@bp.get("/one-to-ones")
@role_required(*MANAGERS)
def one_to_ones():
    return render("pipeline/one_to_ones.html", "pipeline/_one_to_ones.html",
                  view=pages.one_to_one_index(db.session, g.user))


# No one-to-one is held outside these years; the page also reaches for the weeks and months
# around its day, which at the ends of the calendar (0001-01-01, 9999-12-27) do not exist.
WEEKS_FROM, WEEKS_UNTIL = date(1900, 1, 1), date(2999, 12, 31)


def _week(value: str) -> date:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        abort(404)
    if not WEEKS_FROM <= day <= WEEKS_UNTIL:
        abort(404)
    return day


@bp.get("/one-to-ones/<int:rep_id>")
@login_required
def one_to_one_this_week(rep_id: int):
    rep = access.get_visible_rep(db.session, g.user, rep_id)
    week = metrics.week_start(local_today(g.user.timezone))
    return redirect(url_for(".one_to_one", rep_id=rep.id, week=week.isoformat()))


@bp.route("/one-to-ones/<int:rep_id>/<week>", methods=["GET", "POST"])
@login_required
def one_to_one(rep_id: int, week: str):
    rep = access.get_visible_rep(db.session, g.user, rep_id)
    day = _week(week)
    monday = metrics.week_start(day)
    if monday != day:
        return redirect(url_for(".one_to_one", rep_id=rep.id, week=monday.isoformat()))
    if request.method == "GET":
        return _one_to_one_page(rep, monday)
    notes_form = NotesForm()
    if notes_form.validate():
        service.save_one_to_one_notes(db.session, g.user, rep, monday,
                                      notes_form.notes.data or "")
        flash("Notes saved.", "ok")
        return redirect(url_for(".one_to_one", rep_id=rep.id, week=week), 303)
    return _one_to_one_page(rep, monday, notes_form=notes_form, status=400)


def _one_to_one_page(rep, monday: date, notes_form=None, intel=None, status: int = 200):
    view = pages.one_to_one_page(db.session, g.user, rep, monday)
    if notes_form is None:
        notes_form = NotesForm(formdata=None,
                               data={"notes": view.record.notes if view.record else ""})
    return render("pipeline/one_to_one.html", "pipeline/_one_to_one.html", status=status,
                  view=view, notes_form=notes_form, intel_form=intel or intel_form(g.user))


@bp.get("/reps/<int:rep_id>/one-sided")
@login_required
def one_sided(rep_id: int):
    """The rep's one-sided deals (equality of effort): a section the one-to-one loads after
    the page (it has spent its query budget), or a page of its own without JS."""
    rep = access.get_visible_rep(db.session, g.user, rep_id)
    deals = one_sided_deals(db.session, g.user, rep.id, local_today(g.user.timezone))
    return render("pipeline/one_sided.html", "pipeline/_one_sided.html", rep=rep,
                  one_sided=deals, show_none=True)


@bp.post("/one-to-ones/<int:rep_id>/<week>/intel")
@role_required(*MANAGERS)
def post_intel(rep_id: int, week: str):
    rep = access.get_visible_rep(db.session, g.user, rep_id)
    monday = metrics.week_start(_week(week))
    form = intel_form(g.user, formdata=request.form)
    if form.validate():
        try:
            service.post_market_intel(db.session, g.user, body=form.body.data,
                                      rep=rep if form.audience.data == "rep" else None)
        except service.PipelineError as error:
            form[error.field].errors = [str(error)]
        else:
            flash("Shared.", "ok")
            return redirect(url_for(".one_to_one", rep_id=rep.id, week=monday.isoformat()), 303)
    return _one_to_one_page(rep, monday, intel=form, status=400)


# --- Settings -------------------------------------------------------------------------------------

@bp.route("/settings", methods=["GET", "POST"])
@role_required(*MANAGERS)
def settings():
    config = pipeline_settings.pipeline_config(db.session)
    form = SettingsForm(data=None if request.method == "POST" else {
        "methodology": config.methodology, "slip_pushes": config.flag_rules.slip_pushes,
        "quiet_weeks": config.flag_rules.quiet_weeks, "stuck_days": config.flag_rules.stuck_days,
        "forecast_lock_days": config.forecast_lock_days, "history_months": config.history_months,
        "min_history": config.min_history, "qualify_answers": config.qualify_answers})
    if request.method == "POST" and form.validate():
        service.save_pipeline_settings(
            db.session, methodology=form.methodology.data, stuck_days=form.stuck_days.data,
            quiet_weeks=form.quiet_weeks.data, slip_pushes=form.slip_pushes.data,
            forecast_lock_days=form.forecast_lock_days.data,
            history_months=form.history_months.data, min_history=form.min_history.data,
            qualify_answers=form.qualify_answers.data)
        message = "Settings saved."
        if (form.methodology.data, form.qualify_answers.data) != (config.methodology,
                                                                  config.qualify_answers):
            gained, lost = service.requalify_open_deals(
                db.session, g.user,
                pipeline_settings.team_checklist(db.session, form.methodology.data),
                form.qualify_answers.data)
            message += f" Qualified now: {gained} more deal(s), {lost} fewer."
        flash(message, "ok")
        return redirect(url_for(".settings"), 303)
    return render("pipeline/settings.html", "pipeline/_settings.html",
                  status=400 if request.method == "POST" else 200, form=form,
                  items=pipeline_settings.custom_checklist_items(db.session),
                  item_form=ChecklistItemForm(formdata=None),
                  checklist=pipeline_settings.team_checklist(db.session, config.methodology),
                  config=config)


@bp.post("/settings/items")
@role_required(*MANAGERS)
def add_item():
    form = ChecklistItemForm()
    if form.validate():
        service.add_checklist_item(db.session, label=form.label.data, hint=form.hint.data or "",
                                   required=form.required.data)
        _requalify_when_own_list_changed()
        flash("Item added.", "ok")
    else:
        flash("Name the item.", "error")
    return redirect(url_for(".settings"), 303)


@bp.post("/settings/items/<int:item_id>/retire")
@role_required(*MANAGERS)
def retire_item(item_id: int):
    try:
        service.retire_checklist_item(db.session, item_id)
    except service.PipelineError:
        abort(404)
    _requalify_when_own_list_changed()
    flash("Item removed from the list.", "ok")
    return redirect(url_for(".settings"), 303)


def _requalify_when_own_list_changed() -> None:
    """The team's own list is the checklist in use: its deals follow the changed list."""
    config = pipeline_settings.pipeline_config(db.session)
    if config.methodology == "custom":
        service.requalify_open_deals(db.session, g.user,
                                     pipeline_settings.team_checklist(db.session, "custom"),
                                     config.qualify_answers)
