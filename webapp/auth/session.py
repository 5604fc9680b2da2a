"""Who is signed in: loaded once per request into g.user; decorators guard the routes."""
from __future__ import annotations

import functools

from flask import Flask, abort, g, redirect, request, session, url_for

from webapp.extensions import db
from webapp.models import User

PUBLIC_ENDPOINTS = {"static", "auth.login", "pwa.manifest", "pwa.service_worker", "pwa.offline"}


def init_app(app: Flask) -> None:
    @app.before_request
    def _load_user():
        g.user = None
        user_id = session.get("uid")
        if user_id is None:
            return
        user = db.session.get(User, user_id)
        if user is None or not user.active or session.get("sv") != user.session_version:
            session.clear()
            return
        g.user = user

    @app.context_processor
    def _current_user():
        return {"current_user": g.get("user")}


def sign_in(user: User) -> None:
    """A fresh session for this user (never reuse one that existed before sign-in)."""
    session.clear()
    session["uid"] = user.id
    session["sv"] = user.session_version
    session.permanent = True


def sign_out() -> None:
    session.clear()


def login_required(view):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if g.get("user") is None:
            if request.headers.get("HX-Request") == "true" or request.method != "GET":
                abort(401)
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapped


def role_required(*roles: str):
    def decorator(view):
        @functools.wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if g.user.role not in roles:
                abort(404)
            return view(*args, **kwargs)

        return wrapped

    return decorator
