"""Import and export (managers and admins): upload a CSV, map its columns, check every row,
then import all of it or nothing; export what you may see as CSV."""
from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    request,
    stream_with_context,
    url_for,
)
from itsdangerous import BadSignature, URLSafeTimedSerializer

from webapp.auth.session import role_required
from webapp.extensions import db
from webapp.htmx import render
from webapp.imports.csv_export import csv_lines
from webapp.imports.forms import UploadForm, mapping_form
from webapp.imports.mapping import FIELDS, KIND_LABELS, KINDS
from webapp.queries.exports import export_rows
from webapp.services import exports as export_service
from webapp.services import imports as import_service

bp = Blueprint("imports", __name__, url_prefix="/imports")
MANAGERS = ("manager", "admin")
EXPORT_TICKET_SECONDS = 120


def _folder() -> Path:
    return Path(current_app.instance_path) / "imports"


@bp.route("/", methods=["GET", "POST"])
@role_required(*MANAGERS)
def index():
    form = UploadForm()
    status = 200
    if form.validate_on_submit():
        upload = form.file.data
        try:
            saved = import_service.save_upload(
                _folder(), g.user, upload.stream, upload.filename,
                kind=None if form.kind.data == "auto" else form.kind.data)
        except import_service.UploadRefused as error:
            form.file.errors.append(str(error))
        else:
            return redirect(url_for(".review", token=saved.token), 303)
    if form.is_submitted():
        status = 400
    return render("imports/index.html", "imports/index.html", status, form=form,
                  kinds=KIND_LABELS,
                  max_mb=(current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024))


def _upload(token: str) -> import_service.Upload:
    return import_service.load_upload(_folder(), token, g.user) or abort(404)


@bp.route("/<token>", methods=["GET", "POST"])
@role_required(*MANAGERS)
def review(token: str):
    upload = _upload(token)
    owners = import_service.assignable_owners(db.session, g.user)
    form = mapping_form(upload.kind, upload.headers, upload.mapping, owners,
                        allow_no_owner=g.user.is_admin)
    if upload.default_owner_id is None and not g.user.is_admin and owners:
        # What the select shows before a choice is made, so the check matches it (not saved).
        upload.default_owner_id = owners[0].id
    if request.method == "GET":
        form.default_owner.data = upload.default_owner_id or 0
        form.date_order.data = "dmy" if upload.day_first else "mdy"
    status = 200
    if form.validate_on_submit():
        upload = import_service.choose(
            upload, mapping=[c.data for c in form.columns()],
            day_first=form.date_order.data == "dmy",
            default_owner_id=form.default_owner.data or None)
        if request.form.get("action") != "import":
            return redirect(url_for(".review", token=token), 303)
        try:
            done = import_service.import_upload(db.session, g.user, upload)
        except import_service.ImportRejected as rejected:
            result, status = rejected.review, 400
        else:
            import_service.discard_upload(upload)
            flash(f"Imported {KIND_LABELS[upload.kind].lower()}: {done.new} new, "
                  f"{done.updated} updated, {done.unchanged} unchanged.")
            return redirect(url_for(".index"), 303)
    else:
        if form.is_submitted():
            status = 400
        result = import_service.review_upload(db.session, g.user, upload)
    return render("imports/review.html", "imports/review.html", status, upload=upload,
                  form=form, result=result, labels=FIELDS[upload.kind],
                  shown=_preview_columns(upload),
                  kind_label=KIND_LABELS[upload.kind])


def _preview_columns(upload: import_service.Upload) -> list[str]:
    """The fields the preview table shows: the mapped ones, plus who owns and which account."""
    mapped = set(upload.mapping)
    if mapped & {"first_name", "last_name"}:
        mapped.add("name")
    if upload.kind != "contacts":
        mapped.add("owner")
    if upload.kind != "accounts":
        mapped.add("account_name")
    return [f for f in FIELDS[upload.kind]
            if f in mapped and f not in ("first_name", "last_name", "account_external_id")]


@bp.post("/<token>/discard")
@role_required(*MANAGERS)
def discard(token: str):
    import_service.discard_upload(_upload(token))
    flash("Upload discarded: nothing was imported.")
    return redirect(url_for(".index"), 303)


# --- export -----------------------------------------------------------------------------------
# The POST records the export in the audit log, then sends the browser to a GET that streams
# the file with a short-lived ticket: a GET never writes, and a stream that reads for a while
# must not hold a write transaction (SQLite takes the write lock for every non-GET request).

def _tickets() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="groundwork-export")


@bp.post("/export/<kind>.csv")
@role_required(*MANAGERS)
def export_request(kind: str):
    if kind not in KINDS:
        abort(404)
    export_service.record_export(db.session, g.user, kind)
    ticket = _tickets().dumps({"user": g.user.id, "kind": kind})
    return redirect(url_for(".export", kind=kind, ticket=ticket), 303)


@bp.get("/export/<kind>.csv")
@role_required(*MANAGERS)
def export(kind: str):
    if kind not in KINDS:
        abort(404)
    try:
        ticket = _tickets().loads(request.args.get("ticket", ""), max_age=EXPORT_TICKET_SECONDS)
    except BadSignature:
        ticket = None
    if ticket != {"user": g.user.id, "kind": kind}:
        flash("Choose the export again: downloads are recorded and start from this page.")
        return redirect(url_for(".index"), 303)
    user = g.user
    rows = db.session.execute(export_rows(kind, user).execution_options(yield_per=1000))
    response = Response(stream_with_context(csv_lines(kind, (r._mapping for r in rows))),
                        mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="groundwork-{kind}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response
