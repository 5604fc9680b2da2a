"""Import and export (managers and admins): upload a CSV, map its columns, check every row,
then import all of it or nothing, with the progress on the page (the work runs in the
background: webapp/imports/runner.py); export what you may see as CSV."""
from __future__ import annotations

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

from webapp.domain.csv_mapping import FIELDS, KIND_LABELS, KINDS
from webapp.extensions import db
from webapp.htmx import render
from webapp.imports.csv_export import csv_lines
from webapp.imports.forms import UploadForm, mapping_form
from webapp.imports.runner import launch
from webapp.models import ImportJob
from webapp.queries.exports import export_batches
from webapp.queries.imports import get_job, recent_jobs
from webapp.services import exports as export_service
from webapp.services import imports as import_service
from webapp.sessions import role_required

bp = Blueprint("imports", __name__, url_prefix="/imports")
MANAGERS = ("manager", "admin")
EXPORT_TICKET_SECONDS = 120


@bp.route("/", methods=["GET", "POST"])
@role_required(*MANAGERS)
def index():
    form = UploadForm()
    status = 200
    if form.validate_on_submit():
        upload = form.file.data
        try:
            job_id, token = import_service.save_upload(
                db.session, g.user, upload.stream, upload.filename,
                kind=None if form.kind.data == "auto" else form.kind.data)
        except import_service.UploadRefused as error:
            form.file.errors.append(str(error))
        else:
            launch(job_id)
            return redirect(url_for(".review", token=token), 303)
    if form.is_submitted():
        status = 400
    return render("imports/index.html", "imports/index.html", status, form=form,
                  kinds=KIND_LABELS, jobs=recent_jobs(db.session, g.user),
                  max_mb=(current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024))


def _job(token: str) -> ImportJob:
    return get_job(db.session, g.user, token) or abort(404)


@bp.route("/<token>", methods=["GET", "POST"])
@role_required(*MANAGERS)
def review(token: str):
    job = _job(token)
    if request.method == "POST" and request.form.get("action") == "resume":
        job_id = job.id
        import_service.resume(db.session, job)
        launch(job_id)
        return redirect(url_for(".review", token=token), 303)
    if job.running and request.method == "GET":  # polled every second: only the progress
        return _page(job, form=None)
    owners = import_service.assignable_owners(db.session, g.user)
    form = mapping_form(job.kind, job.headers, job.mapping, owners,
                        allow_no_owner=g.user.is_admin)
    if request.method == "GET":
        form.default_owner.data = job.default_owner_id or 0
        form.date_order.data = "dmy" if job.day_first else "mdy"
    elif form.validate_on_submit():
        return _act(job, form)
    return _page(job, form, status=400 if form.is_submitted() else 200)


def _page(job: ImportJob, form, status: int = 200):
    return render("imports/review.html", "imports/_job.html", status, job=job, form=form,
                  result=import_service.Review.from_dict(job.result),
                  stale=import_service.is_stale(job), labels=FIELDS[job.kind],
                  shown=_preview_columns(job), kind_label=KIND_LABELS[job.kind])


def _act(job: ImportJob, form):
    """Import, or check again with the chosen columns and options."""
    action, job_id, token = request.form.get("action", "check"), job.id, job.token
    mapping = [c.data for c in form.columns()]
    options = dict(mapping=mapping, day_first=form.date_order.data == "dmy",
                   default_owner_id=(form.default_owner.data or None) if job.kind == "accounts"
                   else job.default_owner_id)
    unchanged = (mapping == job.mapping and options["day_first"] == job.day_first
                 and options["default_owner_id"] == job.default_owner_id)
    try:
        if action == "import" and unchanged:
            import_service.start_import(db.session, job)
        else:
            if action == "import":
                flash("The columns or options changed: the file is checked again. Import "
                      "when the check is done.")
            import_service.choose(db.session, job, **options)
    except import_service.JobBusy as busy:
        flash(str(busy))
    else:
        launch(job_id)
    return redirect(url_for(".review", token=token), 303)


def _preview_columns(job: ImportJob) -> list[str]:
    """The fields the preview table shows: the mapped ones, plus who owns and which account."""
    mapped = set(job.mapping)
    if mapped & {"first_name", "last_name"}:
        mapped.add("name")
    if job.kind != "contacts":
        mapped.add("owner")
    if job.kind != "accounts":
        mapped.add("account_name")
    return [f for f in FIELDS[job.kind]
            if f in mapped and f not in ("first_name", "last_name", "account_external_id")]


@bp.post("/<token>/discard")
@role_required(*MANAGERS)
def discard(token: str):
    job = _job(token)
    try:
        import_service.discard(db.session, job)
    except import_service.JobBusy as busy:
        flash(str(busy))
        return redirect(url_for(".review", token=token), 303)
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
    # Read page by page while the body is sent (export_batches says why not one cursor).
    rows = export_batches(db.session, kind, g.user)
    response = Response(stream_with_context(csv_lines(kind, rows)), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="groundwork-{kind}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response
