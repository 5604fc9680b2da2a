"""Opportunity: change the stage in one tap, edit amount / close date / next step, see the
history; resolve a conflict with a newer server copy field by field."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from webapp.auth.session import login_required
from webapp.clock import local_today
from webapp.display import change_value
from webapp.extensions import db
from webapp.htmx import render, wants_fragment
from webapp.meetings.forms import MAX_ID
from webapp.meetings.routes import account_id_arg
from webapp.models import STAGES, Opportunity
from webapp.opportunities.forms import OpportunityCreateForm, OpportunityUpdateForm
from webapp.opportunities.rules import FIELD_LABELS, display_value, form_value
from webapp.queries.access import get_visible_account
from webapp.queries.opportunity_page import change_history
from webapp.queries.write_targets import get_visible_opportunity
from webapp.services.idempotency import ClientIdTaken, new_client_id
from webapp.services.opportunities import (
    OpportunityError,
    VersionConflict,
    create_opportunity,
    update_opportunity,
)

bp = Blueprint("opportunities", __name__, url_prefix="/opportunities")


def _form_for(opportunity: Opportunity) -> OpportunityUpdateForm:
    """A fresh edit form: the current values, the current version, a new client id."""
    form = OpportunityUpdateForm(formdata=None, data={
        "version": opportunity.version, "stage": opportunity.stage,
        "amount": opportunity.amount, "close_on": opportunity.close_on,
        "next_step": opportunity.next_step, "next_step_on": opportunity.next_step_on,
        "qualified": "y" if opportunity.qualified else "n",
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
        for row in change_history(opportunity.id)
    ]


def _render_detail(opportunity: Opportunity, form: OpportunityUpdateForm, status: int = 200,
                   saved: bool = False):
    return render("opportunities/detail.html", "opportunities/_editor.html", status,
                  opportunity=opportunity, account=opportunity.account, form=form,
                  stages=STAGES, history=_history(opportunity), saved=saved,
                  display_value=display_value)


@bp.get("/<int:opportunity_id>")
@login_required
def detail(opportunity_id: int):
    opportunity = get_visible_opportunity(g.user, opportunity_id)
    return _render_detail(opportunity, _form_for(opportunity))


@bp.post("/<int:opportunity_id>")
@login_required
def update(opportunity_id: int):
    """Apply the posted fields (any subset) made on `version`; 409 + conflict screen when the
    opportunity changed since; 400 + the form with errors on bad input."""
    opportunity = get_visible_opportunity(g.user, opportunity_id)
    form = OpportunityUpdateForm()
    if not form.validate():
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


def _render_conflict(opportunity: Opportunity, conflict: VersionConflict, client_id: str):
    choices = [
        {"field": c.field, "label": c.label, "suggested": c.suggested,
         "yours": display_value(c.field, c.yours), "theirs": display_value(c.field, c.theirs),
         "base": display_value(c.field, c.base),
         "yours_value": form_value(c.field, c.yours), "theirs_value": form_value(c.field, c.theirs)}
        for c in conflict.conflicts
    ]
    response = render("opportunities/conflict.html", "opportunities/_conflict.html", 409,
                      opportunity=opportunity, account=opportunity.account, choices=choices,
                      version=conflict.current_version, client_id=client_id)
    if wants_fragment():
        # The conflict screen replaces the page's content, not just the editor.
        response.headers["HX-Retarget"] = "#main"
        response.headers["HX-Reswap"] = "innerHTML show:top"
    return response


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    if request.method == "GET":
        account_id = account_id_arg()
        if account_id is None:
            abort(404)
        account = get_visible_account(g.user, account_id)
        form = OpportunityCreateForm(
            account_id=account.id, close_on=local_today(g.user.timezone) + timedelta(days=90))
        form.client_id.data = new_client_id()
        return render_template("opportunities/new.html", form=form, account=account)

    form = OpportunityCreateForm()
    account_id = form.account_id.data
    if not isinstance(account_id, int) or not 0 < account_id <= MAX_ID:
        abort(404)
    account = get_visible_account(g.user, account_id)
    if not form.validate():
        return render_template("opportunities/new.html", form=form, account=account), 400
    try:
        opportunity = create_opportunity(
            db.session, g.user, account, client_id=form.client_id.data, name=form.name.data,
            amount=form.amount.data, close_on=form.close_on.data, stage=form.stage.data)
    except OpportunityError as error:
        form[error.field].errors.append(str(error))
        return render_template("opportunities/new.html", form=form, account=account), 400
    except ClientIdTaken:
        abort(409)
    flash("Opportunity added.", "success")
    return redirect(url_for("opportunities.detail", opportunity_id=opportunity.id), 303)
