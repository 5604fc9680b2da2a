"""Reminders: the settings page (kinds, quiet hours, this device on or off), the endpoints
the page's script uses to opt a device in or out, and the Today fragment that shows the same
reminders to a phone without notifications."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, g, jsonify, redirect, render_template, request, url_for

from webapp.clock import local_today, utcnow
from webapp.domain import reminders as rules
from webapp.extensions import db
from webapp.htmx import varies
from webapp.queries import reminders as queries
from webapp.reminders.forms import ReminderSettingsForm
from webapp.services import reminders as service
from webapp.sessions import login_required

bp = Blueprint("reminders", __name__, url_prefix="/reminders")


def _page(form: ReminderSettingsForm, status: int = 200):
    return render_template("reminders/settings.html", form=form,
                           devices=queries.device_count(db.session, g.user),
                           vapid_key=current_app.config["VAPID_PUBLIC_KEY"]), status


@bp.get("/settings")
@login_required
def settings():
    form = ReminderSettingsForm(obj=queries.reminder_settings(db.session, g.user))
    return _page(form)


@bp.post("/settings")
@login_required
def save():
    form = ReminderSettingsForm()
    if not form.validate():
        return _page(form, 400)
    service.save_settings(db.session, g.user, kinds=form.kinds(), slip_days=form.slip_days.data,
                          quiet_start=form.quiet_start.data, quiet_end=form.quiet_end.data)
    return redirect(url_for("reminders.settings", saved=1), 303)


def _endpoint() -> str:
    endpoint = request.form.get("endpoint")
    if not endpoint:
        abort(400)
    return endpoint


@bp.post("/devices")
@login_required
def add_device():
    """This browser's PushSubscription (endpoint and keys, as a form post), sent by
    static/js/reminders.js."""
    try:
        service.subscribe(db.session, g.user, endpoint=_endpoint(),
                          p256dh=request.form.get("p256dh", ""), auth=request.form.get("auth", ""),
                          device=(request.user_agent.string or "")[:120])
    except service.ReminderError as error:
        return jsonify(error=str(error)), 400
    return jsonify(devices=queries.device_count(db.session, g.user)), 201


@bp.post("/devices/remove")
@login_required
def remove_device():
    service.unsubscribe(db.session, g.user, _endpoint())
    return jsonify(devices=queries.device_count(db.session, g.user))


@bp.get("/today")
@login_required
def today():
    """The reminders due today, for the Today page (loaded into it by htmx): the same the
    phone would be sent, for a phone without notifications."""
    settings = queries.reminder_settings(db.session, g.user)
    day = local_today(g.user.timezone)
    due = queries.due_reminders(db.session, g.user, day, settings, url_for)
    quiet = rules.in_quiet_hours(utcnow(), g.user.timezone, settings.quiet_start,
                                 settings.quiet_end)
    response = current_app.make_response(render_template(
        "reminders/_today.html", reminders=due, quiet=quiet,
        devices=queries.device_count(db.session, g.user)))
    varies(response)
    response.cache_control.private = True
    response.cache_control.no_cache = True
    return response
