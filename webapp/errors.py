"""Error pages: roll back, answer in plain words, never a stack trace."""
from __future__ import annotations

from flask import Flask, g, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, Unauthorized

from webapp.auth.session import needs_sign_in
from webapp.extensions import db


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        db.session.rollback()
        _audit_refused_access(error)
        if request.accept_mimetypes.best == "application/json":
            return {"error": error.name, "description": error.description}, error.code
        return render_template("error.html", error=error), error.code

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError):
        db.session.rollback()
        if g.get("user") is None and needs_sign_in(request.endpoint):
            # No live session sent it (signed out, ended, expired: its cookie and CSRF secret
            # are gone): "sign in, then continue", which the offline outbox acts on, not a
            # form error that would park the write as needing attention.
            return _http_error(Unauthorized())
        return render_template("error.html", error=error,
                               message="This form expired or came from another site. "
                                       "Go back, reload the page and try again."), 400


def _audit_refused_access(error: HTTPException) -> None:
    """A signed-in user refused (403, or the 404 that hides what is not theirs) on a real route
    goes to the audit log; typos of URLs (no route matched) do not."""
    user = g.get("user")
    if user is None or error.code not in (403, 404) or request.url_rule is None:
        return
    from webapp.services.audit import record_now

    try:
        record_now(db.session, user, "access.refused", "route", request.endpoint or "",
                   method=request.method, path=request.path, status=error.code)
    except Exception:  # the refusal itself must still be answered
        db.session.rollback()
