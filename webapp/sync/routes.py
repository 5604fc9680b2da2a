"""Offline sync: the list of writes waiting in the outbox, the outbox script, the session's
CSRF token for replays, and the replay ledger (a repeated write gets its original answer)."""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import click
from flask import (Blueprint, g, jsonify, redirect, render_template, request, send_file,
                   url_for)
from flask_wtf.csrf import generate_csrf

from webapp.auth.session import login_required
from webapp.extensions import db
from webapp.services.idempotency import parse_client_id
from webapp.services.sync import (DEFAULT_LEDGER_DAYS, original_answer, prune_cutoff,
                                  prune_ledger, remember_answer)

bp = Blueprint("sync", __name__, url_prefix="/sync")

# One source for the page and the service worker (which imports the same file).
OUTBOX_SCRIPT = Path(__file__).resolve().parents[2] / "service_worker" / "outbox.js"


@lru_cache(maxsize=1)
def _outbox_digest(mtime: float) -> str:
    return hashlib.sha256(OUTBOX_SCRIPT.read_bytes()).hexdigest()[:12]


def outbox_script_url() -> str:
    """The outbox script's URL, versioned by its content (so it can be cached for a year)."""
    return url_for("sync.outbox_script", v=_outbox_digest(OUTBOX_SCRIPT.stat().st_mtime))


@bp.app_context_processor
def _outbox_script():
    return {"outbox_script_url": outbox_script_url}


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


def _write_key() -> str | None:
    """The idempotency key of a signed-in user's write (POST with a client_id), if any."""
    if request.method != "POST" or g.get("user") is None:
        return None
    return parse_client_id(request.form.get("client_id"))


@bp.before_app_request
def _answer_repeated_write():
    """A write seen before gets the answer it got then, and nothing runs again.

    Runs after the CSRF check and after g.user is loaded (both registered before blueprints),
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


@bp.after_app_request
def _remember_write(response):
    """Record a confirmed write's answer (a 303 after a POST) under its client UUID."""
    if response.status_code == 303 and not g.get("answered_from_ledger"):
        key = _write_key()
        if key is not None and response.location:
            remember_answer(db.session, g.user.id, key, request.endpoint or "", 303,
                            response.location)
    return response


# --- cron -----------------------------------------------------------------------------------

@bp.cli.command("prune")
@click.option("--older-than-days", "days", type=click.IntRange(min=1),
              default=DEFAULT_LEDGER_DAYS, show_default=True,
              help="Forget replay answers recorded more than this many days ago.")
@click.option("--dry-run", is_flag=True, help="Only say how many would go.")
def prune_command(days: int, dry_run: bool) -> None:
    """Prune the offline-replay ledger (client_writes). Idempotent: run it daily from cron.

    Keep more days than a phone can plausibly stay offline with unsynced writes."""
    cutoff = prune_cutoff(days)
    count = prune_ledger(db.session, cutoff, dry_run=dry_run)
    verb = "Would prune" if dry_run else "Pruned"
    click.echo(f"{verb} {count} replay-ledger {'entry' if count == 1 else 'entries'} recorded "
               f"before {cutoff:%Y-%m-%d %H:%M} UTC ({days} days).")
