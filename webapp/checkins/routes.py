"""Check in on arrival, check out on leaving (then the meeting form opens with the time and
length filled in), and say what happened to a check-in left open. All three are taps the
offline outbox queues and replays exactly once (REPLAYABLE_WRITES)."""
from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, url_for

from webapp.checkins.forms import CheckInForm, CheckOutForm, ResolveForm
from webapp.clock import to_local, to_utc, utcnow
from webapp.domain.checkins import CheckInError, tapped_at, visit_minutes
from webapp.domain.client_ids import ClientIdTaken
from webapp.extensions import db
from webapp.models import CheckIn
from webapp.queries.access import get_account_by_ref, get_own_checkin
from webapp.routing import local_path
from webapp.services.checkins import check_in as check_in_service
from webapp.services.checkins import check_out as check_out_service
from webapp.services.checkins import discard
from webapp.sessions import login_required

bp = Blueprint("checkins", __name__, url_prefix="/checkins")


def _problem(message: str, account_id: int | None = None):
    """A refused tap, said plainly, with the way back (never a 500)."""
    return render_template("checkins/problem.html", message=message,
                           account_id=account_id), 400


def _first_error(form) -> str:
    return next(iter(e for errors in form.errors.values() for e in errors), "Try again.")


def meeting_form_for(checkin: CheckIn):
    """The log-meeting form for the visit: start and length after the #, which the page
    (static/js/checkin.js) fills in, the same online and from the phone's saved copy."""
    start = to_local(checkin.in_at, g.user.timezone)
    anchor = (f"checkin={checkin.uuid}&start={start:%Y-%m-%dT%H:%M}"
              f"&minutes={visit_minutes(checkin.in_at, checkin.out_at)}")
    return redirect(url_for("meetings.new", account_id=checkin.account_id, _anchor=anchor), 303)


@bp.post("/in")
@login_required
def check_in():
    form = CheckInForm()
    if not form.validate():
        return _problem(_first_error(form))
    account = get_account_by_ref(db.session, g.user, form.account_id.data)
    try:
        check_in_service(db.session, g.user, account, client_id=form.client_id.data,
                         at=tapped_at(form.at.data, utcnow()), latitude=form.latitude.data,
                         longitude=form.longitude.data)
    except CheckInError as error:
        return _problem(str(error), account.id)
    except ClientIdTaken:
        abort(409)
    return redirect(url_for("accounts.detail", account_id=account.id, _anchor="checkin"), 303)


@bp.post("/out")
@login_required
def check_out():
    checkin = get_own_checkin(db.session, g.user, request.form.get("checkin"))
    form = CheckOutForm()
    if not form.validate():
        return _problem(_first_error(form), checkin.account_id)
    try:
        check_out_service(db.session, g.user, checkin, at=tapped_at(form.at.data, utcnow()))
    except CheckInError as error:
        return _problem(str(error), checkin.account_id)
    return meeting_form_for(checkin)


@bp.post("/resolve")
@login_required
def resolve():
    """A check-in left open: "I left at …" (then the meeting form, as after checking out) or
    "Discard it". Nothing else closes it: the hours are the rep's to say."""
    checkin = get_own_checkin(db.session, g.user, request.form.get("checkin"))
    form = ResolveForm()
    if not form.validate():
        return _problem(_first_error(form), checkin.account_id)
    if form.outcome.data == "discard":
        discard(db.session, g.user, checkin)
        back = local_path(form.next.data) or url_for("accounts.detail",
                                                     account_id=checkin.account_id)
        return redirect(back, 303)
    try:
        check_out_service(db.session, g.user, checkin,
                          at=to_utc(form.left_at.data, g.user.timezone))
    except CheckInError as error:
        return _problem(str(error), checkin.account_id)
    if checkin.out_at is None:  # discarded before: nothing to log
        return redirect(url_for("accounts.detail", account_id=checkin.account_id), 303)
    return meeting_form_for(checkin)
