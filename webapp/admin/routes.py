"""Admin pages: users (invite, role, manager, deactivate, reset a password) and the audit log
(read-only)."""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from webapp.admin.audit_text import describe, mentioned_ids
from webapp.admin.forms import NewUserForm, ResetPasswordForm, UserRoleForm
from webapp.extensions import db
from webapp.models import User
from webapp.queries.admin import (
    AUDIT_PAGE_SIZE,
    audit_events,
    names_for,
    users_for_admin,
)
from webapp.queries.users import active_managers, user_by_id
from webapp.services.users import (
    UserError,
    change_user,
    invite_user,
    password_reset_refusal,
    set_active,
)
from webapp.services.users import reset_password as reset_password_service
from webapp.sessions import role_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _admins_only():
    """Belt and braces: every admin route is refused to non-admins even if a decorator is
    forgotten (a 404 like everywhere else, written to the audit log)."""
    user = g.get("user")
    if user is not None and not user.is_admin:
        abort(404)


def _show_error(form, error: UserError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = list(field.errors) + [str(error)]
    else:
        form.form_errors.append(str(error))


@bp.get("/users")
@role_required("admin")
def users():
    rows = users_for_admin(db.session)
    return render_template("admin/users.html", rows=rows)


@bp.route("/users/new", methods=["GET", "POST"])
@role_required("admin")
def new_user():
    form = NewUserForm()
    form.set_managers(active_managers(db.session))
    if form.validate_on_submit():
        try:
            user = invite_user(db.session, g.user, email=form.email.data, name=form.name.data,
                               role=form.role.data, manager_id=form.manager_id.data,
                               password=form.password.data or None)
        except UserError as error:
            db.session.rollback()
            _show_error(form, error)
        else:
            return redirect(url_for("admin.users", created=user.id), 303)
    status = 400 if request.method == "POST" else 200
    return render_template("admin/new_user.html", form=form), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@role_required("admin")
def edit_user(user_id: int):
    user = user_by_id(db.session, user_id) or abort(404)
    form = UserRoleForm(obj=user)
    form.set_managers(active_managers(db.session), exclude_id=user.id)
    if form.validate_on_submit():
        try:
            change_user(db.session, g.user, user, role=form.role.data,
                        manager_id=form.manager_id.data)
        except UserError as error:
            db.session.rollback()
            _show_error(form, error)
        else:
            return redirect(url_for("admin.users"), 303)
    status = 400 if request.method == "POST" else 200
    return render_template("admin/edit_user.html", form=form, user=user,
                           can_reset_password=_can_reset_password(user)), status


@bp.post("/users/<int:user_id>/active")
@role_required("admin")
def set_user_active(user_id: int):
    user = user_by_id(db.session, user_id) or abort(404)
    active = request.form.get("active") == "1"
    try:
        set_active(db.session, g.user, user, active)
    except UserError as error:
        db.session.rollback()
        form = UserRoleForm(obj=user)
        form.set_managers(active_managers(db.session), exclude_id=user.id)
        form.form_errors.append(str(error))
        return render_template("admin/edit_user.html", form=form, user=user,
                               can_reset_password=_can_reset_password(user)), 400
    return redirect(url_for("admin.users"), 303)


def _local_login() -> bool:
    return current_app.config.get("LOCAL_LOGIN_ENABLED", True)


def _can_reset_password(user: User) -> bool:
    return password_reset_refusal(g.user, user, local_login=_local_login()) is None


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@role_required("admin")
def reset_password(user_id: int):
    """Give a user who signs in with a password a one-time password (typed, or made up and
    shown once); they must replace it at their next sign-in, and every session of theirs ends.
    A generated password is shown in this answer itself (no-store, like every admin page),
    never put in a redirect or the session cookie."""
    user = user_by_id(db.session, user_id) or abort(404)
    if not _can_reset_password(user):
        abort(404)  # company sign-in only (or themselves): nothing to reset here
    form = ResetPasswordForm()
    if form.validate_on_submit():
        typed = form.password.data or None
        try:
            password = reset_password_service(db.session, g.user, user, password=typed,
                                              local_login=_local_login())
        except UserError as error:
            db.session.rollback()
            _show_error(form, error)
        else:
            if typed:
                flash(f"{user.name}'s password was reset and their sessions ended. They choose "
                      "their own when they next sign in.", "success")
                return redirect(url_for("admin.edit_user", user_id=user.id), 303)
            return render_template("admin/reset_password_done.html", user=user,
                                   password=password)
    status = 400 if request.method == "POST" else 200
    return render_template("admin/reset_password.html", form=form, user=user), status


@bp.get("/audit")
@role_required("admin")
def audit():
    before = request.args.get("before", type=int)
    action = (request.args.get("action") or "").strip()[:64] or None
    rows = audit_events(db.session, before, action)
    users, accounts = names_for(db.session, *mentioned_ids(row.AuditEvent for row in rows))
    lines = [(row.AuditEvent, describe(row.AuditEvent, row.actor_name, row.actor_email,
                                       row.target_name, users, accounts)) for row in rows]
    return render_template("admin/audit.html", lines=lines, action=action or "",
                           older=rows[-1].AuditEvent.id if len(rows) >= AUDIT_PAGE_SIZE else None)
