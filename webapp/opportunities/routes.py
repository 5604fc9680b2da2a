"""Opportunity: change the stage in one tap, edit amount / close date / next step, see the
history; resolve a conflict with a newer server copy field by field."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from uuid import UUID

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from webapp.clock import local_today, utcnow
from webapp.display import change_value
from webapp.domain.client_ids import ClientIdTaken, new_client_id, parse_client_id
from webapp.domain.deal_closing import LOSS_REASON_LABELS, can_reopen, reopen_until
from webapp.domain.opportunities import FIELD_LABELS, display_value, form_value
from webapp.extensions import db
from webapp.htmx import render, retarget, wants_fragment
from webapp.models import OPEN_STAGES, Opportunity
from webapp.opportunities.forms import (
    CloseDealForm,
    OpportunityCreateForm,
    OpportunityUpdateForm,
    ReopenForm,
)
from webapp.queries.access import get_visible_opportunity
from webapp.queries.access import (
    account_by_ref,
    account_for_new_form,
    get_account_by_ref,
    get_opportunity_by_ref,
    opportunity_by_ref,
)
from webapp.queries.capture import opportunity_by_client_id
from webapp.queries.effort import deal_effort
from webapp.queries.meeting_form import picker_choices
from webapp.queries.opportunity_page import change_history, current_closure, qualification
from webapp.routing import then_meeting
from webapp.services.deals import close_deal, reopen_deal
from webapp.services.opportunities import (
    OpportunityError,
    VersionConflict,
    create_opportunity,
    update_opportunity,
)
from webapp.sessions import login_required

bp = Blueprint("opportunities", __name__, url_prefix="/opportunities")
DEFAULT_CLOSE_DAYS = 90


def _form_for(opportunity: Opportunity) -> OpportunityUpdateForm:
    """A fresh edit form: the current values, the current version, a new client id."""
    form = OpportunityUpdateForm(formdata=None, data={
        "version": opportunity.version, "stage": opportunity.stage,
        "amount": opportunity.amount, "close_on": opportunity.close_on,
        "next_step": opportunity.next_step, "next_step_on": opportunity.next_step_on,
        "forecast_category": opportunity.forecast_category,
    })
    form.client_id.data = new_client_id()
    return form


def _history(opportunity: Opportunity) -> list[dict]:
    return [
        {"who": row.user_name or "Import", "when": row.OpportunityChange.changed_at,
         "field": FIELD_LABELS.get(row.OpportunityChange.field, row.OpportunityChange.field),
         "old": change_value(row.OpportunityChange.field, row.OpportunityChange.old_value,
                             opportunity.currency),
         "new": change_value(row.OpportunityChange.field, row.OpportunityChange.new_value,
                             opportunity.currency)}
        for row in change_history(db.session, opportunity.id)
    ]


def _close_form(opportunity: Opportunity) -> CloseDealForm:
    form = CloseDealForm(formdata=None, data={"amount": opportunity.amount})
    form.client_id.data = new_client_id()
    return form


def _reopen_form() -> ReopenForm:
    form = ReopenForm(formdata=None)
    form.client_id.data = new_client_id()
    return form


def _render_detail(opportunity: Opportunity, form: OpportunityUpdateForm, status: int = 200,
                   saved: bool = False, close_form: CloseDealForm | None = None,
                   reopen_error: str | None = None):
    closure = None if opportunity.is_open else current_closure(db.session, opportunity.id)
    return render("opportunities/detail.html", "opportunities/_editor.html", status,
                  opportunity=opportunity, account=opportunity.account, form=form,
                  stages=OPEN_STAGES, history=_history(opportunity), saved=saved,
                  display_value=display_value,
                  qualification=qualification(db.session, opportunity.id),
                  close_form=close_form or _close_form(opportunity), closure=closure,
                  can_reopen=closure is not None and can_reopen(closure.closed_at, utcnow()),
                  reopen_until=reopen_until, reopen_form=_reopen_form(),
                  reopen_error=reopen_error, loss_reasons=LOSS_REASON_LABELS,
                  tz=g.user.timezone,
                  effort=deal_effort(db.session, opportunity.id, local_today(g.user.timezone)))


@bp.get("/<int:opportunity_id>")
@login_required
def detail(opportunity_id: int):
    opportunity = get_visible_opportunity(db.session, g.user, opportunity_id)
    return _render_detail(opportunity, _form_for(opportunity))


@bp.post("/<int:opportunity_id>")
@bp.post("/<uuid:opportunity_id>")
@login_required
def update(opportunity_id: int | UUID):
    """Apply the posted fields (any subset) made on `version`; 409 + conflict screen when the
    opportunity changed since; 400 + the form with errors on bad input. A deal made on the
    phone is named by its client id until it has reached the server: a change queued after
    it applies to it (404 while it has not arrived, never to another deal)."""
    opportunity = get_opportunity_by_ref(db.session, g.user, opportunity_id)
    form = OpportunityUpdateForm()
    if not form.validate():
        return _render_detail(opportunity, form, 400)
    if not opportunity.is_open and form.stage.raw_data \
            and form.stage.data != opportunity.stage:
        form.stage.errors.append("This deal is closed: reopen it to change its stage.")
        return _render_detail(opportunity, form, 400)
    try:
        update_opportunity(db.session, g.user, opportunity, form.posted_changes(),
                           based_on_version=form.version.data, client_id=form.client_id.data)
    except VersionConflict as conflict:
        return _render_conflict(opportunity, conflict, form.client_id.data)
    except OpportunityError as error:
        target = form[error.field] if error.field in form else form.version
        target.errors.append(str(error))
        return _render_detail(opportunity, form, 400)
    except ClientIdTaken:
        abort(409)
    if wants_fragment():
        return _render_detail(opportunity, _form_for(opportunity), saved=True)
    flash("Saved.", "success")
    return redirect(url_for("opportunities.detail", opportunity_id=opportunity.id), 303)


@bp.post("/<int:opportunity_id>/close")
@login_required
def close(opportunity_id: int):
    """Close the deal as won (final amount) or lost (reason, competitor), once confirmed."""
    opportunity = get_visible_opportunity(db.session, g.user, opportunity_id)
    form = CloseDealForm()
    if form.validate():
        try:
            close_deal(db.session, g.user, opportunity, outcome=form.outcome.data,
                       amount=form.amount.data, reason=form.reason.data,
                       competitor=form.competitor.data or "", client_id=form.client_id.data)
        except OpportunityError as error:
            target = form[error.field] if error.field in form else form.outcome
            target.errors = [*target.errors, str(error)]
        else:
            flash(f"Closed as {form.outcome.data}. You can reopen it for 7 days.", "success")
            return redirect(url_for("opportunities.detail", opportunity_id=opportunity.id), 303)
    return _render_detail(opportunity, _form_for(opportunity), 400, close_form=form)


@bp.post("/<int:opportunity_id>/reopen")
@login_required
def reopen(opportunity_id: int):
    """Undo a recent close: the deal goes back to the stage it had."""
    opportunity = get_visible_opportunity(db.session, g.user, opportunity_id)
    form = ReopenForm()
    if not form.validate():
        abort(400)
    try:
        reopen_deal(db.session, g.user, opportunity, client_id=form.client_id.data)
    except OpportunityError as error:
        return _render_detail(opportunity, _form_for(opportunity), 400, reopen_error=str(error))
    flash("Reopened.", "success")
    return redirect(url_for("opportunities.detail", opportunity_id=opportunity.id), 303)


def _render_conflict(opportunity: Opportunity, conflict: VersionConflict, client_id: str):
    choices = [
        {"field": c.field, "label": c.label, "suggested": c.suggested,
         "yours": display_value(c.field, c.yours, opportunity.currency),
         "theirs": display_value(c.field, c.theirs, opportunity.currency),
         "base": display_value(c.field, c.base, opportunity.currency),
         "yours_value": form_value(c.field, c.yours), "theirs_value": form_value(c.field, c.theirs)}
        for c in conflict.conflicts
    ]
    keep = [(field, form_value(field, value)) for field, value in conflict.keep.items()]
    response = render("opportunities/conflict.html", "opportunities/_conflict.html", 409,
                      opportunity=opportunity, account=opportunity.account, choices=choices,
                      keep=keep, changed_by=conflict.changed_by, changed_at=conflict.changed_at,
                      version=conflict.current_version, client_id=client_id)
    if wants_fragment():
        # The conflict screen replaces the page's content, not just the editor.
        retarget(response, "#main", "innerHTML show:top")
    return response


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """A new deal, from the account page (?account_id= an id, or the client id of an account
    made on the phone offline); only its name is needed."""
    if request.method == "GET":
        ref = request.args.get("account_id", "")
        account = account_for_new_form(db.session, g.user, ref)
        form = OpportunityCreateForm(
            formdata=None, account_id=account.id if account else ref,
            close_on=local_today(g.user.timezone) + timedelta(days=DEFAULT_CLOSE_DAYS))
        form.client_id.data = new_client_id()
        return _render_new(form, account)

    form = OpportunityCreateForm()
    client_id = parse_client_id(form.client_id.data)
    if client_id:  # a replay: answer as the first time, change nothing
        made = opportunity_by_client_id(db.session, client_id)
        if made is not None:
            if account_by_ref(db.session, g.user, made.account_id) is None:
                abort(409)
            return _made(made)
    # Not the user's, or made offline and not arrived yet: never a deal pointing at nothing.
    account = get_account_by_ref(db.session, g.user, form.account_id.data)
    if not form.validate():
        return _render_new(form, account, 400)
    try:
        opportunity = create_opportunity(
            db.session, g.user, account, client_id=form.client_id.data, name=form.name.data,
            amount=form.amount.data or Decimal(0), close_on=form.close_on.data,
            stage=form.stage.data)
    except OpportunityError as error:
        form[error.field].errors.append(str(error))
        return _render_new(form, account, 400)
    except ClientIdTaken:
        abort(409)
    flash("Opportunity added.", "success")
    return _made(opportunity)


def _made(opportunity: Opportunity):
    """After a new deal: its page, or the log-meeting form it was made from (for its account)."""
    if then_meeting():
        return redirect(url_for("meetings.new", account_id=opportunity.account_id), 303)
    return redirect(url_for("opportunities.detail", opportunity_id=opportunity.id), 303)


@bp.get("/pending")
@login_required
def pending():
    """A deal made on this phone, by its client id (?id=). Once it reached the server this is
    its page; before (offline) the saved copy of this page shows it from the phone's outbox
    (static/js/capture.js) with its stage and details, which can be changed meanwhile: the
    changes name the deal by its client id and follow its creation."""
    opportunity = opportunity_by_ref(db.session, g.user, request.args.get("id", ""))
    if opportunity is not None:
        return redirect(url_for(".detail", opportunity_id=opportunity.id))
    form = OpportunityUpdateForm(formdata=None, data={"version": 1})
    return render_template("opportunities/pending.html", form=form, stages=OPEN_STAGES,
                           display_value=display_value)


def _render_new(form: OpportunityCreateForm, account, status: int = 200):
    ctx = {"form": form, "account": account, "then": then_meeting()}
    if account is None:
        ctx.update(picker_choices(db.session, g.user, request.values.get("account_q", ""),
                                  form.account_id.data))
    return render_template("opportunities/new.html", **ctx), status
