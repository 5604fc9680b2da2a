"""Quick note: one field, about an account or unfiled (from Today); filing an unfiled note
under an account later."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from webapp.domain.client_ids import ClientIdTaken, new_client_id
from webapp.extensions import db
from webapp.forms import MAX_ID
from webapp.models import Note
from webapp.notes.forms import FileNoteForm, NoteForm
from webapp.queries.access import get_own_note, get_visible_account
from webapp.queries.meeting_form import picker_choices
from webapp.routing import account_id_arg
from webapp.services.notes import NoteError, add_note, file_note
from webapp.sessions import login_required

bp = Blueprint("notes", __name__, url_prefix="/notes")


def _saved(note: Note):
    flash("Note saved.", "success")
    if note.account_id is None:
        return redirect(url_for("today.index"), 303)
    return redirect(url_for("accounts.detail", account_id=note.account_id, _anchor="notes"), 303)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    user = g.user
    if request.method == "GET":
        account_id = account_id_arg()
        account = get_visible_account(db.session, user, account_id) if account_id else None
        form = NoteForm(account_id=account.id if account else None)
        form.client_id.data = new_client_id()
        return render_template("notes/new.html", form=form, account=account)

    form = NoteForm()  # a replay is answered by the ledger (webapp/hooks.py), or add_note
    account = None
    if (form.account_id.raw_data or [""])[0] != "":
        # A note names an account the rep may see, or none at all; anything else is a 404.
        account_id = form.account_id.data
        if not isinstance(account_id, int) or not 0 < account_id <= MAX_ID:
            abort(404)
        account = get_visible_account(db.session, user, account_id)
    if not form.validate():
        return render_template("notes/new.html", form=form, account=account), 400
    try:
        note = add_note(db.session, user, body=form.body.data, client_id=form.client_id.data,
                        account=account)
    except NoteError as error:
        form.body.errors.append(str(error))
        return render_template("notes/new.html", form=form, account=account), 400
    except ClientIdTaken:
        abort(409)
    return _saved(note)


def _render_file(form: FileNoteForm, note: Note, status: int = 200):
    return render_template("notes/file.html", form=form, note=note, plain=True,
                           **picker_choices(db.session, g.user, request.values.get("account_q", ""),
                                            form.account_id.data)), status


@bp.route("/<int:note_id>/file", methods=["GET", "POST"])
@login_required
def file(note_id: int):
    """File an unfiled note under an account (a write that goes through the outbox)."""
    note = get_own_note(db.session, g.user, note_id)
    if request.method == "GET":
        form = FileNoteForm(formdata=None)
        form.client_id.data = new_client_id()
        return _render_file(form, note)
    form = FileNoteForm()
    if not form.validate():
        return _render_file(form, note, 400)
    account = get_visible_account(db.session, g.user, form.account_id.data)
    try:
        file_note(db.session, g.user, note, account)
    except NoteError as error:
        form.account_id.errors.append(str(error))
        return _render_file(form, note, 400)
    flash(f"Note filed under {account.name}.", "success")
    return redirect(url_for("accounts.detail", account_id=account.id, _anchor="notes"), 303)
