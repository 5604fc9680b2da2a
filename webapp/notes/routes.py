"""Quick note. (Stub, filled in by the foundation work.)"""
from flask import Blueprint, render_template

from webapp.auth.session import login_required

bp = Blueprint("notes", __name__, url_prefix="/notes")


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    return render_template("notes/new.html")
