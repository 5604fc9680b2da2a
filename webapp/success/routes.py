"""Customer success: a customer's health, goals and renewal (a write through the outbox), the
renewals list (the rep's, or the manager's team's), and reference customers for a
hard-to-reach prospect (cascade deals): one tap drafts the invitation and records the ask."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from webapp.clock import local_today, utcnow
from webapp.domain.client_ids import ClientIdTaken, new_client_id
from webapp.domain.success import (
    EFFORT_QUARTER_DAYS,
    HEALTH_LABELS,
    RENEWAL_WINDOWS,
    effort_against_potential,
    invitation,
    rank_references,
)
from webapp.extensions import db
from webapp.queries.access import get_visible_account, get_visible_rep
from webapp.queries.success import (
    RENEWALS_PAGE,
    effort_rows,
    hosts,
    reference_candidates,
    renewals,
    success_of,
)
from webapp.services.success import SuccessChange, SuccessError, record_reference_ask, update_success
from webapp.sessions import login_required
from webapp.success.forms import AskForm, SuccessForm

bp = Blueprint("success", __name__)
SUGGESTIONS = 5


def _render_edit(form: SuccessForm, account, status: int = 200):
    return render_template("success/edit.html", form=form, account=account,
                           health_labels=HEALTH_LABELS), status


@bp.route("/accounts/<int:account_id>/success", methods=["GET", "POST"])
@login_required
def update(account_id: int):
    """A customer's goal, wanted outcome, renewal date, health (with why) and whether they
    are a willing reference. The account page carries the same form (kept offline)."""
    account = get_visible_account(db.session, g.user, account_id)  # a prospect's save is refused (400)
    if request.method == "GET":
        row = success_of(db.session, account)
        form = SuccessForm(formdata=None, data={
            "goal": account.customer_goal, "outcome": row.outcome if row else "",
            "renewal_on": account.renewal_on, "health": (row.health if row else None) or "",
            "health_reason": row.health_reason if row else "",
            "willing": bool(row and row.reference_willing)})
        form.client_id.data = new_client_id()
        return _render_edit(form, account)
    form = SuccessForm()
    if not form.validate():
        return _render_edit(form, account, 400)
    try:
        update_success(db.session, g.user, account, SuccessChange(
            goal=form.goal.data or "", outcome=form.outcome.data or "",
            renewal_on=form.renewal_on.data, health=form.health.data or "",
            health_reason=form.health_reason.data or "", willing=bool(form.willing.data)),
            local_today(g.user.timezone))
    except SuccessError as error:
        form[error.field].errors.append(str(error))
        return _render_edit(form, account, 400)
    flash("Customer success saved.", "success")
    return redirect(url_for("accounts.detail", account_id=account.id, _anchor="success"), 303)


@bp.get("/renewals")
@login_required
def renewals_list():
    """Customers renewing in the next 90 (or 180) days, with their health: a rep's own, a
    manager's team's (with the owner)."""
    days = request.args.get("days", type=int)
    if days not in RENEWAL_WINDOWS:
        days = RENEWAL_WINDOWS[0]
    today = local_today(g.user.timezone)
    page = request.args.get("page", type=int) or 1
    listing = renewals(db.session, g.user, today, days, min(max(page, 1), 10_000))
    return render_template("success/renewals.html", listing=listing, rows=listing.rows,
                           page_size=RENEWALS_PAGE, days=days, today=today,
                           windows=RENEWAL_WINDOWS, health_labels=HEALTH_LABELS,
                           team=not g.user.is_rep)


def _mailto(to: str, subject: str, body: str) -> str:
    return f"mailto:{quote(to, safe='@,')}?subject={quote(subject)}&body={quote(body)}"


@bp.get("/accounts/<int:account_id>/references")
@login_required
def references(account_id: int):
    """Happy customers who could host this prospect for lunch, best first (same industry,
    nearby, recent good meetings; each ask counts against a reference)."""
    prospect = get_visible_account(db.session, g.user, account_id)
    candidates, accounts, total = reference_candidates(db.session, g.user, prospect, utcnow())
    ranked = rank_references(prospect.industry, (prospect.latitude, prospect.longitude),
                             candidates, utcnow(), limit=SUGGESTIONS)
    ids = [s.account_id for s in ranked]
    people = hosts(db.session, ids + [prospect.id])
    guest = people.get(prospect.id)
    suggestions = []
    for s in ranked:
        host_account, host = accounts[s.account_id], people.get(s.account_id)
        subject, body = invitation(prospect.name, guest.name if guest else "", host_account.name,
                                   host.name if host else "", g.user.name)
        to = ",".join(c.email for c in (guest, host) if c and c.email)
        attendees = ", ".join(p for p in ((host.name if host else ""), host_account.name,
                                          guest.name if guest else "") if p)
        suggestions.append({
            "s": s, "account": host_account, "host": host, "mailto": _mailto(to, subject, body),
            "next": url_for("meetings.new", account_id=prospect.id, kind="lunch",
                            attendees=attendees[:500])})
    form = AskForm(formdata=None)
    return render_template("success/references.html", prospect=prospect, guest=guest,
                           suggestions=suggestions, form=form, total=total)


@bp.post("/accounts/<int:account_id>/references/<int:reference_id>/ask")
@login_required
def ask(account_id: int, reference_id: int):
    """The rep drafted the invitation: count the ask against the reference (so nobody is worn
    out) and go to the meeting form, filled in for the lunch, to log it afterwards."""
    prospect = get_visible_account(db.session, g.user, account_id)
    reference = get_visible_account(db.session, g.user, reference_id)
    form = AskForm()
    if not form.validate():
        abort(400)
    try:
        record_reference_ask(db.session, g.user, prospect, reference, form.client_id.data)
    except SuccessError:
        abort(400)  # not a customer, or the prospect itself
    except ClientIdTaken:
        abort(409)
    flash(f"Asked {reference.name}. Log the lunch here afterwards.", "success")
    return redirect(url_for("meetings.new", account_id=prospect.id, kind="lunch",
                            attendees=(request.args.get("attendees") or reference.name)[:500]), 303)


@bp.get("/pipeline/reps/<int:rep_id>/effort")
@login_required
def effort(rep_id: int):
    """Where the rep's meetings of the last quarter went by potential band, against where the
    potential is: the one-to-one page loads it on its own (that page's queries stay bounded)."""
    rep = get_visible_rep(db.session, g.user, rep_id)
    since = utcnow() - timedelta(days=EFFORT_QUARTER_DAYS)
    return render_template("pipeline/_effort.html",
                           effort=effort_against_potential(effort_rows(db.session, rep, since)))
