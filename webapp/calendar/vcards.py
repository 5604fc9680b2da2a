"""Contacts in and out (issue 15): a contact's vCard to save in the phone, and contacts from a
.vcf file or the phone's Contact Picker into an account, duplicates offered, not created."""
from __future__ import annotations

import uuid

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for

from webapp.calendar.forms import VCardSaveForm, VCardUploadForm
from webapp.domain.client_ids import ClientIdTaken
from webapp.domain.vcards import LIMITS, CardContact, VCardError, contact_vcard, read_vcards
from webapp.extensions import db
from webapp.queries.access import get_visible_account, get_visible_contact
from webapp.queries.calendars import contacts_named, visible_contacts_with_emails
from webapp.routing import MAX_DATABASE_ID
from webapp.services.capture import CaptureError, ContactDetails, create_contact
from webapp.sessions import login_required

bp = Blueprint("vcards", __name__, url_prefix="/vcards")
MAX_BYTES = 2 * 1024 * 1024
FIELDS = ("name", "title", "phone", "email")


@bp.get("/contacts/<int:contact_id>.vcf")
@login_required
def contact_vcf(contact_id: int):
    contact = get_visible_contact(db.session, g.user, contact_id)
    card = contact_vcard(CardContact(name=contact.name, title=contact.title,
                                     phone=contact.phone, email=contact.email,
                                     organization=contact.account.name))
    response = Response(card.encode("utf-8"), mimetype="text/vcard")
    response.headers["Content-Type"] = "text/vcard; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="contact-{contact.id}.vcf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _account():
    """The account named by account_id (the address, or the form): 404 unless the user sees it."""
    raw = request.values.get("account_id", "")
    if not raw.isdigit() or not 0 < int(raw) <= MAX_DATABASE_ID:
        abort(404)
    return get_visible_account(db.session, g.user, int(raw))


def _upload_page(account, form, status: int = 200):
    return render_template("vcards/import.html", account=account, form=form,
                           max_mb=MAX_BYTES // (1024 * 1024)), status


@bp.get("/import")
@login_required
def import_page():
    return _upload_page(_account(), VCardUploadForm(formdata=None))


def _duplicates(account, cards: list[CardContact]) -> list[str]:
    """For each card, who it may already be ("" when nobody): the same e-mail on any account
    the rep sees, or the same name at this account."""
    by_email = {c.email.lower(): c for c in visible_contacts_with_emails(
        db.session, g.user, [card.email for card in cards])}
    by_name = {c.name.strip().lower(): c for c in contacts_named(db.session, g.user, account)}
    found = []
    for card in cards:
        same = by_email.get(card.email.lower()) if card.email else None
        same = same or by_name.get(card.name.strip().lower())
        found.append(f"{same.name} at {same.account.name}" if same else "")
    return found


@bp.post("/import")
@login_required
def read():
    """Read the file (or the Contact Picker's choice) and show what would be added."""
    account = _account()
    form = VCardUploadForm()
    upload = form.vcf_file.data
    data = b""
    if upload is not None and getattr(upload, "filename", ""):
        data = upload.stream.read(MAX_BYTES + 1)
    elif (form.picked.data or "").strip():
        data = form.picked.data.encode("utf-8")
    if not form.validate() or not data:
        form.vcf_file.errors = list(form.vcf_file.errors) or [
            "Choose a .vcf file (or pick contacts from your phone)."]
        return _upload_page(account, form, 400)
    if len(data) > MAX_BYTES:
        form.vcf_file.errors = [f"This file is larger than {MAX_BYTES // (1024 * 1024)} MB: "
                                "export fewer contacts at a time."]
        return _upload_page(account, form, 413)
    try:
        cards = read_vcards(data)
    except VCardError as error:
        form.vcf_file.errors = [str(error)]
        return _upload_page(account, form, 400)
    save = VCardSaveForm(formdata=None)
    save.client_id.data = str(uuid.uuid4())
    rows = list(zip(cards, _duplicates(account, cards)))
    return render_template("vcards/review.html", account=account, rows=rows, form=save)


@bp.post("/save")
@login_required
def save():
    """Add the ticked contacts to the account. Each gets an id derived from the form's, so a
    second send of the same form adds nobody twice."""
    account = _account()
    form = VCardSaveForm()
    if not form.validate():
        abort(400)
    chosen = request.form.getlist("pick")
    added = 0
    for index in chosen:
        if not index.isdigit() or int(index) > 1000:
            abort(400)
        values = {f: (request.form.get(f"{f}_{index}") or "").strip()[:LIMITS[f]] for f in FIELDS}
        client_id = str(uuid.uuid5(uuid.UUID(form.client_id.data), index))
        try:
            _, created = create_contact(db.session, g.user, account, ContactDetails(**values),
                                        client_id=client_id)
        except CaptureError:
            continue  # a row without a name: nothing to add
        except ClientIdTaken:
            abort(409)
        added += created
    flash(f"{added} contact{'s' if added != 1 else ''} added." if added
          else "Nobody added.", "success")
    return redirect(url_for("accounts.detail", account_id=account.id, _anchor="contacts"), 303)
