"""Today: what a rep (or a manager, for the team) needs between meetings."""
from __future__ import annotations

from flask import Blueprint, g, render_template

from webapp.clock import local_today
from webapp.extensions import db
from webapp.htmx import render
from webapp.queries.intel import news_for_today
from webapp.queries.today import today_page
from webapp.sessions import login_required

bp = Blueprint("today", __name__)


@bp.get("/")
@login_required
def index():
    today = local_today(g.user.timezone)
    page = today_page(db.session, g.user, today)
    return render("today/index.html", "today/_sections.html", day=page,
                  show_owner=not g.user.is_rep, news=news_for_today(db.session, g.user, today))


@bp.get("/more")
@login_required
def more():
    return render_template("today/more.html")
