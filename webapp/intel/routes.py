"""Intel on an account (a rep or a manager writes what they learned), vendor pals and the
vendor-pal meeting that covers several accounts at once. Every write goes through the outbox."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from webapp.clock import local_today
from webapp.domain.client_ids import ClientIdTaken, new_client_id
from webapp.extensions import db
from webapp.intel.forms import IntelForm, PalForm, PalMeetingForm
from webapp.queries.access import (
    get_own_pal,
    get_visible_account,
    get_visible_contact,
)
from webapp.queries.intel import account_choices, pal_intel_counts, pals_of, source_choices
from webapp.routing import account_id_arg
from webapp.services.intel import IntelError, NewPal, add_intel, add_pal, log_pal_meeting
from webapp.sessions import login_required

bp = Blueprint("intel", __name__, url_prefix="/intel")


def _ref_id(value: str) -> int:
    """The id in "c12" / "p3" (a choice of the From list); 404 for anything else."""
    digits = value[1:]
    if not digits.isdigit() or len(digits) > 10:
        abort(404)
    return int(digits)


def _render_new(form: IntelForm, account, status: int = 200):
    return render_template("intel/new.html", form=form, account=account), status


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Intel on an account: what was learned, when, from whom. Answered by the account page."""
    if request.method == "GET":
        account_id = account_id_arg()
        if not account_id:
            abort(404)
        account = get_visible_account(db.session, g.user, account_id)
        form = IntelForm(formdata=None, account_id=account.id,
                         learned_on=local_today(g.user.timezone))
        form.client_id.data = new_client_id()
        form.source.choices = source_choices(db.session, g.user, account.id)
        return _render_new(form, account)
    form = IntelForm()
    account_id = form.account_id.data
    if not isinstance(account_id, int):
        abort(404)
    account = get_visible_account(db.session, g.user, account_id)
    form.source.choices = source_choices(db.session, g.user, account.id)
    if not form.validate():
        return _render_new(form, account, 400)
    contact = pal = None
    source = form.source.data or ""
    if source.startswith("c"):
        contact = get_visible_contact(db.session, g.user, _ref_id(source))
    elif source.startswith("p"):
        pal = get_own_pal(db.session, g.user, _ref_id(source))
    try:
        add_intel(db.session, g.user, account=account, body=form.body.data,
                  client_id=form.client_id.data, today=local_today(g.user.timezone),
                  learned_on=form.learned_on.data, contact=contact, pal=pal,
                  source_text=form.source_text.data or "")
    except IntelError as error:
        form[error.field].errors = [*form[error.field].errors, str(error)]
        return _render_new(form, account, 400)
    except ClientIdTaken:
        abort(409)
    flash("Intel saved.", "success")
    return redirect(url_for("accounts.detail", account_id=account.id, _anchor="intel"), 303)


def _render_pals(form: PalForm | None = None, status: int = 200):
    if form is None:
        form = PalForm(formdata=None)
        form.client_id.data = new_client_id()
    return render_template("intel/pals.html", pals=pals_of(db.session, g.user), form=form,
                           counts=pal_intel_counts(db.session, g.user), open_form=status != 200
                           ), status


@bp.route("/pals", methods=["GET", "POST"])
@login_required
def pals():
    """The rep's vendor pals (GET), or a new one (POST)."""
    if request.method == "GET":
        return _render_pals()
    form = PalForm()
    if not form.validate():
        return _render_pals(form, 400)
    try:
        add_pal(db.session, g.user, NewPal(name=form.name.data, company=form.company.data,
                                           sells=form.sells.data or "",
                                           phone=form.phone.data or "",
                                           email=form.email.data or ""),
                client_id=form.client_id.data)
    except IntelError as error:
        form[error.field].errors = [*form[error.field].errors, str(error)]
        return _render_pals(form, 400)
    except ClientIdTaken:
        abort(409)
    flash("Vendor pal saved.", "success")
    return redirect(url_for(".pals"), 303)


def _render_meeting(form: PalMeetingForm, status: int = 200):
    return render_template("intel/pal_meeting.html", form=form), status


def _meeting_choices(form: PalMeetingForm) -> None:
    form.pal_id.choices = [(0, "Choose…")] + [(p.id, f"{p.name} · {p.company}")
                                              for p in pals_of(db.session, g.user)]
    offered, total = account_choices(db.session, g.user)
    accounts = [("", "—")] + [(str(i), name) for i, name in offered]
    for account_field, _ in form.lines():
        account_field.choices = accounts
    form.accounts_offered, form.accounts_total = len(offered), total


@bp.route("/pals/meeting", methods=["GET", "POST"])
@login_required
def pal_meeting():
    """A vendor-pal meeting: the pal, the accounts discussed, a line of what was learned about
    each (one intel item per account, and a touch of the pal)."""
    today = local_today(g.user.timezone)
    if request.method == "GET":
        form = PalMeetingForm(formdata=None, met_on=today)
        pal_id = request.args.get("pal_id", "")
        if pal_id.isdigit() and len(pal_id) < 10:
            form.pal_id.data = get_own_pal(db.session, g.user, int(pal_id)).id
        form.client_id.data = new_client_id()
        _meeting_choices(form)
        return _render_meeting(form)
    form = PalMeetingForm()
    _meeting_choices(form)
    if not form.validate():
        return _render_meeting(form, 400)
    pal = get_own_pal(db.session, g.user, form.pal_id.data) if form.pal_id.data else None
    if pal is None:
        form.pal_id.errors = ["Choose the vendor pal."]
        return _render_meeting(form, 400)
    lines, problem = [], None
    for account_field, learned_field in form.lines():
        chosen, text = account_field.data or "", (learned_field.data or "").strip()
        if chosen and not text:
            learned_field.errors = ["Write what you learned about this account."]
            problem = True
        elif text and not chosen:
            account_field.errors = ["Choose the account."]
            problem = True
        elif chosen:
            lines.append((get_visible_account(db.session, g.user, _ref_id("a" + chosen)), text))
    if problem:
        return _render_meeting(form, 400)
    try:
        log_pal_meeting(db.session, g.user, pal=pal, met_on=form.met_on.data or today,
                        lines=lines, client_id=form.client_id.data, today=today)
    except IntelError as error:
        target = form.account_1 if error.field == "lines" else form[error.field]
        target.errors = [*target.errors, str(error)]
        return _render_meeting(form, 400)
    except ClientIdTaken:
        abort(409)
    flash(f"Meeting with {pal.name} saved: {len(lines)} accounts got intel.", "success")
    return redirect(url_for(".pals"), 303)
