"""Log a meeting; mark what someone committed to as kept or not."""
from __future__ import annotations

import time

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)

from webapp.clock import local_now, to_local, to_utc
from webapp.domain.client_ids import ClientIdTaken, new_client_id, parse_client_id
from webapp.extensions import db
from webapp.htmx import varies, wants_fragment
from webapp.meetings.forms import DURATION_CHOICES, MAX_ID, MeetingForm, ResolveCommitmentForm
from webapp.models import MEETING_KINDS, Meeting
from webapp.queries.access import (
    get_own_draft,
    get_visible_account,
    get_visible_commitment,
    get_visible_meeting,
)
from webapp.queries.access import account_by_ref, get_account_by_ref, opportunity_by_ref
from webapp.queries.meeting_form import (
    account_contacts,
    meeting_page,
    has_meetings,
    open_opportunities,
    opportunity_of_account,
    picker_choices,
)
from webapp.queries.checkins import own_checkin_by_ref
from webapp.routing import account_id_arg, local_path
from webapp.services.checkins import link_meeting
from webapp.services.commitments import resolve_commitment as resolve_commitment_service
from webapp.services.meetings import MeetingError, Promise, log_meeting
from webapp.sessions import login_required

bp = Blueprint("meetings", __name__, url_prefix="/meetings")


def _saved(meeting: Meeting, message: str):
    flash(message, "success")
    return redirect(url_for("accounts.detail", account_id=meeting.account_id, _anchor="meetings"),
                    303)


def _duration_options(minutes) -> list[tuple[int, str]]:
    """The quick choices, plus an unusual duration the rep already has (kept, not dropped)."""
    values = list(DURATION_CHOICES)
    if isinstance(minutes, int) and minutes not in values:
        values.append(minutes)
    return [(v, str(v)) for v in values]


def _render(form: MeetingForm, account, status: int = 200, fresh: bool = True):
    ctx = {"form": form, "account": account, "durations_for": _duration_options,
           "picked": request.form.getlist("contact_ids"),  # ticked contacts kept on a re-show
           # Only a fresh form's "when" may be moved forward by meetings.js, never a typed one.
           # Real wall time, not the app clock: the script compares it with the device's clock.
           "rendered_ms": int(time.time() * 1000)
           if request.method == "GET" and fresh else None,
           # A draft from the calendar: the page keeps the draft's client id (form_capture.js)
           "keeps_client_id": not fresh}
    if account is None:
        ctx.update(_account_choices(request.values.get("account_q", ""), form.account_id.data))
    else:
        ctx["contacts"] = account_contacts(db.session, account.id)
        ctx["opportunities"] = open_opportunities(db.session, account.id)
    return render_template("meetings/new.html", **ctx), status


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    user = g.user
    if request.method == "GET":
        account_id = account_id_arg(allow_client_id=True)
        if isinstance(account_id, str):  # an account made on a phone (field capture)
            account = account_by_ref(db.session, user, account_id)
            account_id = account.id if account else None
        account = get_visible_account(db.session, user, account_id) if account_id else None
        form = MeetingForm(
            account_id=account.id if account else None,
            started_at=local_now(user.timezone).replace(second=0, microsecond=0),
            is_first_meeting=account is not None and not has_meetings(db.session, account.id),
        )
        # Prefilled by a reference lunch (cascade deals): its kind and who was there.
        if request.args.get("kind") in MEETING_KINDS:
            form.kind.data = request.args["kind"]
        form.attendees.data = request.args.get("attendees", "")[:500]
        form.client_id.data = new_client_id()  # a fresh idempotency key per form
        if request.args.get("draft"):  # confirming a meeting draft from the calendar
            return _render(*_from_draft(user, request.args.get("draft", type=int) or 0),
                           fresh=False)
        return _render(form, account)

    # A replay is answered by the ledger (webapp/hooks.py); past it, log_meeting finds its meeting.
    form = MeetingForm(formdata=_with_client_ids_resolved(request.form))
    if _wants_contacts_only():
        return _show_contacts(form)
    account = None
    account_id = form.account_id.data
    if isinstance(account_id, int) and 0 < account_id <= MAX_ID:
        account = get_visible_account(db.session, user, account_id)
    if not form.validate():
        return _render(form, account, 400)

    opportunity = None
    if form.opportunity_id.data:
        opportunity = opportunity_of_account(db.session, account.id, form.opportunity_id.data)
        if opportunity is None:
            form.opportunity_id.errors.append("Choose an opportunity of this account.")
            return _render(form, account, 400)
    attendees = _attendees(form, account)
    if attendees is None:
        return _render(form, account, 400)

    started_at = to_utc(form.started_at.data, user.timezone) if form.started_at.data else None
    try:
        meeting = log_meeting(
            db.session, user, account, client_id=form.client_id.data, notes=form.notes.data,
            started_at=started_at, kind=form.kind.data or "in_person",
            duration_minutes=form.duration_minutes.data or 30, location=form.location.data or "",
            attendees=attendees, engagement=form.engagement.data,
            initiated_by=form.initiated_by.data or None,
            is_first_meeting=form.is_first_meeting.data, opportunity=opportunity,
            theirs=Promise(form.their_commitment.data or "", form.their_due_on.data),
            ours=Promise(form.our_commitment.data or "", form.our_due_on.data),
        )
    except MeetingError as error:
        form[error.field].errors.append(str(error))
        return _render(form, account, 400)
    except ClientIdTaken:
        abort(409)
    # Logged from a visit (check-out opened this form): the visit names its meeting.
    visit = own_checkin_by_ref(db.session, user, request.form.get("checkin"))
    if visit is not None:
        link_meeting(db.session, user, visit, meeting)
    return _saved(meeting, "Meeting saved.")


def _from_draft(user, draft_id: int):
    """The form prefilled from the rep's own calendar draft (issue 15; 404 for anyone else's):
    account, time, duration, place, attendees. Its client id is the draft's, so the saved
    meeting retires the draft and saving twice logs one meeting."""
    draft = get_own_draft(db.session, user, draft_id)
    form = MeetingForm(
        account_id=draft.account_id, started_at=to_local(draft.starts_at, user.timezone),
        duration_minutes=draft.duration_minutes, location=draft.location,
        attendees=draft.attendees, is_first_meeting=not has_meetings(db.session, draft.account_id))
    form.client_id.data = draft.meeting_uuid
    return form, draft.account


def _with_client_ids_resolved(formdata):
    """Field capture: a meeting queued offline may name its account, and its deal, by the
    client id the phone gave it (made offline too, replayed before this write). Resolved
    within what the user may see; an account id that names nothing the user has is a 404,
    never a loose meeting; a deal's, "Choose an opportunity of this account"."""
    ref = formdata.get("account_id", "")
    deal = formdata.get("opportunity_id", "")
    if not parse_client_id(ref) and not parse_client_id(deal):
        return formdata
    formdata = formdata.copy()
    if parse_client_id(ref):
        formdata["account_id"] = str(get_account_by_ref(db.session, g.user, ref).id)
    if parse_client_id(deal):
        found = opportunity_by_ref(db.session, g.user, deal)
        formdata["opportunity_id"] = str(found.id) if found else "0"
    return formdata


def _account_choices(text: str, chosen) -> dict:
    return picker_choices(db.session, g.user, text, chosen)


@bp.get("/accounts")
@login_required
def accounts():
    """The account picker's suggestions for what the rep typed (htmx swaps them into the
    log-meeting form). A plain visit opens the form."""
    if not wants_fragment():
        response = redirect(url_for(".new"))
    else:
        chosen = request.args.get("account_id", type=int)  # None when not a number
        # ?plain=1: a form that only needs the account (not its people).
        response = make_response(render_template(
            "meetings/_account_choices.html", plain=bool(request.args.get("plain")),
            **_account_choices(request.args.get("account_q", ""), chosen)))
    return varies(response)


def _wants_contacts_only() -> bool:
    """The "Show who works there" button (only without JavaScript: <noscript>). Never for a
    write the outbox replays: it takes any 200 as saved, so that is always a real save."""
    return bool(request.form.get("show_contacts")) and \
        request.headers.get("X-Groundwork-Outbox") != "1"


def _show_contacts(form: MeetingForm):
    """Without JavaScript, picking an account cannot load its contacts (nor typing find the
    account) by itself: the button posts the form, which comes back for the chosen account,
    or with the accounts matching what was typed, everything typed kept. Nothing is saved."""
    account_id = form.account_id.data
    if isinstance(account_id, int) and 0 < account_id <= MAX_ID:
        return _render(form, get_visible_account(db.session, g.user, account_id))
    if request.form.get("account_q", "").strip():  # "Find": the matches, the rest kept
        return _render(form, None)
    form.account_id.errors = ["Choose the account."]
    return _render(form, None, 400)


@bp.get("/contacts")
@login_required
def contacts():
    """Who was there and which deal, for the account just picked on the log-meeting form: htmx
    swaps this fragment in (static/js/meetings.js). A plain visit opens the form for that
    account."""
    account_id = account_id_arg()
    account = get_visible_account(db.session, g.user, account_id) if account_id else None
    if wants_fragment():
        response = make_response(render_template(
            "meetings/_picked_account.html", account=account,
            contacts=account_contacts(db.session, account.id) if account else [],
            opportunities=open_opportunities(db.session, account.id) if account else [],
            first_meeting=account is not None and not has_meetings(db.session, account.id)))
    else:
        response = redirect(url_for(".new", account_id=account.id if account else None))
    return varies(response)


def _attendees(form: MeetingForm, account) -> str | None:
    """The typed attendees plus the contacts ticked from the account's list (None if invalid)."""
    typed = (form.attendees.data or "").strip()
    picked = request.form.getlist("contact_ids")
    if not picked:
        return typed
    known = account_contacts(db.session, account.id)
    # A contact made on the phone offline is named by its client id (field capture).
    contacts = {**{str(c.id): c.name for c in known}, **{c.uuid: c.name for c in known}}
    if any(p not in contacts for p in picked):
        form.attendees.errors.append("Pick people from this account's contacts.")
        return None
    names = [contacts[p] for p in dict.fromkeys(picked)]
    names += [typed] if typed else []
    attendees = ", ".join(names)
    if len(attendees) > 500:
        form.attendees.errors.append("Keep the attendees under 500 characters.")
        return None
    return attendees


@bp.get("/<int:meeting_id>")
@login_required
def detail(meeting_id: int):
    """A logged meeting: what was said, with whom, and what each side promised, each promise
    with kept / not kept (queued by the outbox, offline too, like on Today)."""
    meeting = get_visible_meeting(db.session, g.user, meeting_id)
    commitments, opportunity = meeting_page(db.session, meeting)
    return render_template("meetings/detail.html", meeting=meeting, account=meeting.account,
                           opportunity=opportunity, tz=g.user.timezone,
                           theirs=[c for c in commitments if c.party == "theirs"],
                           ours=[c for c in commitments if c.party != "theirs"])


@bp.post("/commitments/<int:commitment_id>")
@login_required
def resolve_commitment(commitment_id: int):
    """Kept / not kept / open again. htmx swaps the buttons in place; without JS, back where
    the rep was."""
    commitment = get_visible_commitment(db.session, g.user, commitment_id)
    form = ResolveCommitmentForm()
    if not form.validate():
        abort(400)
    kept = {"yes": True, "no": False, "open": None}[form.kept.data]
    resolve_commitment_service(db.session, g.user, commitment, kept=kept)
    back = local_path(form.next.data) or url_for(
        "accounts.detail", account_id=commitment.account_id, _anchor="commitments")
    if wants_fragment():
        return varies(make_response(render_template(
            "meetings/_commitment_actions.html", commitment=commitment, next_url=back)))
    flash({True: "Marked as kept.", False: "Marked as not kept.", None: "Open again."}[kept],
          "success")
    return redirect(back, 303)


