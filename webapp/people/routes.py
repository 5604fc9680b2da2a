"""People across companies and old lists (issue 14): the rep's keep-in-touch list, recording
that someone moved, logging a touch, the old list with snooze and dismiss."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from webapp.domain.client_ids import ClientIdTaken, new_client_id
from webapp.extensions import db
from webapp.forms import MAX_ID
from webapp.people.forms import MarkForm, MoveForm, TouchForm
from webapp.queries.access import get_reachable_contact, get_visible_account
from webapp.queries.meeting_form import search_accounts
from webapp.queries.relationships import (
    company_account,
    history,
    keep_in_touch_list,
    old_list_account,
    old_list_page,
)
from webapp.services.relationships import MoveError, log_touch, mark_old_list, record_move
from webapp.sessions import login_required

bp = Blueprint("people", __name__, url_prefix="/people")
SUGGESTIONS = 6


def _blank(form_class, **values):
    form = form_class(formdata=None, **values)
    form.client_id.data = new_client_id()
    return form


@bp.get("/")
@login_required
def index():
    """The people the rep keeps in touch with (only their own list)."""
    return render_template("people/index.html", rows=keep_in_touch_list(db.session, g.user),
                           touch=_blank(TouchForm))


@bp.get("/old")
@login_required
def old():
    """The rep's old list: interest 6 to 18 months ago, quiet since."""
    return render_template("people/old.html", rows=old_list_page(db.session, g.user),
                           touch=_blank(TouchForm), mark=_blank(MarkForm))


def _contact_arg():
    raw = request.values.get("contact_id", "")
    if not raw:
        return None
    if not raw.isdigit() or not 0 < int(raw) <= MAX_ID:
        abort(404)
    return get_reachable_contact(db.session, g.user, int(raw))


def _render_move(form: MoveForm, contact, status: int = 200, choices=()):
    return render_template("people/move.html", form=form, contact=contact, choices=choices,
                           past=history(db.session, contact) if contact else []), status


def _new_account(form: MoveForm):
    """The account the person joined: picked among the user's own, or the one account whose
    name is typed exactly (webapp.queries.relationships.company_account)."""
    if form.account_id.data:
        return get_visible_account(db.session, g.user, form.account_id.data)
    return company_account(db.session, g.user, form.company.data or "")


@bp.route("/move", methods=["GET", "POST"])
@login_required
def move():
    """Record that a person moved (?contact_id=): to an account the rep may see, a company
    known by name only, or no company yet. Two taps: Moved, then Record move."""
    if request.method == "GET":
        contact = _contact_arg()
        form = _blank(MoveForm, contact_id=contact.id if contact else None,
                      contact_name=contact.name if contact else "")
        return _render_move(form, contact)
    form = MoveForm()
    contact = _contact_arg()
    if contact is None:
        abort(404)
    form.contact_name.data = contact.name
    if not form.validate():
        return _render_move(form, contact, 400)
    account = _new_account(form)
    try:
        record_move(db.session, g.user, contact, client_id=form.client_id.data, account=account,
                    company="" if account else form.company.data or "",
                    title=form.title.data or "", left_on=form.left_on.data,
                    champion=bool(form.champion.data))
    except MoveError as error:
        getattr(form, error.field, form.company).errors.append(str(error))
        return _render_move(form, contact, 400)
    flash(f"Move recorded: you keep in touch with {contact.name}.", "success")
    return redirect(url_for("people.index", _anchor=f"person-{contact.id}"), 303)


@bp.get("/companies")
@login_required
def companies():
    """Accounts the rep may see whose name matches what they typed (htmx, the move form)."""
    text = (request.args.get("company") or "").strip()[:100]
    choices = search_accounts(db.session, g.user, text, SUGGESTIONS) if len(text) >= 2 else []
    return render_template("people/_companies.html", choices=choices, chosen=None)


@bp.post("/touch")
@login_required
def touch():
    """The rep reached a person or an account: back to the list they came from."""
    form = TouchForm()
    back = "people.old" if request.form.get("from") == "old" else "people.index"
    if not form.validate() or not (form.contact_id.data or form.account_id.data):
        abort(400)
    contact = get_reachable_contact(db.session, g.user, form.contact_id.data) if form.contact_id.data else None
    account = None
    if form.account_id.data:
        account = old_list_account(db.session, g.user, form.account_id.data)
        if account is None:
            abort(404)
    try:
        log_touch(db.session, g.user, client_id=form.client_id.data, kind=form.kind.data,
                  contact=contact, account=account)
    except MoveError:
        abort(400)
    except ClientIdTaken:
        abort(409)  # another user's write key: never theirs to reuse
    flash(f"Touch logged: {(contact.name if contact else account.name)}.", "success")
    return redirect(url_for(back), 303)


@bp.post("/old/mark")
@login_required
def mark():
    """Snooze an old-list entry for 30 days, or dismiss it."""
    form = MarkForm()
    if not form.validate():
        abort(400)
    account = old_list_account(db.session, g.user, form.account_id.data)
    if account is None:
        abort(404)
    mark_old_list(db.session, g.user, account, action=form.action.data)
    flash(f"{account.name}: {'snoozed for 30 days' if form.action.data == 'snooze' else 'dismissed'}.",
          "success")
    return redirect(url_for("people.old"), 303)
