"""Who is signed in: loaded once per request into g.user; decorators guard the routes.

A session is a signed cookie holding a random session id, the user's session_version and
two timestamps (signed in, last seen). It is valid only while
- its server-side row (UserSession) has not been ended (sign-out),
- the user is active and their session_version is unchanged (deactivation, "sign out
  everywhere"),
- it was used within SESSION_IDLE_MINUTES and is younger than SESSION_ABSOLUTE_HOURS.
Checking costs one query per request (the user joined with the session row); a GET never
writes: only the cookie's "last seen" is refreshed.
"""
from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from flask import Flask, abort, g, redirect, request, session, url_for
from sqlalchemy import select, update

from webapp.clock import utcnow
from webapp.extensions import db
from webapp.htmx import briefcase_fetch
from webapp.models import User, UserSession


# The same for everyone and cached by content: they never read the session, so their answers
# carry no `Vary: Cookie` (a cookie-less fetch by the service worker revalidates the same copy).
PUBLIC_ASSETS = {"sync.outbox_script", "pwa.service_worker", "pwa.manifest", "static"}


def init_app(app: Flask) -> None:
    _configure_cookie(app)

    @app.before_request
    def _load_user():
        g.user = None
        g.user_session = None
        g.session_expired = False
        if request.endpoint in PUBLIC_ASSETS:
            return
        token = session.get("sid")
        if token is None:
            if "uid" in session:  # a cookie from before server-side sessions
                session.clear()
            return
        row = db.session.execute(
            select(User, UserSession)
            .join(UserSession, UserSession.user_id == User.id)
            .where(UserSession.token_hash == _hash(token))
        ).first()
        now = _epoch(utcnow())
        if row is None or not _still_valid(row.User, row.UserSession, now, app):
            session.clear()
            g.session_expired = True
            return
        g.user = row.User
        g.user_session = row.UserSession
        # Keep the cookie stable within a minute, and untouched by the briefcase's background
        # fetches: a response re-sends the cookie only when the session changed, so a request
        # running alongside the user's cannot overwrite a message (flash) just set for them.
        if now - session.get("seen", 0) >= 60 and not briefcase_fetch():
            session["seen"] = now

    @app.context_processor
    def _current_user():
        return {"current_user": g.get("user"), "briefcase_fetch": briefcase_fetch}


def _configure_cookie(app: Flask) -> None:
    """`__Host-` prefix when the cookie is Secure (browsers drop a __Host- cookie that isn't)."""
    secure = app.config.get("SESSION_COOKIE_SECURE", False)
    name = app.config.get("SESSION_COOKIE_NAME")
    if not name or name == "session":
        name = "__Host-groundwork" if secure else "groundwork"
    if name.startswith("__Host-") and (not secure or app.config.get("SESSION_COOKIE_DOMAIN")):
        raise RuntimeError("A __Host- session cookie needs SESSION_COOKIE_SECURE=1 and no domain.")
    app.config["SESSION_COOKIE_NAME"] = name
    app.config["SESSION_COOKIE_PATH"] = "/"
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    # Send the cookie only when the session changed (see "seen" above), not on every answer.
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    # The browser forgets the cookie at the absolute timeout; the server enforces both anyway.
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(
        hours=app.config.get("SESSION_ABSOLUTE_HOURS", 720))


def _still_valid(user: User, row: UserSession, now: int, app: Flask) -> bool:
    if row.ended_at is not None or not user.active:
        return False
    if session.get("uid") != user.id or session.get("sv") != user.session_version:
        return False
    idle = app.config.get("SESSION_IDLE_MINUTES", 20160) * 60
    absolute = app.config.get("SESSION_ABSOLUTE_HOURS", 720) * 3600
    return now - session.get("seen", 0) < idle and now - session.get("iat", 0) < absolute


def sign_in(user: User, method: str = "password") -> None:
    """A fresh session for this user (never reuse one that existed before sign-in); commits."""
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(token_hash=_hash(token), user_id=user.id, method=method,
                               created_at=utcnow()))
    db.session.commit()
    session.clear()
    now = _epoch(utcnow())
    session["sid"] = token
    session["uid"] = user.id
    session["sv"] = user.session_version
    session["iat"] = now
    session["seen"] = now
    session.permanent = True


def sign_out() -> None:
    """End this browser's session on the server too: a copy of the cookie is worthless after."""
    current = g.get("user_session")
    if current is not None:
        current.ended_at = utcnow()
        current.ended_reason = "signed_out"
        db.session.commit()
    session.clear()


def end_all_sessions(db_session, user: User, reason: str) -> None:
    """End every session of `user` now (deactivation, sign-out everywhere); no commit."""
    user.session_version = (user.session_version or 0) + 1
    db_session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), ended_reason=reason[:32])
    )


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _epoch(moment: datetime) -> int:
    return int(moment.replace(tzinfo=UTC).timestamp())


def login_required(view):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if g.get("user") is None:
            # htmx and the offline outbox get a 401 they can act on (ask the rep to sign in,
            # keep the queued writes); a page load gets the sign-in form.
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
