"""Error pages: roll back, answer in plain words, never a stack trace."""
from __future__ import annotations

from flask import Flask, g, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import BadHost, HTTPException, ServiceUnavailable, Unauthorized

from webapp.extensions import db
from webapp.sessions import needs_sign_in


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        db.session.rollback()
        if isinstance(error, BadHost):
            # No address can be built for a host that is not a host name (a label over 63
            # characters, an empty one), so not the page either: plain words.
            return "Bad request: that is not a valid host name.", 400, {
                "Content-Type": "text/plain; charset=utf-8"}
        _audit_refused_access(error)
        if request.accept_mimetypes.best == "application/json":
            return {"error": error.name, "description": error.description}, error.code
        return render_template("error.html", error=error), error.code

    @app.errorhandler(DBAPIError)
    def _database_error(error: DBAPIError):
        if not _connection_lost(error):
            raise error  # a bug, not an outage: the usual 500, logged
        db.session.rollback()  # the dropped connection is discarded, the pool refreshed
        request.environ[RETRY_READ] = True
        return _unavailable()

    app.wsgi_app = RetryReadOnce(app.wsgi_app)

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


# --- the database went away (a PostgreSQL restart, a failover, a dropped connection) ---------
# Connections in the pool die with the server's restart. The first request to use one fails
# with a disconnect; SQLAlchemy then discards every pooled connection of that age. A read is
# run again once, on a fresh connection; a write answers 503 and is sent again by the rep's
# outbox, where its idempotency key (client_id) makes a second arrival change nothing.
RETRY_READ = "groundwork.retry_read"


def _connection_lost(error: DBAPIError) -> bool:
    return error.connection_invalidated or isinstance(error, OperationalError)


def _unavailable():
    message = "The database did not answer. Try again in a moment: nothing was lost."
    error = ServiceUnavailable()
    try:
        body = render_template("error.html", error=error, message=message)
    except Exception:  # the page itself may need the database
        db.session.rollback()
        body = message
    return body, 503, {"Retry-After": "2"}


class RetryReadOnce:
    """WSGI middleware: a GET or HEAD that found its database connection dropped (the error
    handler above marks it) runs once more from the start; the second answer is final."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return self.wsgi_app(environ, start_response)
        answered = []
        body = self.wsgi_app(environ, lambda *args: answered.append(args))
        if environ.pop(RETRY_READ, False):
            if hasattr(body, "close"):
                body.close()
            return self.wsgi_app(environ, start_response)
        start_response(*answered[0])
        return body


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
