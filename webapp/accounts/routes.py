"""My territory and the account page. (Stub, filled in by the foundation work.)"""
from flask import Blueprint, g, render_template

from webapp.auth.session import login_required
from webapp.queries.access import get_visible_account

bp = Blueprint("accounts", __name__, url_prefix="/accounts")


@bp.get("/")
@login_required
def index():
    return render_template("accounts/index.html")


@bp.get("/<int:account_id>")
@login_required
def detail(account_id: int):
    account = get_visible_account(g.user, account_id)
    return render_template("accounts/detail.html", account=account)
