"""Sign in (local password or the company's identity provider) and sign out."""
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
    session,
    url_for,
)
from flask_limiter.util import get_remote_address

from webapp.auth import oidc
from webapp.auth.forms import ChangePasswordForm, SignInForm
from webapp.database import reading
from webapp.extensions import db, limiter
from webapp.passwords import hash_password, needs_rehash, verify_password
from webapp.queries.users import user_by_email
from webapp.routing import local_path
from webapp.services.audit import record, record_now
from webapp.services.users import UserError, change_password, sign_out_everywhere
from webapp.sessions import login_required, sign_in, sign_out

bp = Blueprint("auth", __name__)

NO_MATCH = "That e-mail and password don't match an active account."
TOO_MANY = "Too many failed sign-ins. Wait 15 minutes, then try again."


def _safe_next(target: str | None) -> str:
    """Only local paths: never redirect a signed-in rep to another site."""
    return local_path(target) or url_for("today.index")


def _typed_email() -> str:
    """The rate-limit key per account: whatever e-mail was typed, known or not (same answer)."""
    return "signin-email:" + (request.form.get("email") or "").strip().lower()[:254]


def _failed(response) -> bool:
    return response.status_code == 401


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], key_func=_typed_email,
               methods=["POST"], deduct_when=_failed, error_message=TOO_MANY,
               scope="login-account")
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], key_func=get_remote_address,
               methods=["POST"], deduct_when=_failed, error_message=TOO_MANY,
               scope="login-address")
def login():
    local = current_app.config.get("LOCAL_LOGIN_ENABLED", True)
    if request.method == "POST" and not local:
        abort(404)
    form = SignInForm(next=request.args.get("next", ""))
    error = None
    if local and form.validate_on_submit():
        email = form.email.data.strip().lower()
        # Look the user up in a read transaction and end it before the (deliberately slow)
        # password check: on SQLite a write transaction would hold the one write lock meanwhile.
        db.session.commit()  # whatever began this request: the lookup below starts afresh
        with reading():
            user = user_by_email(db.session, email)
            password_hash = user.password_hash if user else None
            db.session.commit()
        ok = verify_password(password_hash, form.password.data)
        if ok and user.active:
            if needs_rehash(user.password_hash):
                user.password_hash = hash_password(form.password.data)
            record(db.session, user, "auth.sign_in", "user", user.id, method="password")
            sign_in(user, method="password")  # commits the rehash and the audit event too
            return redirect(_safe_next(form.next.data), 303)
        # Same answer whether the e-mail exists or not.
        error = NO_MATCH
        record_now(db.session, user.id if user else None, "auth.sign_in_failed", "user",
                   user.id if user else "", method="password", email=email,
                   reason="inactive" if ok else "no_match")
    status = 401 if error else (400 if form.errors else 200)
    return render_template("auth/login.html", form=form, error=error, local_login=local,
                           oidc_enabled=oidc.enabled(),
                           oidc_label=current_app.config.get("OIDC_BUTTON_LABEL")), status


@bp.get("/login/oidc")
def oidc_start():
    """Off to the company's identity provider (a plain link: works without JS)."""
    if not oidc.enabled():
        abort(404)
    oidc.forget_pending_requests()
    next_path = _safe_next(request.args.get("next"))
    response = oidc.authorization_redirect(url_for("auth.oidc_callback", _external=True))
    session["oidc_next"] = next_path
    return response


@bp.get("/login/oidc/callback")
def oidc_callback():
    if not oidc.enabled():
        abort(404)
    next_path = session.pop("oidc_next", None)
    try:
        user = oidc.complete_sign_in()
    except oidc.OidcRefused as refusal:
        db.session.rollback()
        oidc.audit_refusal(refusal)
        local = current_app.config.get("LOCAL_LOGIN_ENABLED", True)
        return render_template("auth/login.html", form=SignInForm(), error=refusal.message,
                               local_login=local, oidc_enabled=True,
                               oidc_label=current_app.config.get("OIDC_BUTTON_LABEL")), 401
    record(db.session, user, "auth.sign_in", "user", user.id, method="oidc")
    sign_in(user, method="oidc")
    return redirect(_safe_next(next_path), 303)


@bp.route("/logout", methods=["POST"])
def logout():
    if g.get("user") is not None:
        record(db.session, g.user, "auth.sign_out", "user", g.user.id)
    sign_out()
    return redirect(url_for("auth.login"), 303)


@bp.post("/logout/everywhere")
@login_required
def logout_everywhere():
    """End every session of the signed-in user: this phone, the laptop, a lost tablet."""
    sign_out_everywhere(db.session, g.user)
    sign_out()
    return redirect(url_for("auth.login"), 303)


def _password_key() -> str:
    return f"password-change:{g.user.id}" if g.get("user") else "password-change:anonymous"


@bp.route("/account/password", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], key_func=_password_key,
               methods=["POST"], deduct_when=lambda r: r.status_code == 400,
               error_message=TOO_MANY, scope="password-change")
@login_required
def change_password_page():
    """Change a local password: the current one, the new one twice. Every other session ends;
    this browser gets a fresh session. Also where a temporary password must be replaced."""
    if g.user.password_hash is None:
        abort(404)  # company sign-in only: the password lives with the identity provider
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            change_password(db.session, g.user, current=form.current_password.data,
                            new=form.new_password.data, repeated=form.repeat_password.data)
        except UserError as error:
            db.session.rollback()
            target = getattr(form, error.field or "", None) or form.new_password
            target.errors = list(target.errors) + [str(error)]
        else:
            sign_in(g.user, method="password")
            flash("Password changed. You are signed out everywhere else.", "success")
            return redirect(_safe_next(request.args.get("next")), 303)
    status = 400 if request.method == "POST" else 200
    return render_template("auth/change_password.html", form=form,
                           forced=g.user.must_change_password), status
