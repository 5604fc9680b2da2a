"""My territory (the list) and the account page (everything 60 seconds before a meeting)."""
from __future__ import annotations

from flask import Blueprint, g, request

from webapp import display
from webapp.auth.session import login_required
from webapp.clock import local_today
from webapp.extensions import db
from webapp.htmx import render
from webapp.queries.access import get_visible_account
from webapp.queries.accounts import SORTS, account_page, territory_rows

bp = Blueprint("accounts", __name__, url_prefix="/accounts")
bp.record_once(display.register_filters)


@bp.get("/")
@login_required
def index():
    sort = request.args.get("sort", "name")
    if sort not in SORTS:
        sort = "name"
    query = request.args.get("q", "")[:100]
    rows = territory_rows(db.session, g.user, sort=sort, query=query)
    return render("accounts/index.html", "accounts/_rows.html", rows=rows, sort=sort, q=query,
                  show_owner=not g.user.is_rep)


@bp.get("/<int:account_id>")
@login_required
def detail(account_id: int):
    account = get_visible_account(g.user, account_id)
    page = account_page(db.session, account)
    directions = display.directions_href(account.latitude, account.longitude,
                                         account.address_line)
    return render("accounts/detail.html", "accounts/_account.html", sections=page, account=account,
                  directions=directions, today=local_today(g.user.timezone))
