"""The floor under any account page: Groundwork as gunicorn builds it, plus two bench-only
pages (never in the product) that do the least a correct page could do.

- /bench/floor/signed-in: the signed-in check every page pays (session cookie, the cached
  session, CSRF, the rate limiter, security headers) and then a body kept in memory,
  already compressed, as a page cache would serve it.
- /bench/floor/<id>: that plus one indexed query, the least a cached page needs to know it may
  still be served: the account's briefcase version, read only if this user may see it.

bench/throughput.py --floor measures both against bare Flask: what no page cache can beat.
"""
from __future__ import annotations

import brotli
from flask import Blueprint, abort, g
from sqlalchemy import select

from webapp import create_app
from webapp.extensions import db
from webapp.models import Account
from webapp.queries.access import account_visibility
from webapp.sessions import login_required

BODY = brotli.compress(b"<!doctype html><title>Account</title>" + b"<p>" * 2000)
bp = Blueprint("bench_floor", __name__, url_prefix="/bench/floor")


def _stored_page():
    return BODY, 200, {"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "br",
                       "Vary": "Accept-Encoding"}


@bp.get("/signed-in")
@login_required
def signed_in():
    return _stored_page()


@bp.get("/<int:account_id>")
@login_required
def one_query(account_id: int):
    version = db.session.scalar(select(Account.briefcase_version).where(
        Account.id == account_id, account_visibility(g.user)))
    if version is None:
        abort(404)
    return _stored_page()


app = create_app()
app.register_blueprint(bp)
