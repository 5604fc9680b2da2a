"""Calendar in and out (issue 15): connect a calendar (private address or .ics upload), read
it now, the meeting drafts it made (on Today), dismiss one, and "Add to my calendar" (.ics)
for a meeting or a deal's next step."""
from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from webapp.calendar.forms import CalendarAddressForm, CalendarUploadForm
from webapp.clock import local_today, utcnow
from webapp.domain.calendar_feeds import FeedAddressError, feed_cipher
from webapp.domain.ics import PAST_DAYS, CalendarFileError, event_ics
from webapp.extensions import db
from webapp.htmx import varies, wants_fragment
from webapp.queries.access import get_own_draft, get_visible_meeting, get_visible_opportunity
from webapp.queries.calendars import feed_of, open_drafts
from webapp.services.calendars import (
    MAX_BYTES,
    CalendarFetchError,
    FetchRules,
    connect_feed,
    disconnect_feed,
    dismiss_draft,
    import_upload,
    sync_feed,
)
from webapp.services.meetings import FUTURE_SLACK
from webapp.sessions import login_required

bp = Blueprint("calendar", __name__, url_prefix="/calendar")


def cipher():
    config = current_app.config
    return feed_cipher(config["SECRET_KEY"], config.get("CALENDAR_KEY", ""))


def fetch_rules() -> FetchRules:
    relaxed = bool(current_app.testing or current_app.debug
                   or current_app.config.get("CALENDAR_ALLOW_HTTP"))
    return FetchRules(allow_http=relaxed, allow_private=relaxed)


def _drafts():
    """Drafts to confirm: the window read from the calendar up to what may be logged now
    (a meeting is logged after it happened)."""
    now = utcnow()
    return open_drafts(db.session, g.user, since=now - timedelta(days=PAST_DAYS),
                       until=now + FUTURE_SLACK)


def _page(address_form=None, upload_form=None, status: int = 200):
    return render_template(
        "calendar/index.html", feed=feed_of(db.session, g.user), drafts=_drafts(),
        address_form=address_form or CalendarAddressForm(formdata=None),
        upload_form=upload_form or CalendarUploadForm(formdata=None),
        max_mb=MAX_BYTES // (1024 * 1024), tz=g.user.timezone), status


def _synced(result) -> None:
    flash(f"Calendar read: {result.events} events, {result.drafts} new meeting "
          f"draft{'s' if result.drafts != 1 else ''}.", "success")


@bp.get("")
@login_required
def index():
    return _page()


@bp.post("/address")
@login_required
def connect():
    form = CalendarAddressForm()
    if not form.validate():
        return _page(address_form=form, status=400)
    try:
        connect_feed(db.session, g.user, form.address.data, cipher=cipher(),
                     allow_http=fetch_rules().allow_http)
    except FeedAddressError as error:
        form.address.errors = [str(error)]
        return _page(address_form=form, status=400)
    try:
        _synced(sync_feed(db.session, g.user, cipher=cipher(), rules=fetch_rules()))
    except (CalendarFetchError, CalendarFileError, FeedAddressError) as error:
        flash(f"Calendar connected, but not read yet: {error}", "error")
    return redirect(url_for(".index"), 303)


@bp.post("/disconnect")
@login_required
def disconnect():
    disconnect_feed(db.session, g.user)
    flash("Calendar disconnected: its address is forgotten.", "success")
    return redirect(url_for(".index"), 303)


@bp.post("/sync")
@login_required
def sync():
    try:
        _synced(sync_feed(db.session, g.user, cipher=cipher(), rules=fetch_rules()))
    except (CalendarFetchError, CalendarFileError, FeedAddressError) as error:
        flash(str(error), "error")  # kept on the feed too; the request still commits that
    return redirect(url_for(".index"), 303)


@bp.post("/upload")
@login_required
def upload():
    form = CalendarUploadForm()
    upload = form.calendar_file.data
    if not form.validate() or upload is None or not getattr(upload, "filename", ""):
        form.calendar_file.errors = list(form.calendar_file.errors) or [
            "Choose an .ics file exported from your calendar."]
        return _page(upload_form=form, status=400)
    data = upload.stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        form.calendar_file.errors = [f"This file is larger than {MAX_BYTES // (1024 * 1024)} MB: "
                                     "export a shorter period of your calendar."]
        return _page(upload_form=form, status=413)
    try:
        result = import_upload(db.session, g.user, data)
    except CalendarFileError as error:
        form.calendar_file.errors = [str(error)]
        return _page(upload_form=form, status=400)
    _synced(result)
    return redirect(url_for(".index"), 303)


@bp.get("/drafts")
@login_required
def drafts():
    """Today's "From your calendar" section (htmx loads it into Today); a plain visit goes to
    the calendar page, which lists the same drafts."""
    if not wants_fragment():
        response = redirect(url_for(".index"))
    else:
        response = current_app.make_response(render_template(
            "calendar/_drafts.html", drafts=_drafts(), tz=g.user.timezone))
    return varies(response)


@bp.post("/drafts/<int:draft_id>/dismiss")
@login_required
def dismiss(draft_id: int):
    """Not a meeting to log: the draft goes and that occurrence never comes back (again is
    harmless)."""
    dismiss_draft(db.session, g.user, get_own_draft(db.session, g.user, draft_id))
    if wants_fragment():
        response = current_app.make_response(render_template(
            "calendar/_drafts.html", drafts=_drafts(), tz=g.user.timezone))
        return varies(response)
    flash("Dismissed.", "success")
    back = "today.index" if request.form.get("back") == "today" else ".index"
    return redirect(url_for(back), 303)


def _ics(body: bytes, name: str) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.ics"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/meetings/<int:meeting_id>.ics")
@login_required
def meeting_ics(meeting_id: int):
    meeting = get_visible_meeting(db.session, g.user, meeting_id)
    return _ics(event_ics(
        uid=f"meeting-{meeting.uuid}@groundwork", stamp=utcnow(),
        summary=f"Meeting: {meeting.account.name}", starts_at=meeting.started_at,
        duration_minutes=meeting.duration_minutes,
        location=meeting.location or meeting.account.address_line,
        description=f"With: {meeting.attendees}" if meeting.attendees else "",
        url=url_for("meetings.detail", meeting_id=meeting.id, _external=True)),
        f"meeting-{meeting.id}")


@bp.get("/drafts/<int:draft_id>.ics")
@login_required
def draft_ics(draft_id: int):
    draft = get_own_draft(db.session, g.user, draft_id)
    return _ics(event_ics(
        uid=f"draft-{draft.meeting_uuid}@groundwork", stamp=utcnow(),
        summary=draft.title or f"Meeting: {draft.account.name}", starts_at=draft.starts_at,
        duration_minutes=draft.duration_minutes, location=draft.location,
        description=f"With: {draft.attendees}" if draft.attendees else ""),
        f"meeting-draft-{draft.id}")


@bp.get("/opportunities/<int:opportunity_id>/next-step.ics")
@login_required
def next_step_ics(opportunity_id: int):
    """The deal's next step as an all-day event on its date (today when it has none)."""
    opportunity = get_visible_opportunity(db.session, g.user, opportunity_id)
    on = opportunity.next_step_on or local_today(g.user.timezone)
    step = opportunity.next_step or "Decide the next step"
    return _ics(event_ics(
        uid=f"next-step-{opportunity.uuid}-{on.isoformat()}@groundwork", stamp=utcnow(),
        summary=f"{step} ({opportunity.account.name})", on=on,
        description=f"{opportunity.name}: {step}",
        url=url_for("opportunities.detail", opportunity_id=opportunity.id, _external=True)),
        f"next-step-{opportunity.id}")
