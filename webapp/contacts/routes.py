"""Contacts: add a person met at a meeting (only the name is required), edit their details."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from webapp.contacts.forms import ContactEditForm, ContactForm
from webapp.domain.client_ids import ClientIdTaken, new_client_id, parse_client_id
from webapp.extensions import db
from webapp.models import Contact
from webapp.queries.access import (
    account_by_ref,
    account_for_new_form,
    get_account_by_ref,
    get_visible_contact,
)
from webapp.queries.capture import contacts_with_email, find_by_client_id
from webapp.queries.meeting_form import picker_choices
from webapp.routing import then_meeting
from webapp.services.capture import (
    CONTACT_FIELDS,
    CaptureError,
    ContactConflict,
    ContactDetails,
    create_contact,
    update_contact,
)
from webapp.sessions import login_required

bp = Blueprint("contacts", __name__, url_prefix="/contacts")
FIELD_LABELS = {"name": "Name", "title": "Title", "phone": "Phone", "email": "E-mail"}


def _account_page(account_id: int):
    return redirect(url_for("accounts.detail", account_id=account_id, _anchor="contacts"), 303)


def _render_new(form: ContactForm, account, status: int = 200, **extra):
    ctx = {"form": form, "account": account, "then": then_meeting(), **extra}
    if account is None:
        ctx.update(picker_choices(db.session, g.user, request.values.get("account_q", ""),
                                  form.account_id.data))
    return render_template("contacts/new.html", **ctx), status


def _details(form) -> ContactDetails:
    return ContactDetails(name=form.name.data or "", title=form.title.data or "",
                          phone=form.phone.data or "", email=form.email.data or "")


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """?account_id= an account id, or the client id of an account made on the phone."""
    if request.method == "GET":
        ref = request.args.get("account_id", "")
        account = account_for_new_form(db.session, g.user, ref)
        form = ContactForm(formdata=None, account_id=account.id if account else ref)
        form.uuid.data = new_client_id()
        return _render_new(form, account)

    form = ContactForm()
    client_id = parse_client_id(form.uuid.data)
    if client_id:  # a replay: answer as the first time, change nothing
        made = find_by_client_id(db.session, Contact, client_id)
        if made is not None:
            account = account_by_ref(db.session, g.user, made.account_id)
            if account is None or str(form.account_id.data) not in (str(account.id), account.uuid):
                abort(409)
            return _account_page(made.account_id)
    # Not the user's, or made offline and not arrived yet: never a contact pointing at nothing.
    account = get_account_by_ref(db.session, g.user, form.account_id.data)
    if not form.validate():
        return _render_new(form, account, 400)
    if not form.create_anyway.data:
        duplicates = contacts_with_email(db.session, g.user, form.email.data or "")
        if duplicates:
            # The contact's own anchor: "Did you mean …?" on the phone reads the id from it.
            offered = [(url_for("accounts.detail", account_id=c.account_id,
                                _anchor=f"contact-{c.id}"),
                        c.name, " · ".join(p for p in (c.title, c.account.name, c.email) if p))
                       for c in duplicates]
            return _render_new(form, account, 422, duplicates=offered)
    try:
        contact, _ = create_contact(db.session, g.user, account, _details(form),
                                    client_id=form.uuid.data)
    except CaptureError as error:
        form[error.field].errors.append(str(error))
        return _render_new(form, account, 400)
    except ClientIdTaken:
        abort(409)
    flash(f"{contact.name} added.", "success")
    if then_meeting():
        return redirect(url_for("meetings.new", account_id=account.id), 303)
    return _account_page(account.id)


@bp.get("/edit")
@login_required
def edit_offline():
    """The copy of the edit form the phone keeps: one for every contact (static/js/capture.js
    fills it in from the account page offline). Online, the Edit links go to `edit`."""
    form = ContactEditForm(formdata=None)
    form.client_id.data = new_client_id()
    return render_template("contacts/edit.html", form=form, contact=None)


def _edit_form(contact: Contact) -> ContactEditForm:
    """The contact's details, the version they are, and (as `base_*`) what the form showed."""
    form = ContactEditForm(formdata=None, obj=contact)
    for name in CONTACT_FIELDS:
        form[f"base_{name}"].data = getattr(contact, name) or ""
    form.client_id.data = new_client_id()
    return form


@bp.get("/<int:contact_id>/edit")
@login_required
def edit(contact_id: int):
    contact = get_visible_contact(db.session, g.user, contact_id)
    return render_template("contacts/edit.html", form=_edit_form(contact), contact=contact)


@bp.post("/<int:contact_id>")
@login_required
def update(contact_id: int):
    """New details for the contact (the whole set the rep saw), made on `version`: merged with
    changes made since, or 409 and the conflict laid out when someone else changed a field the
    rep changed too."""
    contact = get_visible_contact(db.session, g.user, contact_id)
    form = ContactEditForm()
    if not form.validate():
        return render_template("contacts/edit.html", form=form, contact=contact), 400
    base = None
    if form.version.data is not None:
        base = ContactDetails(**{name: form[f"base_{name}"].data or "" for name in CONTACT_FIELDS})
    try:
        update_contact(db.session, g.user, contact, _details(form),
                       based_on_version=form.version.data, base=base)
    except ContactConflict as conflict:
        return _render_conflict(contact, conflict, form.client_id.data)
    except CaptureError as error:
        form[error.field].errors.append(str(error))
        return render_template("contacts/edit.html", form=form, contact=contact), 400
    flash("Contact saved.", "success")
    return _account_page(contact.account_id)


def _render_conflict(contact: Contact, conflict: ContactConflict, client_id: str):
    fields = {name: getattr(contact, name) or "" for name in CONTACT_FIELDS}
    fields.update(conflict.keep)
    asked = {c[0] for c in conflict.conflicts}
    choices = [{"field": name, "label": FIELD_LABELS[name], "yours": yours, "theirs": theirs,
                "base": base} for name, yours, theirs, base in conflict.conflicts]
    keep = [(name, value) for name, value in fields.items() if name not in asked]
    return render_template(
        "contacts/conflict.html", contact=contact, choices=choices, keep=keep,
        current={name: getattr(contact, name) or "" for name in CONTACT_FIELDS},
        changed_by=conflict.changed_by, changed_at=conflict.changed_at,
        version=conflict.current_version, client_id=client_id), 409
