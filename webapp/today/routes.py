"""Today: what a rep needs between meetings. (Stub, filled in by the foundation work.)"""
from flask import Blueprint, render_template

from webapp.auth.session import login_required

bp = Blueprint("today", __name__)


@bp.get("/")
@login_required
def index():
    return render_template("today/index.html")


@bp.get("/more")
@login_required
def more():
    return render_template("today/more.html")
