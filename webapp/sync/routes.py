"""Offline sync: the list of writes waiting in the outbox, the outbox script, the session's
CSRF token for replays, and the replay ledger (a repeated write gets its original answer)."""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, g, jsonify, render_template, request, send_file, url_for
from flask_wtf.csrf import generate_csrf

from webapp.sessions import login_required

bp = Blueprint("sync", __name__, url_prefix="/sync")

# One source for the page and the service worker (which imports the same file).
OUTBOX_SCRIPT = Path(__file__).resolve().parents[2] / "service_worker" / "outbox.js"


@lru_cache(maxsize=1)
def _outbox_digest(mtime: float) -> str:
    return hashlib.sha256(OUTBOX_SCRIPT.read_bytes()).hexdigest()[:12]


def outbox_script_url() -> str:
    """The outbox script's URL, versioned by its content (so it can be cached for a year)."""
    return url_for("sync.outbox_script", v=_outbox_digest(OUTBOX_SCRIPT.stat().st_mtime))


# base.html loads it on every page (as pwa.py gives it the page scripts).
bp.add_app_template_global(outbox_script_url, "outbox_script_url")


@bp.get("/pending")
@login_required
def pending():
    """What is not yet on the server; the list itself is read from the outbox in the browser."""
    return render_template("pwa/pending.html")


@bp.get("/token")
def token():
    """The current CSRF token (JSON) for replaying queued writes.

    The token is bound to the session, not to a clock, so a replay days later is accepted;
    signing in again starts a new session with a new token, which the replayer fetches here.
    A 401 (not a redirect to the sign-in page) tells the replayer to ask the rep to sign in."""
    if g.get("user") is None:
        response = jsonify(error="Sign in to sync.")
        response.status_code = 401
    else:
        response = jsonify(csrf_token=generate_csrf(), user_id=g.user.id)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/outbox.js")
def outbox_script():
    versioned = request.args.get("v") == _outbox_digest(OUTBOX_SCRIPT.stat().st_mtime)
    response = send_file(OUTBOX_SCRIPT, mimetype="text/javascript",
                         max_age=31536000 if versioned else 0)
    if versioned:
        response.cache_control.immutable = True
    else:
        response.cache_control.no_cache = True
    return response


# --- cron -----------------------------------------------------------------------------------

