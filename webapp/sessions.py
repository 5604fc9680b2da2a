"""Who is signed in: loaded once per request into g.user; decorators guard the routes.

A session is a signed cookie holding a random session id, the user's session_version and
two timestamps (signed in, last seen). It is valid only while
- its server-side row (UserSession) has not been ended (sign-out),
- the user is active and their session_version is unchanged (deactivation, "sign out
  everywhere"),
- it was used within SESSION_IDLE_MINUTES and is younger than SESSION_ABSOLUTE_HOURS.
A GET never writes: only the cookie's "last seen" is refreshed.

No database round trip per request: each app process keeps what it read (the user and the
session row, by the token's hash) for SESSION_CACHE_SECONDS (default 60). Revocation stays
immediate: every commit that changes a user or a session row (sign-out, deactivation, sign out
everywhere, a password or role change) bumps a revocation epoch, a file in the instance folder
whose modification time every request reads (a stat, no I/O); an entry read under an older
epoch is read again from the database. Several app servers must share the instance folder,
or set SESSION_CACHE_SECONDS=0 to read the session from the database on every request.
"""
from __future__ import annotations

import functools
import hashlib
import os
import secrets
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import Flask, abort, current_app, g, redirect, request, session, url_for
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import make_transient_to_detached

from webapp.clock import utcnow
from webapp.extensions import db
from webapp.htmx import briefcase_fetch, htmx_request, outbox_replay
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
        row = _cached_session(app, _hash(token))
        now = _epoch(utcnow())
        if row is None or not _still_valid(row[0], row[1], now, app):
            session.clear()
            g.session_expired = True
            return
        g.user, g.user_session = row
        # Keep the cookie stable within a minute, and untouched by the briefcase's background
        # fetches: a response re-sends the cookie only when the session changed, so a request
        # running alongside the user's cannot overwrite a message (flash) just set for them.
        if now - session.get("seen", 0) >= 60 and not briefcase_fetch():
            session["seen"] = now

    # First of all, before CSRFProtect's check: a write refused for its token must still be
    # told apart by whether a live session sent it (errors.py answers 401 when none did).
    app.before_request_funcs[None].remove(_load_user)
    app.before_request_funcs[None].insert(0, _load_user)

    @app.context_processor
    def _current_user():
        return {"current_user": g.get("user"), "briefcase_fetch": briefcase_fetch,
                "outbox_replay": outbox_replay}


# ---- the per-process session cache and its revocation epoch ---------------------------------

REVOCATION_FILE = "session_revocations"
_CACHE_LIMIT = 10_000


def _revocation_epoch(app: Flask) -> int:
    try:
        return os.stat(Path(app.instance_path) / REVOCATION_FILE).st_mtime_ns
    except FileNotFoundError:
        return 0


def bump_revocation_epoch(app: Flask) -> None:
    """Every process reads its cached sessions again from the database (revocation)."""
    path = Path(app.instance_path) / REVOCATION_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    previous = _revocation_epoch(app)
    path.write_text(str(time.time_ns()))
    if _revocation_epoch(app) <= previous:  # a coarse file system clock: move it on by hand
        os.utime(path, ns=(previous + 1, previous + 1))
    app.extensions.setdefault("session_cache", {}).clear()


def _columns(obj) -> dict:
    return {attr.key: getattr(obj, attr.key) for attr in inspect(obj).mapper.column_attrs}


def _attached(model, columns: dict):
    """A persistent instance in this request's session, from cached columns, without SQL."""
    obj = model(**columns)
    make_transient_to_detached(obj)
    return db.session.merge(obj, load=False)


def _cached_session(app: Flask, token_hash: str):
    """(User, UserSession) for the token, from the process cache or the database."""
    ttl = app.config.get("SESSION_CACHE_SECONDS", 60)
    cache = app.extensions.setdefault("session_cache", {})
    epoch = _revocation_epoch(app)
    entry = cache.get(token_hash)
    if entry and entry[0] == epoch and time.monotonic() - entry[1] < ttl:
        return _attached(User, entry[2]), _attached(UserSession, entry[3])
    row = db.session.execute(
        select(User, UserSession)
        .join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.token_hash == token_hash)
    ).first()
    if row is None:
        cache.pop(token_hash, None)
        return None
    _remember(app, token_hash, row.User, row.UserSession, epoch)
    return row.User, row.UserSession


def _remember(app: Flask, token_hash: str, user: User, row: UserSession,
              epoch: int | None = None) -> None:
    if app.config.get("SESSION_CACHE_SECONDS", 60) <= 0:
        return
    cache = app.extensions.setdefault("session_cache", {})
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    epoch = _revocation_epoch(app) if epoch is None else epoch
    cache[token_hash] = (epoch, time.monotonic(), _columns(user), _columns(row))


@event.listens_for(OrmSession, "after_flush")
def _note_revocations(db_session, _flush_context):
    for obj in list(db_session.dirty) + list(db_session.deleted):
        if isinstance(obj, (User, UserSession)):
            db_session.info["gw_revoke"] = True
            return


@event.listens_for(OrmSession, "do_orm_execute")
def _note_bulk_revocations(state):
    if (state.is_update or state.is_delete) and any(
            m.class_ in (User, UserSession) for m in state.all_mappers):
        state.session.info["gw_revoke"] = True


@event.listens_for(OrmSession, "after_commit")
def _revoke_after_commit(db_session):
    if db_session.info.pop("gw_revoke", False):
        try:
            bump_revocation_epoch(current_app._get_current_object())
        except RuntimeError:  # no app context (a script): nothing is cached there
            pass


@event.listens_for(OrmSession, "after_rollback")
def _forget_after_rollback(db_session):
    db_session.info.pop("gw_revoke", None)


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
    row = UserSession(token_hash=_hash(token), user_id=user.id, method=method,
                      created_at=utcnow())
    db.session.add(row)
    db.session.commit()
    _remember(current_app._get_current_object(), row.token_hash, user, row)
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


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _epoch(moment: datetime) -> int:
    return int(moment.replace(tzinfo=UTC).timestamp())


def needs_sign_in(endpoint: str | None) -> bool:
    """Whether the view of `endpoint` is only for signed-in users (login_required)."""
    view = current_app.view_functions.get(endpoint or "")
    return bool(getattr(view, "needs_sign_in", False))


def login_required(view):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if g.get("user") is None:
            # htmx and the offline outbox get a 401 they can act on (ask the rep to sign in,
            # keep the queued writes); a page load gets the sign-in form.
            if htmx_request() or request.method != "GET":
                abort(401)
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    wrapped.needs_sign_in = True
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
