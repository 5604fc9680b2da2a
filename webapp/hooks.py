"""App-wide request hooks, in the order they run after the CSRF check and after g.user is
loaded (both registered earlier in create_app): a temporary password is changed first, then a
write seen before gets its original answer; the client's address is handed to the audit log.
After the view: a confirmed write's answer is added to the replay ledger, and the request's
transaction is committed (a success) or rolled back (a refusal) in one place.
"""
from __future__ import annotations

from flask import (
    Flask,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import Forbidden

from webapp.domain.client_ids import parse_client_id
from webapp.extensions import db
from webapp.htmx import client_redirect, htmx_request
from webapp.services.audit import CLIENT_ADDRESS
from webapp.services.sync import original_answer, remember_answer


def init_app(app: Flask) -> None:
    app.before_request(_client_address_for_audit)
    app.before_request(_password_change_first)
    app.before_request(_answer_repeated_write)
    app.after_request(_end_transaction)  # after-request hooks run last-registered first,
    app.after_request(_remember_write)   # so the ledger row is added before the commit


def _client_address_for_audit():
    """The audit log records where a change came from; services never read the request, so the
    address travels with the request's database session (request.remote_addr is the
    proxy-corrected address when TRUSTED_PROXIES is set)."""
    db.session.info[CLIENT_ADDRESS] = (request.remote_addr or "")[:64]


# While a temporary password is pending, these still answer (sign-out, the change itself,
# static files, the app shell and the offline sync endpoints).
_OPEN_WHILE_PENDING = {"auth.change_password_page", "auth.logout", "auth.logout_everywhere",
                       "auth.login", "static"}
_OPEN_BLUEPRINTS_WHILE_PENDING = {"pwa", "sync"}
# Writes the offline outbox replays (forms marked data-outbox). They are accepted while a
# password change is pending: they are the rep's own work on their own accounts, checked like
# any write, and the outbox treats any redirect as "confirmed" and deletes its copy, so sending
# them to the change page would lose them. Every other write is refused with a 403.
REPLAYABLE_WRITES = {"meetings.new", "notes.new", "notes.file", "opportunities.update",
                     "opportunities.close", "opportunities.reopen", "meetings.resolve_commitment",
                     # field capture (issue 10 item 12)
                     "accounts.new", "contacts.new", "contacts.update", "opportunities.new",
                     # customer success and cascade (issue 14 items 4 and 6)
                     "success.update", "success.ask",
                     # check-in / check-out (issue 15 item 3)
                     "checkins.check_in", "checkins.check_out", "checkins.resolve",
                     # people across companies and old lists (issue 14)
                     "people.move", "people.touch", "people.mark",
                     # vendor pals and intel (issue 14 item 3)
                     "intel.new", "intel.pals", "intel.pal_meeting"}


def _password_change_first():
    """A user with a temporary password changes it before using the app."""
    user = g.get("user")
    endpoint = request.endpoint or ""
    if user is None or not user.must_change_password or endpoint in _OPEN_WHILE_PENDING \
            or endpoint.partition(".")[0] in _OPEN_BLUEPRINTS_WHILE_PENDING \
            or request.url_rule is None:
        return None
    target = url_for("auth.change_password_page")
    if request.method in ("GET", "HEAD") and not htmx_request():
        return redirect(url_for("auth.change_password_page",
                                next=request.full_path.rstrip("?")), 303)
    if request.method == "POST" and endpoint in REPLAYABLE_WRITES and not htmx_request():
        return None
    response = make_response(render_template(
        "error.html", error=Forbidden(), message="Change your temporary password first."), 403)
    return client_redirect(response, target)  # htmx loads the change page instead


def _write_key() -> str | None:
    """The idempotency key of a signed-in user's write (POST with a client_id), if any."""
    if request.method != "POST" or g.get("user") is None:
        return None
    return parse_client_id(request.form.get("client_id"))


def _answer_repeated_write():
    """A write seen before gets the answer it got then, and nothing runs again.

    Runs after the CSRF check and after g.user is loaded (both registered before this module),
    so a forged request learns nothing and a key only answers for the user who sent it."""
    key = _write_key()
    if key is None:
        return None
    answer = original_answer(db.session, g.user.id, key)
    if answer is None:
        return None
    g.answered_from_ledger = True
    response = redirect(answer.location, answer.status_code)
    response.headers["X-Groundwork-Replay"] = "original"
    return response


def _end_transaction(response):
    """The request owns its transaction: a write answered with success (below 400) is
    committed here, once, together with its replay-ledger row; a refused one (400 and up) is
    rolled back, so nothing of it is half-saved. A GET never writes (its read ends at teardown).
    An error that escapes a view is rolled back by `webapp/errors.py`."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return response
    if response.status_code < 400:
        try:
            db.session.commit()
        except DBAPIError as error:  # lost at the commit: answered as webapp/errors.py says
            return current_app.make_response(current_app.handle_user_exception(error))
    else:
        db.session.rollback()
    return response


def _remember_write(response):
    """Record a confirmed write's answer (a 303 after a POST) under its client UUID."""
    if response.status_code == 303 and not g.get("answered_from_ledger"):
        key = _write_key()
        if key is not None and response.location:
            remember_answer(db.session, g.user.id, key, request.endpoint or "", 303,
                            response.location)
    return response
