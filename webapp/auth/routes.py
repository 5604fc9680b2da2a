"""Sign in and sign out with a local account."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, g, redirect, render_template, request, url_for
from sqlalchemy import select

from webapp.auth.forms import SignInForm
from webapp.auth.passwords import hash_password, needs_rehash, verify_password
from webapp.auth.session import sign_in, sign_out
from webapp.extensions import db
from webapp.models import User

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only local paths: never redirect a signed-in rep to another site."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return url_for("today.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target:
        return url_for("today.index")
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = SignInForm(next=request.args.get("next", ""))
    error = None
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = db.session.scalar(select(User).where(User.email == email))
        ok = verify_password(user.password_hash if user else None, form.password.data)
        if ok and user.active:
            if needs_rehash(user.password_hash):
                user.password_hash = hash_password(form.password.data)
                db.session.commit()
            sign_in(user)
            return redirect(_safe_next(form.next.data), 303)
        # Same answer whether the e-mail exists or not.
        error = "That e-mail and password don't match an active account."
    status = 401 if error else (400 if form.errors else 200)
    return render_template("auth/login.html", form=form, error=error), status


@bp.route("/logout", methods=["POST"])
def logout():
    sign_out()
    return redirect(url_for("auth.login"), 303)


@bp.app_context_processor
def _signed_in_helpers():
    return {"signed_in": g.get("user") is not None}
